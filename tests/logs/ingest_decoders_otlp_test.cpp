#include <string>

#include "decoder_test_support.h"
#include "logs/ingest_decoders.h"

namespace pharos::logs {
namespace {

using testing::Decoded;
using testing::newEncoder;
using testing::Pb;
using testing::readBack;
using testing::readData;
using testing::sampleLines;

struct Run {
  Result<DecodeResult> result;
  std::vector<Decoded> entries;
};

Run decodePb(std::string_view body) {
  BatchEncoder encoder = newEncoder(Source::kOtlp);
  auto result = decodeOtlpProtobuf(body, encoder, {});
  return {std::move(result), readBack(std::move(encoder))};
}

Run decodeJson(std::string_view body) {
  BatchEncoder encoder = newEncoder(Source::kOtlp);
  auto result = decodeOtlpJson(body, encoder, {});
  return {std::move(result), readBack(std::move(encoder))};
}

TEST(OtlpDecoderTest, FluentBitProtobufTailFindsEverySampleLine) {
  auto run = decodePb(readData("fluent-bit/opentelemetry/protobuf/001.body.bin"));
  ASSERT_TRUE(run.result.ok()) << run.result.error().toString();
  auto lines = sampleLines();
  ASSERT_EQ(run.entries.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(run.entries[i].message, lines[i]) << i;
    EXPECT_TRUE(run.entries[i].attributes.empty());
    EXPECT_EQ(run.entries[i].level, "");
  }
  // time_unix_nano: 1795791860490574733 in the decoded-otlp text.
  EXPECT_EQ(run.entries[0].timestampNs, 1795791860490574733);
  EXPECT_EQ(run.entries[1].timestampNs, 1795791860490591673);
}

TEST(OtlpDecoderTest, FluentBitDefaultDummyKeepsOnlyTheBody) {
  auto run = decodePb(readData("fluent-bit/opentelemetry/protobuf/002.body.bin"));
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.entries.size(), 1u);
  EXPECT_EQ(run.entries[0].message, "dummy structured event");
}

TEST(OtlpDecoderTest, FluentBitBodyKeyAttributesAreTyped) {
  auto run =
      decodePb(readData("fluent-bit/opentelemetry/protobuf-body_key_attributes/002.body.bin"));
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.entries.size(), 1u);
  const Decoded& d = run.entries[0];
  EXPECT_EQ(d.timestampNs, 1795791870264577316);
  EXPECT_EQ(d.message, "dummy structured event");
  EXPECT_EQ(d.attr("level"), "warn");
  EXPECT_EQ(d.attr("status"), "503");
  EXPECT_EQ(d.attr("latency"), "0.25");
  EXPECT_EQ(d.attr("ok"), "false");
  EXPECT_EQ(d.attr("nothing"), "null");
  EXPECT_EQ(d.attr("nested"), R"({"a":1,"b":[1,2.5,"x"]})");
  EXPECT_EQ(d.attr("utf8"), "na\xC3\xAFve \xE2\x98\x83 \xE6\x97\xA5\xE6\x9C\xAC");
}

TEST(OtlpDecoderTest, FluentBitKvlistBodySeverityAndIds) {
  auto run = decodePb(readData("fluent-bit/opentelemetry/protobuf-defaults-3-inputs/003.body.bin"));
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.entries.size(), 1u);
  const Decoded& d = run.entries[0];
  EXPECT_EQ(d.timestampNs, 1795792013264732593);
  EXPECT_EQ(d.level, "ERROR");
  EXPECT_EQ(
      d.message,
      R"({"event":"no log/message key here","SeverityText":"ERROR","SeverityNumber":17,)"
      R"("TraceId":"4bf92f3577b34da6a3ce929d0e0e4736","SpanId":"00f067aa0ba902b7","count":7})");
  EXPECT_EQ(d.attr("trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(d.attr("span_id"), "00f067aa0ba902b7");
}

Pb keyValue(std::string_view key, const Pb& value) {
  return Pb().s(1, key).m(2, value);
}
Pb stringValue(std::string_view s) {
  return Pb().s(1, s);
}

TEST(OtlpDecoderTest, ProtobufResourceScopeAndSeverityNumber) {
  Pb resource = Pb().m(1, keyValue("service.name", stringValue("checkout")))
                    .m(1, keyValue("host.name", stringValue("web-1")));
  Pb scope = Pb().s(1, "io.lib").s(2, "1.0").m(3, keyValue("scope.attr", Pb().u(3, 5)));
  Pb record = Pb().f64(11, 1700000000000000000)  // observed only
                  .u(2, 14)                      // WARN2
                  .m(5, stringValue("disk almost full"))
                  .m(6, keyValue("bytes", Pb().s(7, "\x01\x02\x03")))
                  .m(6, keyValue("neg", Pb().u(3, static_cast<std::uint64_t>(-5))))
                  .s(9, std::string("\x4b\xf9", 2));
  // Resource after scope_logs on the wire: attributes still come resource first.
  Pb request = Pb().m(1, Pb().m(2, Pb().m(2, record).m(1, scope)).m(1, resource));
  auto run = decodePb(request.out);
  ASSERT_TRUE(run.result.ok()) << run.result.error().toString();
  ASSERT_EQ(run.entries.size(), 1u);
  const Decoded& d = run.entries[0];
  EXPECT_EQ(d.service, "checkout");
  EXPECT_EQ(d.level, "warn");
  EXPECT_EQ(d.timestampNs, 1700000000000000000);
  EXPECT_EQ(d.message, "disk almost full");
  std::vector<std::pair<std::string, std::string>> expected = {{"service.name", "checkout"},
                                                               {"host.name", "web-1"},
                                                               {"otel.scope.name", "io.lib"},
                                                               {"otel.scope.version", "1.0"},
                                                               {"scope.attr", "5"},
                                                               {"bytes", "\"AQID\""},
                                                               {"neg", "-5"},
                                                               {"trace_id", "4bf9"}};
  EXPECT_EQ(d.attributes, expected);
}

TEST(OtlpDecoderTest, JsonPerSpec) {
  const char* body = R"({"resourceLogs":[{"resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"my.service"}},
      {"key":"host.name","value":{"stringValue":"h1"}}]},
    "scopeLogs":[{"scope":{"name":"my.library","version":"1.0.0",
        "attributes":[{"key":"my.scope.attribute","value":{"stringValue":"some scope attribute"}}]},
      "logRecords":[{"timeUnixNano":"1544712660300000000","observedTimeUnixNano":"1544712660300000001",
        "severityNumber":10,"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
        "body":{"stringValue":"Example log record"},
        "attributes":[{"key":"string.attribute","value":{"stringValue":"some string"}},
          {"key":"boolean.attribute","value":{"boolValue":true}},
          {"key":"int.attribute","value":{"intValue":"10"}},
          {"key":"double.attribute","value":{"doubleValue":637.704}},
          {"key":"array.attribute","value":{"arrayValue":{"values":[{"stringValue":"many"},{"intValue":2}]}}},
          {"key":"map.attribute","value":{"kvlistValue":{"values":[{"key":"some.map.key","value":{"stringValue":"some value"}}]}}}]},
        {"observedTimeUnixNano":1544712660300000001,"severityText":"Information",
         "body":{"kvlistValue":{"values":[{"key":"k","value":{"doubleValue":1.5}}]}}}]}]}]})";
  auto run = decodeJson(body);
  ASSERT_TRUE(run.result.ok()) << run.result.error().toString();
  ASSERT_EQ(run.entries.size(), 2u);
  const Decoded& d = run.entries[0];
  EXPECT_EQ(d.service, "my.service");
  EXPECT_EQ(d.level, "info");
  EXPECT_EQ(d.timestampNs, 1544712660300000000);
  EXPECT_EQ(d.message, "Example log record");
  EXPECT_EQ(d.attr("host.name"), "h1");
  EXPECT_EQ(d.attr("otel.scope.name"), "my.library");
  EXPECT_EQ(d.attr("my.scope.attribute"), "some scope attribute");
  EXPECT_EQ(d.attr("boolean.attribute"), "true");
  EXPECT_EQ(d.attr("int.attribute"), "10");
  EXPECT_EQ(d.attr("double.attribute"), "637.704");
  EXPECT_EQ(d.attr("array.attribute"), R"(["many",2])");
  EXPECT_EQ(d.attr("map.attribute"), R"({"some.map.key":"some value"})");
  EXPECT_EQ(d.attr("trace_id"), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(d.attr("span_id"), "eee19b7ec3c1b174");
  EXPECT_EQ(run.entries[1].timestampNs, 1544712660300000001);
  EXPECT_EQ(run.entries[1].level, "Information");
  EXPECT_EQ(run.entries[1].message, R"({"k":1.5})");
}

TEST(OtlpDecoderTest, EmptyRequestsAreFine) {
  auto pb = decodePb("");
  ASSERT_TRUE(pb.result.ok());
  EXPECT_EQ(pb.result->accepted, 0u);
  auto json = decodeJson("{}");
  ASSERT_TRUE(json.result.ok());
  EXPECT_EQ(json.result->accepted, 0u);
}

TEST(OtlpDecoderTest, MalformedProtobufIsRefused) {
  const std::string good = readData("fluent-bit/opentelemetry/protobuf/002.body.bin");
  for (std::size_t cut = 1; cut < good.size(); ++cut) {
    auto run = decodePb(good.substr(0, cut));
    // A cut exactly between records can still be valid; the rest must fail cleanly.
    if (!run.result.ok()) {
      EXPECT_EQ(run.result.error().code, ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(decodePb(good.substr(0, good.size() - 1)).result.ok());
  // resource_logs as a varint: wrong wire type.
  auto wrongType = decodePb(Pb().u(1, 5).out);
  ASSERT_FALSE(wrongType.result.ok());
  EXPECT_NE(wrongType.result.error().message.find("wire type 0, expected 2"), std::string::npos)
      << wrongType.result.error().message;
  // A length past the end.
  auto pastEnd = decodePb(std::string("\x0a\x10\x12\x01", 4));
  ASSERT_FALSE(pastEnd.result.ok());
  EXPECT_NE(pastEnd.result.error().message.find("claims 16 bytes"), std::string::npos);
  // A group (wire type 3) and field number 0.
  EXPECT_FALSE(decodePb(std::string("\x0b", 1)).result.ok());
  EXPECT_FALSE(decodePb(std::string("\x02\x00", 2)).result.ok());
  // time_unix_nano as a string.
  Pb badTime = Pb().m(1, Pb().m(2, Pb().m(2, Pb().s(1, "x"))));
  EXPECT_FALSE(decodePb(badTime.out).result.ok());
}

TEST(OtlpDecoderTest, NestingBombIsRefused) {
  Pb value = stringValue("leaf");
  for (int i = 0; i < 200; ++i)
    value = Pb().m(5, Pb().m(1, value));  // arrays of arrays
  Pb request = Pb().m(1, Pb().m(2, Pb().m(2, Pb().m(5, value))));
  auto run = decodePb(request.out);
  ASSERT_FALSE(run.result.ok());
  EXPECT_NE(run.result.error().message.find("nested deeper"), std::string::npos);

  std::string json = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":)";
  for (int i = 0; i < 100; ++i)
    json += R"({"arrayValue":{"values":[)";
  json += R"({"intValue":1})";
  for (int i = 0; i < 100; ++i)
    json += "]}}";
  json += "}]}]}]}";
  auto jsonRun = decodeJson(json);
  ASSERT_FALSE(jsonRun.result.ok());
  EXPECT_NE(jsonRun.result.error().message.find("deeper"), std::string::npos);
}

TEST(OtlpDecoderTest, MalformedJsonIsRefused) {
  EXPECT_FALSE(decodeJson("{").result.ok());
  EXPECT_FALSE(decodeJson("[]").result.ok());
  EXPECT_FALSE(decodeJson(R"({"resourceLogs":{}})").result.ok());
  EXPECT_FALSE(
      decodeJson(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"abc"}]}]}]})")
          .result.ok());
  EXPECT_FALSE(decodeJson(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"zz"}]}]}]})")
                   .result.ok());
  auto run = decodeJson(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[1]}]}]})");
  ASSERT_FALSE(run.result.ok());
  EXPECT_NE(run.result.error().message.find("resourceLogs[0]"), std::string::npos);
}

TEST(OtlpDecoderTest, TooManyRecords) {
  Pb records;
  for (int i = 0; i < 3; ++i)
    records.m(2, Pb().m(5, stringValue("x")));
  Pb request = Pb().m(1, Pb().m(2, records));
  DecodeLimits limits;
  limits.maxEntries = 2;
  BatchEncoder encoder = newEncoder(Source::kOtlp);
  EXPECT_FALSE(decodeOtlpProtobuf(request.out, encoder, limits).ok());
}

}  // namespace
}  // namespace pharos::logs
