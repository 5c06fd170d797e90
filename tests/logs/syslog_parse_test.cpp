#include "logs/syslog_parse.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
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

std::vector<std::string> framesOf(const std::string& stream) {
  std::vector<std::string> frames;
  SyslogFramer framer(64 * 1024);
  auto collect = [&](std::string_view f) { frames.emplace_back(f); };
  framer.feed(stream, collect);
  framer.finish(collect);
  return frames;
}

using Params = std::vector<std::tuple<std::string, std::string, std::string>>;

Params sdParams(std::string_view sd, bool* ok = nullptr) {
  Params params;
  std::string scratch;
  bool result = forEachSdParam(sd, scratch, [&](auto id, auto name, auto value) {
    params.emplace_back(std::string(id), std::string(name), std::string(value));
  });
  if (ok) *ok = result;
  return params;
}

TEST(SyslogParseTest, Rfc5424Full) {
  SyslogMessage m;
  ASSERT_TRUE(
      parseSyslog("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                  "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] \xEF\xBB\xBF"
                  "An application event",
                  0, m));
  EXPECT_EQ(m.facility, 20);
  EXPECT_EQ(m.severity, 5);
  EXPECT_EQ(m.timestampNs, at("2003-10-11T22:14:15.003Z"));
  EXPECT_EQ(m.hostname, "mymachine.example.com");
  EXPECT_EQ(m.appName, "evntslog");
  EXPECT_EQ(m.procId, "");
  EXPECT_EQ(m.msgId, "ID47");
  EXPECT_EQ(m.structuredData, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"]");
  EXPECT_EQ(m.message, "An application event");
}

TEST(SyslogParseTest, Rfc5424NilValuesOffsetsAndNoMessage) {
  SyslogMessage m;
  ASSERT_TRUE(parseSyslog("<34>1 2003-08-24T05:14:15.000003-07:00 - - - - -", 0, m));
  EXPECT_EQ(m.timestampNs, at("2003-08-24T12:14:15.000003Z"));
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.appName, "");
  EXPECT_EQ(m.structuredData, "");
  EXPECT_EQ(m.message, "");
  ASSERT_TRUE(parseSyslog("<34>1 - host app 12 - - msg", 0, m));
  EXPECT_EQ(m.timestampNs, 0);
  EXPECT_EQ(m.procId, "12");
  EXPECT_EQ(m.message, "msg");
}

TEST(SyslogParseTest, Rfc5424MultipleSdElementsWithEscapes) {
  SyslogMessage m;
  ASSERT_TRUE(parseSyslog(
      "<165>1 2003-10-11T22:14:15Z h a p m [a@1 x=\"1\"][b@2 q=\"say \\\"hi\\\" \\\\ \\] end\"] "
      "body [not sd]",
      0, m));
  EXPECT_EQ(m.message, "body [not sd]");
  bool ok = false;
  Params params = sdParams(m.structuredData, &ok);
  EXPECT_TRUE(ok);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0], std::make_tuple("a@1", "x", "1"));
  EXPECT_EQ(params[1], std::make_tuple("b@2", "q", "say \"hi\" \\ ] end"));
}

TEST(SyslogParseTest, SdParamEdgeCases) {
  bool ok = false;
  EXPECT_TRUE(sdParams("[empty@1]", &ok).empty());
  EXPECT_TRUE(ok);
  // A backslash before anything else stays.
  EXPECT_EQ(sdParams("[a k=\"c:\\dir\"]"), (Params{{"a", "k", "c:\\dir"}}));
  Params partial = sdParams("[a k=\"1\"][b k=unquoted]", &ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(partial.size(), 1u);
  sdParams("[a k=\"open", &ok);
  EXPECT_FALSE(ok);
}

TEST(SyslogParseTest, Rfc3164) {
  const std::int64_t received = at("2026-11-27T15:05:40Z");
  SyslogMessage m;
  ASSERT_TRUE(
      parseSyslog("<134>Nov 27 15:05:32 fb-host fluent-bit[4242]: hello world", received, m));
  EXPECT_EQ(m.facility, 16);
  EXPECT_EQ(m.severity, 6);
  EXPECT_EQ(m.timestampNs, at("2026-11-27T15:05:32Z"));
  EXPECT_EQ(m.hostname, "fb-host");
  EXPECT_EQ(m.appName, "fluent-bit");
  EXPECT_EQ(m.procId, "4242");
  EXPECT_EQ(m.message, "hello world");
}

TEST(SyslogParseTest, Rfc3164Variants) {
  const std::int64_t received = at("2026-03-05T10:00:00Z");
  SyslogMessage m;
  // Space-padded day, no HOST, TAG without PID.
  ASSERT_TRUE(parseSyslog("<13>Mar  5 09:59:58 kernel: [1.5] eth0 up", received, m));
  EXPECT_EQ(m.timestampNs, at("2026-03-05T09:59:58Z"));
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.appName, "kernel");
  EXPECT_EQ(m.message, "[1.5] eth0 up");
  // An RFC 3339 timestamp instead of "Mmm dd hh:mm:ss".
  ASSERT_TRUE(parseSyslog("<13>2026-03-05T09:00:00.25+01:00 web-1 nginx[7]: GET /", received, m));
  EXPECT_EQ(m.timestampNs, at("2026-03-05T08:00:00.25Z"));
  EXPECT_EQ(m.hostname, "web-1");
  EXPECT_EQ(m.appName, "nginx");
  EXPECT_EQ(m.procId, "7");
  EXPECT_EQ(m.message, "GET /");
  // No TAG: the rest is the message.
  ASSERT_TRUE(parseSyslog("<13>Mar  5 09:59:58 host just some words", received, m));
  EXPECT_EQ(m.hostname, "host");
  EXPECT_EQ(m.appName, "");
  EXPECT_EQ(m.message, "just some words");
  // No timestamp at all.
  ASSERT_TRUE(parseSyslog("<13>sshd[1]: Accepted", received, m));
  EXPECT_EQ(m.timestampNs, 0);
  EXPECT_EQ(m.appName, "sshd");
  EXPECT_EQ(m.message, "Accepted");
}

TEST(SyslogParseTest, Rfc3164YearRollover) {
  SyslogMessage m;
  // A Dec 31 line received on Jan 1 belongs to the year before.
  ASSERT_TRUE(parseSyslog("<13>Dec 31 23:59:59 h app: x", at("2027-01-01T00:00:02Z"), m));
  EXPECT_EQ(m.timestampNs, at("2026-12-31T23:59:59Z"));
  // Up to a day ahead (clock skew, zones) stays in the receive year.
  ASSERT_TRUE(parseSyslog("<13>Jan  1 20:00:00 h app: x", at("2027-01-01T00:00:02Z"), m));
  EXPECT_EQ(m.timestampNs, at("2027-01-01T20:00:00Z"));
  // Feb 29 received in a year without one: the last year that had one is not guessed; the
  // previous year is tried, and if that fails too the time is unread.
  ASSERT_TRUE(parseSyslog("<13>Feb 29 12:00:00 h app: x", at("2025-03-01T00:00:00Z"), m));
  EXPECT_EQ(m.timestampNs, at("2024-02-29T12:00:00Z"));
}

TEST(SyslogParseTest, MissingPriIsUserNotice) {
  SyslogMessage m;
  ASSERT_TRUE(parseSyslog("just a line\n", 0, m));
  EXPECT_EQ(m.facility, 1);
  EXPECT_EQ(m.severity, 5);
  EXPECT_EQ(m.message, "just a line");
}

TEST(SyslogParseTest, UnreadableFrames) {
  SyslogMessage m;
  EXPECT_FALSE(parseSyslog("", 0, m));
  EXPECT_FALSE(parseSyslog("<192>1 - - - - - -", 0, m));
  EXPECT_EQ(m.message, "<192>1 - - - - - -");
  EXPECT_EQ(m.facility, -1);
  EXPECT_FALSE(parseSyslog("<013>x", 0, m));
  EXPECT_FALSE(parseSyslog("<abc>x", 0, m));
  EXPECT_FALSE(parseSyslog("<1", 0, m));
  ASSERT_TRUE(parseSyslog("<0>1", 0, m));
  EXPECT_EQ(m.severity, 0);
  EXPECT_EQ(m.message, "");
}

TEST(SyslogParseTest, FluentBitRfc5424Capture) {
  std::vector<std::string> frames =
      framesOf(testing::readTestData("fluent_bit_syslog_rfc5424_tcp.bin"));
  ASSERT_EQ(frames.size(), 22u);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    SyslogMessage m;
    ASSERT_TRUE(parseSyslog(frames[i], 0, m)) << frames[i];
    EXPECT_EQ(m.facility, 16);
    EXPECT_EQ(m.severity, 6);
    EXPECT_EQ(m.hostname, "fb-host");
    EXPECT_EQ(m.appName, "fluent-bit");
    EXPECT_EQ(m.procId, "4242");
    EXPECT_EQ(m.msgId, "CAPTURE");
    EXPECT_EQ(m.structuredData, "");
    EXPECT_EQ(yearOfNanos(m.timestampNs), 2026);
    EXPECT_NE(m.message.substr(0, 3), "\xEF\xBB\xBF");
    if (i >= 20) {
      EXPECT_EQ(m.message, "");  // the dummy records had no `log` key
    }
  }
  SyslogMessage first;
  ASSERT_TRUE(parseSyslog(frames[0], 0, first));
  EXPECT_EQ(first.timestampNs, at("2026-11-27T15:05:23.503045Z"));
  EXPECT_EQ(first.message.substr(0, 26), "192.168.1.10 - - [27/Nov/2");
  SyslogMessage trailing;
  ASSERT_TRUE(parseSyslog(frames[19], 0, trailing));
  EXPECT_EQ(trailing.message, "a plain line with trailing spaces and a <html> & ampersand   ");
}

TEST(SyslogParseTest, FluentBitRfc3164Capture) {
  std::vector<std::string> frames =
      framesOf(testing::readTestData("fluent_bit_syslog_rfc3164_tcp.bin"));
  ASSERT_EQ(frames.size(), 22u);
  const std::int64_t received = at("2026-11-27T15:05:40Z");
  for (std::size_t i = 0; i < frames.size(); ++i) {
    SyslogMessage m;
    ASSERT_TRUE(parseSyslog(frames[i], received, m)) << frames[i];
    EXPECT_EQ(m.facility, 16);
    EXPECT_EQ(m.severity, 6);
    EXPECT_EQ(m.hostname, "fb-host");
    EXPECT_EQ(m.appName, "fluent-bit");
    EXPECT_EQ(m.procId, "4242");
    EXPECT_GE(m.timestampNs, at("2026-11-27T15:05:32Z"));
    EXPECT_LE(m.timestampNs, at("2026-11-27T15:05:34Z"));
    if (i >= 20) {
      EXPECT_EQ(m.message, "");
    }
  }
  SyslogMessage sshd;
  ASSERT_TRUE(parseSyslog(frames[16], received, sshd));
  EXPECT_EQ(sshd.message,
            "Nov 27 14:55:28 web-01 sshd[1234]: Accepted publickey for deploy from 10.0.0.8 port "
            "52144 ssh2");
}

TEST(SyslogParseTest, LoggerCapture) {
  // util-linux logger 2.38 --rfc5424/--rfc3164 --octet-count -T, captured once on loopback.
  std::vector<std::string> frames = framesOf(testing::readTestData("logger_octet_count_tcp.bin"));
  ASSERT_EQ(frames.size(), 3u);
  SyslogMessage m;
  ASSERT_TRUE(parseSyslog(frames[0], 0, m));
  EXPECT_EQ(m.facility, 19);
  EXPECT_EQ(m.severity, 3);
  EXPECT_EQ(m.appName, "myapp");
  EXPECT_EQ(m.msgId, "ORDER");
  EXPECT_EQ(m.message, "payment failed");
  EXPECT_EQ(sdParams(m.structuredData), (Params{{"timeQuality", "tzKnown", "1"},
                                                {"timeQuality", "isSynced", "0"},
                                                {"order@32473", "id", "42"},
                                                {"order@32473", "note", "say \"hi\" [x]"}}));
  ASSERT_TRUE(parseSyslog(frames[1], 0, m));
  EXPECT_EQ(m.message, "{\"msg\":\"json body\",\"level\":\"warn\",\"latency_ms\":12}");
  ASSERT_TRUE(parseSyslog(frames[2], at("2026-12-05T04:00:00Z"), m));
  EXPECT_EQ(m.facility, 3);
  EXPECT_EQ(m.severity, 4);
  EXPECT_EQ(m.timestampNs, at("2026-12-05T03:23:41Z"));
  EXPECT_EQ(m.hostname, "vm");
  EXPECT_EQ(m.appName, "legacy");
  EXPECT_EQ(m.message, "old style line");
}

TEST(SyslogParseTest, FacilityNames) {
  EXPECT_EQ(facilityName(0), "kern");
  EXPECT_EQ(facilityName(16), "local0");
  EXPECT_EQ(facilityName(23), "local7");
  EXPECT_EQ(facilityName(24), "");
  EXPECT_EQ(facilityName(-1), "");
}

}  // namespace
}  // namespace pharos::logs
