#include "logs/line_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "logs/syslog_framer.h"
#include "logs/test_data.h"
#include "logs/timestamp_parse.h"

namespace pharos::logs {
namespace {

std::int64_t at(const char* rfc3339) {
  std::int64_t ns = 0;
  EXPECT_TRUE(parseRfc3339(rfc3339, ns)) << rfc3339;
  return ns;
}

std::string attr(const Record& r, std::string_view key) {
  for (const Attribute& a : r.attributes) {
    if (a.key == key) return a.value;
  }
  return "<absent>";
}

class LineParserTest : public ::testing::Test {
 protected:
  const Record& parse(Source source, std::string_view message, std::string_view level = "",
                      std::string_view service = "", std::int64_t timestampNs = 0,
                      std::vector<AttributeView> attributes = {}) {
    attributes_ = std::move(attributes);
    EntryView entry;
    entry.timestampNs = timestampNs;
    entry.level = level;
    entry.service = service;
    entry.message = message;
    entry.attributes = attributes_;
    parser_.parse(source, received_, entry, record_);
    return record_;
  }

  std::int64_t received_ = at("2026-11-27T15:06:00Z");
  LineParser parser_;
  Record record_;
  std::vector<AttributeView> attributes_;
};

TEST_F(LineParserTest, Rfc5424PlainMessage) {
  const Record& r =
      parse(Source::kSyslogTcp,
            "<165>1 2003-10-11T22:14:15.003Z mymachine evntslog 77 ID47 [ex@32473 iut=\"3\"] "
            "\xEF\xBB\xBFPayment gateway timeout after 3 retries");
  EXPECT_EQ(r.timestampNs, at("2003-10-11T22:14:15.003Z"));
  EXPECT_EQ(r.receivedNs, received_);
  EXPECT_EQ(r.service, "evntslog");
  EXPECT_EQ(r.host, "mymachine");
  EXPECT_EQ(r.level, Level::kInfo);  // notice
  EXPECT_EQ(r.message, "Payment gateway timeout after 3 retries");
  EXPECT_EQ(attr(r, "facility"), "local4");
  EXPECT_EQ(attr(r, "procid"), "77");
  EXPECT_EQ(attr(r, "msgid"), "ID47");
  EXPECT_EQ(attr(r, "sd.ex@32473.iut"), "3");
  EXPECT_EQ(r.httpStatus, 0);
  EXPECT_LT(r.latencyMs, 0);
}

TEST_F(LineParserTest, SyslogDeliberateSeverityBeatsBodyLevel) {
  // err(3) is a choice the sender made; info(6) is what shippers send for everything.
  const Record& err = parse(Source::kSyslogUdp, "<11>1 - h app - - - {\"level\":\"debug\"}");
  EXPECT_EQ(err.level, Level::kError);
  EXPECT_EQ(attr(err, "level"), "debug");
  const Record& info = parse(Source::kSyslogUdp, "<14>1 - h app - - - {\"level\":\"debug\"}");
  EXPECT_EQ(info.level, Level::kDebug);
  const Record& plain = parse(Source::kSyslogUdp, "<14>1 - h app - - - ERROR disk full");
  EXPECT_EQ(plain.level, Level::kError);
}

TEST_F(LineParserTest, SyslogFrameThatDoesNotParseIsTheMessage) {
  const Record& r = parse(Source::kSyslogTcp, "<999>garbage", "warn", "svc");
  EXPECT_EQ(r.message, "<999>garbage");
  EXPECT_EQ(r.level, Level::kWarn);
  EXPECT_EQ(r.service, "svc");
  EXPECT_EQ(r.timestampNs, received_);
}

TEST_F(LineParserTest, TimestampPrecedence) {
  const std::int64_t entryTs = at("2026-01-01T00:00:00Z");
  EXPECT_EQ(
      parse(Source::kSyslogTcp, "<14>1 2026-02-02T00:00:00Z h a - - - {\"ts\":1}", "", "", entryTs)
          .timestampNs,
      entryTs);
  EXPECT_EQ(parse(Source::kSyslogTcp, "<14>1 2026-02-02T00:00:00Z h a - - - x").timestampNs,
            at("2026-02-02T00:00:00Z"));
  EXPECT_EQ(parse(Source::kNative, R"({"time":"2026-03-03T00:00:00.5Z"})").timestampNs,
            at("2026-03-03T00:00:00.5Z"));
  EXPECT_EQ(parse(Source::kNative, "plain").timestampNs, received_);
}

TEST_F(LineParserTest, EpochTimestampsByMagnitude) {
  const std::int64_t t = 1'700'000'000;
  EXPECT_EQ(parse(Source::kNative, R"({"ts":1700000000})").timestampNs, t * 1'000'000'000);
  EXPECT_EQ(parse(Source::kNative, R"({"ts":1700000000.5})").timestampNs,
            t * 1'000'000'000 + 500'000'000);
  EXPECT_EQ(parse(Source::kNative, R"({"ts":1700000000123})").timestampNs,
            t * 1'000'000'000 + 123'000'000);
  EXPECT_EQ(parse(Source::kNative, R"({"ts":1700000000123456})").timestampNs,
            t * 1'000'000'000 + 123'456'000);
  EXPECT_EQ(parse(Source::kNative, R"({"ts":1700000000123456789})").timestampNs,
            t * 1'000'000'000 + 123'456'789);
  EXPECT_EQ(parse(Source::kNative, "ts=1700000000 level=info msg=x").timestampNs,
            t * 1'000'000'000);
  // Not a time: kept as an attribute, the receive time stands in.
  const Record& r = parse(Source::kNative, R"({"ts":"yesterday","msg":"m"})");
  EXPECT_EQ(r.timestampNs, received_);
  EXPECT_EQ(attr(r, "ts"), "yesterday");
}

TEST_F(LineParserTest, JsonBody) {
  const Record& r = parse(
      Source::kNative,
      R"({"ts":"2026-11-27T14:55:21.456Z","level":"error","service":"payments","msg":"card declined","error":{"code":"E_DECLINED","retryable":false},"user":{"id":7,"email":"bob@example.com"},"tags":["a",1],"nothing":null,"amount":19.99,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","status":502,"latency":0.25})");
  EXPECT_EQ(r.timestampNs, at("2026-11-27T14:55:21.456Z"));
  EXPECT_EQ(r.level, Level::kError);
  EXPECT_EQ(r.service, "payments");
  EXPECT_EQ(r.message, "card declined");
  EXPECT_EQ(r.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(r.httpStatus, 502);
  EXPECT_DOUBLE_EQ(r.latencyMs, 250);
  EXPECT_EQ(attr(r, "error.code"), "E_DECLINED");
  EXPECT_EQ(attr(r, "error.retryable"), "false");
  EXPECT_EQ(attr(r, "user.id"), "7");
  EXPECT_EQ(attr(r, "user.email"), "bob@example.com");
  EXPECT_EQ(attr(r, "tags"), R"(["a",1])");
  EXPECT_EQ(attr(r, "nothing"), "<absent>");
  EXPECT_EQ(attr(r, "amount"), "19.99");
  ASSERT_EQ(r.attributes.size(), 6u);
  EXPECT_EQ(r.attributes[0].key, "error.code");
}

TEST_F(LineParserTest, JsonNestedWellKnownFieldsAndFallbacks) {
  const Record& r =
      parse(Source::kOtlp,
            R"({"service":{"name":"api"},"http":{"status":404},"trace":{"id":"ab"}})", "WARN", "");
  EXPECT_EQ(r.service, "api");
  EXPECT_EQ(r.httpStatus, 404);
  EXPECT_EQ(r.traceId, "ab");
  EXPECT_EQ(r.level, Level::kWarn);
  // No msg key: the whole body is the message.
  EXPECT_EQ(r.message, R"({"service":{"name":"api"},"http":{"status":404},"trace":{"id":"ab"}})");
  // The protocol's service and level stand; the body's are kept as attributes.
  const Record& s =
      parse(Source::kLoki, R"({"msg":"m","service":"other","level":"debug"})", "error", "svc");
  EXPECT_EQ(s.service, "svc");
  EXPECT_EQ(s.level, Level::kError);
  EXPECT_EQ(attr(s, "service"), "other");
  EXPECT_EQ(attr(s, "level"), "debug");
}

TEST_F(LineParserTest, JsonLevelsAndLatencies) {
  EXPECT_EQ(parse(Source::kNative, R"({"level":50})").level, Level::kError);  // pino
  EXPECT_EQ(parse(Source::kNative, R"({"severity":"WARNING"})").level, Level::kWarn);
  EXPECT_EQ(parse(Source::kNative, R"({"lvl":3})").level, Level::kError);  // syslog severity
  EXPECT_DOUBLE_EQ(parse(Source::kNative, R"({"latency_ms":12.5})").latencyMs, 12.5);
  EXPECT_DOUBLE_EQ(parse(Source::kNative, R"({"duration":125})").latencyMs, 125);
  EXPECT_DOUBLE_EQ(parse(Source::kNative, R"({"duration":1.0})").latencyMs, 1000);
  EXPECT_DOUBLE_EQ(parse(Source::kNative, R"({"duration":152.5})").latencyMs, 152.5);
  EXPECT_DOUBLE_EQ(parse(Source::kNative, R"({"latency":"12ms"})").latencyMs, 12);
  EXPECT_DOUBLE_EQ(parse(Source::kNative, R"({"latency":"1.5s"})").latencyMs, 1500);
  EXPECT_DOUBLE_EQ(parse(Source::kNative, R"({"latency":"250us"})").latencyMs, 0.25);
  EXPECT_DOUBLE_EQ(parse(Source::kNative, R"({"latency":"1m30s"})").latencyMs, 90000);
  const Record& bad = parse(Source::kNative, R"({"latency":"soon"})");
  EXPECT_LT(bad.latencyMs, 0);
  EXPECT_EQ(attr(bad, "latency"), "soon");
}

TEST_F(LineParserTest, DockerJsonLog) {
  const Record& r =
      parse(Source::kNative, R"({"log":"started\n","stream":"stdout","":"nameless"})");
  EXPECT_EQ(r.message, "started");
  EXPECT_EQ(attr(r, "stream"), "stdout");
  EXPECT_EQ(r.attributes.size(), 1u);
}

TEST_F(LineParserTest, InvalidJsonIsPlainText) {
  const Record& r = parse(Source::kNative, R"({"msg":"cut)");
  EXPECT_EQ(r.message, R"({"msg":"cut)");
  EXPECT_TRUE(r.attributes.empty());
  EXPECT_EQ(parse(Source::kNative, "[1,2]").message, "[1,2]");
}

TEST_F(LineParserTest, DeepJsonIsCutIntoText) {
  std::string deep;
  for (int i = 0; i < 40; ++i)
    deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 40; ++i)
    deep += "}";
  const Record& r = parse(Source::kNative, deep);
  ASSERT_EQ(r.attributes.size(), 1u);
  EXPECT_EQ(r.attributes[0].value.front(), '{');
}

TEST_F(LineParserTest, AccessLogBody) {
  std::string line =
      R"(10.0.0.5 - alice [27/Nov/2026:14:55:17 +0000] "POST /api/v1/orders?id=42 HTTP/1.1" 201 87 "https://shop.example.com/cart" "curl/8.4.0" 0.042)";
  const Record& r = parse(Source::kNative, line);
  EXPECT_EQ(r.message, line);
  EXPECT_EQ(r.httpStatus, 201);
  EXPECT_DOUBLE_EQ(r.latencyMs, 42);
  EXPECT_EQ(r.timestampNs, at("2026-11-27T14:55:17Z"));
  EXPECT_EQ(attr(r, "method"), "POST");
  EXPECT_EQ(attr(r, "path"), "/api/v1/orders?id=42");
  EXPECT_EQ(attr(r, "client"), "10.0.0.5");
  EXPECT_EQ(attr(r, "bytes"), "87");
  EXPECT_EQ(attr(r, "user_agent"), "curl/8.4.0");
  EXPECT_EQ(attr(r, "referer"), "https://shop.example.com/cart");
}

TEST_F(LineParserTest, LogfmtBody) {
  const Record& r = parse(
      Source::kNative,
      R"(time=2026-11-27T14:55:24Z level=error msg="db connection lost" db=postgres retry=3 duration_ms=12.4 service=api trace_id=abc status=503)");
  EXPECT_EQ(r.timestampNs, at("2026-11-27T14:55:24Z"));
  EXPECT_EQ(r.level, Level::kError);
  EXPECT_EQ(r.message, "db connection lost");
  EXPECT_EQ(r.service, "api");
  EXPECT_EQ(r.traceId, "abc");
  EXPECT_EQ(r.httpStatus, 503);
  EXPECT_DOUBLE_EQ(r.latencyMs, 12.4);
  ASSERT_EQ(r.attributes.size(), 2u);
  EXPECT_EQ(attr(r, "db"), "postgres");
  EXPECT_EQ(attr(r, "retry"), "3");
  // Without msg the line is the message.
  EXPECT_EQ(parse(Source::kNative, "a=1 b=2").message, "a=1 b=2");
}

TEST_F(LineParserTest, PlainTextLevelWords) {
  EXPECT_EQ(parse(Source::kNative, "ERROR something broke").level, Level::kError);
  EXPECT_EQ(parse(Source::kNative, "[warn] x").level, Level::kWarn);
  EXPECT_EQ(parse(Source::kNative, "2024-01-01 12:00:00 INFO x").level, Level::kInfo);
  EXPECT_EQ(
      parse(Source::kNative, "2026-11-27 14:55:27,123 ERROR [main] com.example.App - boom").level,
      Level::kError);
  EXPECT_EQ(parse(Source::kNative, "error: cannot open file").level, Level::kError);
  EXPECT_EQ(parse(Source::kNative, "debug mode on").level, Level::kDebug);
  // Prose.
  EXPECT_EQ(parse(Source::kNative, "alert raised for host").level, Level::kUnknown);
  EXPECT_EQ(parse(Source::kNative, "I think so").level, Level::kUnknown);
  EXPECT_EQ(parse(Source::kNative, "the job had an error").level, Level::kUnknown);
  // A protocol level is not overridden by a word.
  EXPECT_EQ(parse(Source::kNative, "ERROR x", "info").level, Level::kInfo);
}

TEST_F(LineParserTest, EntryAttributesComeFirstAndRecordIsReused) {
  const Record& r =
      parse(Source::kLoki, R"({"msg":"m","k":"v"})", "", "", 0, {{"job", "api"}, {"env", "prod"}});
  ASSERT_EQ(r.attributes.size(), 3u);
  EXPECT_EQ(r.attributes[0].key, "job");
  EXPECT_EQ(r.attributes[1].key, "env");
  EXPECT_EQ(r.attributes[2].key, "k");
  // The next line starts clean.
  const Record& next = parse(Source::kNative, "plain");
  EXPECT_TRUE(next.attributes.empty());
  EXPECT_EQ(next.service, "");
  EXPECT_EQ(next.traceId, "");
  EXPECT_EQ(next.level, Level::kUnknown);
}

TEST_F(LineParserTest, FluentBitRfc5424Capture) {
  std::vector<std::string> frames;
  SyslogFramer framer(64 * 1024);
  framer.feed(testing::readTestData("fluent_bit_syslog_rfc5424_tcp.bin"),
              [&](std::string_view f) { frames.emplace_back(f); });
  ASSERT_EQ(frames.size(), 22u);
  std::vector<Record> records;
  for (const std::string& frame : frames) {
    parse(Source::kSyslogTcp, frame);
    records.push_back(record_);
    EXPECT_EQ(record_.host, "fb-host");
    EXPECT_EQ(record_.service, "fluent-bit");
    EXPECT_EQ(attr(record_, "facility"), "local0");
    EXPECT_EQ(attr(record_, "procid"), "4242");
    EXPECT_EQ(attr(record_, "msgid"), "CAPTURE");
  }
  // Access lines.
  EXPECT_EQ(records[0].httpStatus, 200);
  EXPECT_EQ(attr(records[0], "path"), "/index.html");
  EXPECT_EQ(records[4].httpStatus, 500);
  // JSON lines: the body's level replaces the preset info severity; service stays APP-NAME.
  EXPECT_EQ(records[5].message, "order created");
  EXPECT_EQ(records[5].traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(attr(records[5], "service"), "checkout");
  EXPECT_EQ(records[6].level, Level::kError);
  EXPECT_EQ(attr(records[6], "error.code"), "E_DECLINED");
  EXPECT_EQ(records[7].level, Level::kWarn);
  EXPECT_EQ(attr(records[7], "tags"), R"(["warehouse-a","eu"])");
  EXPECT_EQ(records[8].level, Level::kDebug);
  EXPECT_EQ(records[9].message, "message with \"quotes\", a backslash \\ and a tab\there");
  // logfmt lines.
  EXPECT_EQ(records[10].message, "request handled");
  EXPECT_DOUBLE_EQ(records[10].latencyMs, 12.4);
  EXPECT_EQ(records[10].httpStatus, 200);
  EXPECT_EQ(records[11].level, Level::kError);
  EXPECT_EQ(attr(records[11], "err"), "dial tcp 10.0.0.9:5432: connect: connection refused");
  EXPECT_EQ(records[13].level, Level::kDebug);
  // Plain lines.
  EXPECT_EQ(records[15].level, Level::kError);  // "... ERROR [main] ..."
  EXPECT_EQ(records[18].level, Level::kInfo);
  EXPECT_EQ(records[19].message, "a plain line with trailing spaces and a <html> & ampersand   ");
  EXPECT_EQ(records[20].message, "");
  // The syslog header's time wins over the body's.
  EXPECT_EQ(records[5].timestampNs, at("2026-11-27T15:05:23.503056Z"));
}

TEST_F(LineParserTest, FluentBitRfc3164Capture) {
  std::vector<std::string> frames;
  SyslogFramer framer(64 * 1024);
  framer.feed(testing::readTestData("fluent_bit_syslog_rfc3164_tcp.bin"),
              [&](std::string_view f) { frames.emplace_back(f); });
  ASSERT_EQ(frames.size(), 22u);
  for (const std::string& frame : frames) {
    parse(Source::kSyslogTcp, frame);
    EXPECT_EQ(record_.host, "fb-host");
    EXPECT_EQ(record_.service, "fluent-bit");
    EXPECT_EQ(attr(record_, "procid"), "4242");
    EXPECT_EQ(yearOfNanos(record_.timestampNs), 2026);
  }
  parse(Source::kSyslogTcp, frames[6]);
  EXPECT_EQ(record_.message, "card declined");
  EXPECT_EQ(record_.level, Level::kError);
}

}  // namespace
}  // namespace pharos::logs
