#include <string>

#include "decoder_test_support.h"
#include "logs/ingest_decoders.h"

namespace pharos::logs {
namespace {

using testing::Decoded;
using testing::newEncoder;
using testing::readBack;
using testing::readData;
using testing::sampleLines;

struct Run {
  Result<DecodeResult> result;
  std::vector<Decoded> entries;
  SanitiseCounts sanitised;
};

Run decode(std::string_view body, DecodeLimits limits = {}) {
  BatchEncoder encoder = newEncoder(Source::kNative);
  auto result = decodeNative(body, encoder, limits);
  SanitiseCounts sanitised = encoder.sanitised();
  return {std::move(result), readBack(std::move(encoder)), sanitised};
}

TEST(NativeDecoderTest, FluentBitJsonLinesTailFindsEverySampleLine) {
  auto run = decode(readData("fluent-bit/http/json_lines/001.body.bin"));
  ASSERT_TRUE(run.result.ok()) << run.result.error().toString();
  EXPECT_EQ(run.result->accepted, 20u);
  EXPECT_EQ(run.result->rejected, 0u);
  auto lines = sampleLines();
  ASSERT_EQ(run.entries.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(run.entries[i].message, lines[i]) << i;
    EXPECT_TRUE(run.entries[i].attributes.empty()) << i;  // date and log both consumed
    EXPECT_GT(run.entries[i].timestampNs, 1795791896000000000) << i;
  }
  // "date":"2026-11-27T15:04:56.495461Z", microseconds kept.
  EXPECT_EQ(run.entries[0].timestampNs, 1795791896495461000);
  EXPECT_EQ(run.entries[0].service, "");
  EXPECT_EQ(run.entries[0].level, "");
}

TEST(NativeDecoderTest, FluentBitGzipBodyDecompressedIsTheSame) {
  auto run = decode(readData("fluent-bit/http/json_lines-gzip/001.body.decompressed.bin"));
  ASSERT_TRUE(run.result.ok());
  auto lines = sampleLines();
  ASSERT_EQ(run.entries.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(run.entries[i].message, lines[i]);
}

TEST(NativeDecoderTest, FluentBitDummyRecordKeepsEveryField) {
  auto run = decode(readData("fluent-bit/http/json_lines/002.body.bin"));
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.entries.size(), 1u);
  const Decoded& d = run.entries[0];
  EXPECT_EQ(d.message, "dummy structured event");
  EXPECT_EQ(d.level, "warn");
  EXPECT_GT(d.timestampNs, 0);
  EXPECT_EQ(d.attr("status"), "503");
  EXPECT_EQ(d.attr("latency"), "0.25");
  EXPECT_EQ(d.attr("ok"), "false");
  EXPECT_EQ(d.attr("nothing"), "null");
  EXPECT_EQ(d.attr("nested.a"), "1");
  EXPECT_EQ(d.attr("nested.b"), "[1,2.5,\"x\"]");
  EXPECT_EQ(d.attr("utf8"), "na\xC3\xAFve \xE2\x98\x83 \xE6\x97\xA5\xE6\x9C\xAC");
  EXPECT_EQ(d.attr("date"), "<absent>");
  EXPECT_EQ(d.attr("message"), "<absent>");
}

TEST(NativeDecoderTest, FluentBitJsonArrayWithFloatSeconds) {
  auto run = decode(readData("fluent-bit/http/json/001.body.bin"));
  ASSERT_TRUE(run.result.ok()) << run.result.error().toString();
  auto lines = sampleLines();
  ASSERT_EQ(run.entries.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(run.entries[i].message, lines[i]);
  // "date":1795791914.499802 -> exact microseconds, no float error.
  EXPECT_EQ(run.entries[0].timestampNs, 1795791914499802000);
  auto dummy = decode(readData("fluent-bit/http/json/002.body.bin"));
  ASSERT_TRUE(dummy.result.ok());
  ASSERT_EQ(dummy.entries.size(), 1u);
  EXPECT_EQ(dummy.entries[0].level, "warn");
  EXPECT_EQ(dummy.entries[0].attr("nested.b"), "[1,2.5,\"x\"]");
}

TEST(NativeDecoderTest, AliasesAndPriorities) {
  auto run = decode(
      R"({"ts":"2026-11-27T14:55:21.123Z","lvl":"info","app":"checkout","msg":"order created","order_id":42})"
      "\n"
      R"({"@timestamp":"2026-11-27T14:55:21.123+01:00","severity":"ERROR","service":"a","app":"b","message":"m","msg":"other"})"
      "\n"
      R"({"time":1795791321,"log":"x","service":{"name":"svc","version":"1.2"},"log.level":"warn"})"
      "\n"
      R"({"timestamp":"not a time","message":"kept","level":30})"
      "\n");
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.entries.size(), 4u);
  EXPECT_EQ(run.entries[0].timestampNs, 1795791321123000000);
  EXPECT_EQ(run.entries[0].level, "info");
  EXPECT_EQ(run.entries[0].service, "checkout");
  EXPECT_EQ(run.entries[0].message, "order created");
  EXPECT_EQ(run.entries[0].attr("order_id"), "42");

  EXPECT_EQ(run.entries[1].timestampNs, 1795791321123000000 - 3600'000000000);
  EXPECT_EQ(run.entries[1].level, "ERROR");
  EXPECT_EQ(run.entries[1].service, "a");
  EXPECT_EQ(run.entries[1].message, "m");
  EXPECT_EQ(run.entries[1].attr("msg"), "other");  // the loser stays an attribute
  EXPECT_EQ(run.entries[1].attr("app"), "b");

  EXPECT_EQ(run.entries[2].timestampNs, 1795791321000000000);
  EXPECT_EQ(run.entries[2].service, "svc");
  EXPECT_EQ(run.entries[2].attr("service.version"), "1.2");
  EXPECT_EQ(run.entries[2].level, "warn");

  EXPECT_EQ(run.entries[3].timestampNs, 0);
  EXPECT_EQ(run.entries[3].attr("timestamp"), "not a time");
  EXPECT_EQ(run.entries[3].level, "30");
}

TEST(NativeDecoderTest, EpochMagnitudes) {
  auto run = decode(
      "{\"timestamp\":1795791321.5}\n{\"timestamp\":1795791321123}\n"
      "{\"timestamp\":1795791321123456}\n{\"timestamp\":1795791321123456789}\n"
      "{\"timestamp\":\"1795791321123\"}\n{\"timestamp\":1.795791321e9}\n");
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.entries.size(), 6u);
  EXPECT_EQ(run.entries[0].timestampNs, 1795791321500000000);
  EXPECT_EQ(run.entries[1].timestampNs, 1795791321123000000);
  EXPECT_EQ(run.entries[2].timestampNs, 1795791321123456000);
  EXPECT_EQ(run.entries[3].timestampNs, 1795791321123456789);
  EXPECT_EQ(run.entries[4].timestampNs, 1795791321123000000);
  EXPECT_EQ(run.entries[5].timestampNs, 1795791321000000000);
}

TEST(NativeDecoderTest, CrlfBlankLinesAndNoFinalNewline) {
  auto run = decode("\r\n{\"message\":\"a\"}\r\n\r\n   \n{\"message\":\"b\"}");
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.entries.size(), 2u);
  EXPECT_EQ(run.entries[1].message, "b");
}

TEST(NativeDecoderTest, BadLinesAreRejectedWithTheirLineNumber) {
  auto run =
      decode("{\"message\":\"ok\"}\n{\"message\": oops}\n[1,2]\n\"text\"\n{\"message\":\"ok2\"}\n");
  ASSERT_TRUE(run.result.ok());
  EXPECT_EQ(run.result->accepted, 2u);
  EXPECT_EQ(run.result->rejected, 3u);
  ASSERT_EQ(run.result->errors.size(), 3u);
  EXPECT_EQ(run.result->errors[0].rfind("line 2: invalid JSON", 0), 0u) << run.result->errors[0];
  EXPECT_EQ(run.result->errors[1], "line 3: expected a JSON object, found an array");
  EXPECT_EQ(run.result->errors[2], "line 4: expected a JSON object, found a string");
}

TEST(NativeDecoderTest, NothingUsableIsAnError) {
  auto run = decode("not json at all\n");
  ASSERT_FALSE(run.result.ok());
  EXPECT_EQ(run.result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(run.result.error().message.find("line 1"), std::string::npos);
  EXPECT_FALSE(decode("[1,2,3]").result.ok());
  EXPECT_FALSE(decode("[{\"message\":\"x\"}").result.ok());
  auto empty = decode("  \n\n");
  ASSERT_TRUE(empty.result.ok());
  EXPECT_EQ(empty.result->accepted, 0u);
}

TEST(NativeDecoderTest, TooManyEntriesRefusesTheBody) {
  DecodeLimits limits;
  limits.maxEntries = 2;
  auto run = decode("{}\n{}\n{}\n", limits);
  ASSERT_FALSE(run.result.ok());
  EXPECT_NE(run.result.error().message.find("more than 2"), std::string::npos);
  EXPECT_FALSE(decode("[{},{},{}]", limits).result.ok());
}

TEST(NativeDecoderTest, HugeLineNulAndInvalidUtf8AreSanitisedAndCounted) {
  std::string big(1 << 20, 'x');
  auto run = decode("{\"message\":\"" + big + "\"}\n");
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.entries.size(), 1u);
  EXPECT_EQ(run.entries[0].message.size(), big.size());

  std::string nul = std::string("{\"message\":\"a\\u0000b\",\"raw\":\"x") + '\xff' + "y\"}\n";
  auto bad = decode(nul);
  // simdjson validates UTF-8, so the raw 0xFF line is refused...
  ASSERT_FALSE(bad.result.ok());
  // ...while an escaped NUL gets through to the encoder, which replaces and counts it.
  auto escaped = decode("{\"message\":\"a\\u0000b\"}\n");
  ASSERT_TRUE(escaped.result.ok());
  ASSERT_EQ(escaped.entries.size(), 1u);
  EXPECT_EQ(escaped.entries[0].message,
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(escaped.sanitised.nulBytes, 1u);
}

TEST(NativeDecoderTest, DeepNestingIsBounded) {
  std::string deep;
  for (int i = 0; i < 100; ++i)
    deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 100; ++i)
    deep += "}";
  auto run = decode(deep);
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.entries.size(), 1u);
  ASSERT_EQ(run.entries[0].attributes.size(), 1u);
  // Past 16 levels the rest is kept as JSON text.
  EXPECT_EQ(run.entries[0].attributes[0].second.front(), '{');
  std::string bomb(100000, '[');
  EXPECT_FALSE(decode(bomb).result.ok());
}

}  // namespace
}  // namespace pharos::logs
