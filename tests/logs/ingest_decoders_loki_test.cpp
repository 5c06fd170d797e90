#include <snappy.h>

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

Run decodeJson(std::string_view body) {
  BatchEncoder encoder = newEncoder(Source::kLoki);
  auto result = decodeLokiJson(body, encoder, {});
  return {std::move(result), readBack(std::move(encoder))};
}

Run decodePb(std::string_view body, DecodeLimits limits = {}) {
  BatchEncoder encoder = newEncoder(Source::kLoki);
  auto result = decodeLokiProtobuf(body, encoder, limits);
  return {std::move(result), readBack(std::move(encoder))};
}

std::string compress(const std::string& raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

TEST(LokiDecoderTest, FluentBitJsonLineFormatFindsEverySampleLine) {
  auto run = decodeJson(readData("fluent-bit/loki/json/001.body.bin"));
  ASSERT_TRUE(run.result.ok()) << run.result.error().toString();
  auto lines = sampleLines();
  ASSERT_EQ(run.entries.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Decoded& d = run.entries[i];
    // line_format json: the line is the record as JSON text, {"log":"<sample line>"}.
    EXPECT_EQ(d.message.rfind("{\"log\":\"", 0), 0u) << d.message;
    EXPECT_EQ(d.service, "fluent-bit");  // from the job label
    EXPECT_EQ(d.attr("job"), "fluent-bit");
    EXPECT_EQ(d.attr("env"), "dev");
    EXPECT_EQ(d.attr("tag"), "app.log");
  }
  EXPECT_EQ(run.entries[0].timestampNs, 1795791842497701218);
  EXPECT_NE(run.entries[0].message.find("GET /index.html"), std::string::npos);
  auto dummy = decodeJson(readData("fluent-bit/loki/json/002.body.bin"));
  ASSERT_TRUE(dummy.result.ok());
  ASSERT_EQ(dummy.entries.size(), 1u);
  EXPECT_EQ(dummy.entries[0].attr("tag"), "app.dummy");
  EXPECT_NE(dummy.entries[0].message.find("dummy structured event"), std::string::npos);
}

TEST(LokiDecoderTest, FluentBitKeyValueWithStructuredMetadataAndLevelLabel) {
  auto run = decodeJson(readData("fluent-bit/loki/gzip-key_value/001.body.decompressed.bin"));
  ASSERT_TRUE(run.result.ok());
  auto lines = sampleLines();
  ASSERT_EQ(run.entries.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(run.entries[i].message, "log=\"" + lines[i] + "\"") << i;
    EXPECT_EQ(run.entries[i].attr("service"), "capture-test");
    // Name order first: "service" (metadata) beats "job" (label).
    EXPECT_EQ(run.entries[i].service, "capture-test");
  }
  auto dummy = decodeJson(readData("fluent-bit/loki/gzip-key_value/002.body.decompressed.bin"));
  ASSERT_TRUE(dummy.result.ok());
  ASSERT_EQ(dummy.entries.size(), 1u);
  EXPECT_EQ(dummy.entries[0].level, "warn");
  EXPECT_EQ(dummy.entries[0].timestampNs, 1795791852264657065);
}

// logproto.PushRequest, encoded from the .proto by hand.
Pb entry(std::int64_t seconds, std::int32_t nanos, std::string_view line) {
  return Pb()
      .m(1, Pb().u(1, static_cast<std::uint64_t>(seconds)).u(2, static_cast<std::uint64_t>(nanos)))
      .s(2, line);
}

TEST(LokiDecoderTest, ProtobufPushRequest) {
  Pb stream1 = Pb().s(1, R"({job="api", level="warn", path="C:\\dir", q="say \"hi\"\n"})")
                   .m(2, entry(1700000000, 123, "first"))
                   .m(2, entry(1700000001, 0, "second")
                             .m(3, Pb().s(1, "trace_id").s(2, "abc"))
                             .m(3, Pb().s(1, "detected_level").s(2, "error")));
  Pb stream2 = Pb().m(2, entry(5, 6, "labels after entries")).s(1, "{service_name=\"svc\",}");
  std::string raw = Pb().m(1, stream1).m(1, stream2).out;
  auto run = decodePb(compress(raw));
  ASSERT_TRUE(run.result.ok()) << run.result.error().toString();
  ASSERT_EQ(run.entries.size(), 3u);
  const Decoded& a = run.entries[0];
  EXPECT_EQ(a.timestampNs, 1700000000000000123);
  EXPECT_EQ(a.message, "first");
  EXPECT_EQ(a.service, "api");
  EXPECT_EQ(a.level, "warn");
  std::vector<std::pair<std::string, std::string>> labels = {
      {"job", "api"}, {"level", "warn"}, {"path", "C:\\dir"}, {"q", "say \"hi\"\n"}};
  EXPECT_EQ(a.attributes, labels);
  const Decoded& b = run.entries[1];
  EXPECT_EQ(b.attr("trace_id"), "abc");
  EXPECT_EQ(b.level, "warn");  // the level label beats detected_level metadata
  EXPECT_EQ(b.attributes.size(), 6u);
  EXPECT_EQ(run.entries[2].service, "svc");
  EXPECT_EQ(run.entries[2].timestampNs, 5000000006);
}

TEST(LokiDecoderTest, ProtobufInvalidUtf8IsReplacedAndCounted) {
  std::string raw =
      Pb().m(1, Pb().s(1, "{}").m(2, entry(1, 0, std::string("bad \xff\xfe byte\0", 12)))).out;
  BatchEncoder encoder = newEncoder(Source::kLoki);
  auto result = decodeLokiProtobuf(compress(raw), encoder, {});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(encoder.sanitised().invalidUtf8, 2u);
  EXPECT_EQ(encoder.sanitised().nulBytes, 1u);
  auto entries = readBack(std::move(encoder));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].message, "bad \xEF\xBF\xBD\xEF\xBF\xBD byte\xEF\xBF\xBD");
}

TEST(LokiDecoderTest, ProtobufRefusals) {
  // Not snappy / corrupt snappy.
  EXPECT_FALSE(decodePb("").result.ok());
  EXPECT_FALSE(decodePb(std::string("\x05\x00\x00", 3)).result.ok());
  // A declared length past the limit is refused before allocating.
  std::string huge;
  Pb::varint(huge, 1ULL << 31);
  huge += "garbage";
  auto big = decodePb(huge);
  ASSERT_FALSE(big.result.ok());
  EXPECT_NE(big.result.error().message.find("more than the limit"), std::string::npos);
  DecodeLimits small;
  small.maxDecompressedBytes = 10;
  EXPECT_FALSE(decodePb(compress(std::string(100, 'a')), small).result.ok());
  // Bad labels, missing labels, missing timestamp, nanos out of range.
  for (const char* labels : {"job=\"x\"", "{job=x}", "{job=\"x\"", "{1job=\"x\"}", "{job=\"\\q\"}",
                             "{job=\"x\"} tail"}) {
    auto run = decodePb(compress(Pb().m(1, Pb().s(1, labels).m(2, entry(1, 0, "l"))).out));
    EXPECT_FALSE(run.result.ok()) << labels;
  }
  EXPECT_FALSE(decodePb(compress(Pb().m(1, Pb().m(2, entry(1, 0, "l"))).out)).result.ok());
  EXPECT_FALSE(
      decodePb(compress(Pb().m(1, Pb().s(1, "{}").m(2, Pb().s(2, "no ts"))).out)).result.ok());
  EXPECT_FALSE(
      decodePb(compress(Pb().m(1, Pb().s(1, "{}").m(2, entry(1, -1, "l"))).out)).result.ok());
  // Truncated protobuf inside valid snappy.
  std::string raw = Pb().m(1, Pb().s(1, "{a=\"b\"}").m(2, entry(1, 0, "line"))).out;
  for (std::size_t cut = 1; cut < raw.size(); ++cut) {
    EXPECT_FALSE(decodePb(compress(raw.substr(0, cut))).result.ok()) << cut;
  }
  // Wrong wire type for streams.
  EXPECT_FALSE(decodePb(compress(Pb().u(1, 1).out)).result.ok());
}

TEST(LokiDecoderTest, LabelsCopiedIntoEveryEntryCannotExpandWithoutBound) {
  Pb stream = Pb().s(1, "{big=\"" + std::string(100000, 'x') + "\"}");
  for (int i = 0; i < 1000; ++i)
    stream.m(2, entry(1, 0, "l"));
  DecodeLimits limits;
  limits.maxBatchBytes = 10 << 20;  // 1000 x 100 kB would be 100 MB
  auto run = decodePb(compress(Pb().m(1, stream).out), limits);
  ASSERT_FALSE(run.result.ok());
  EXPECT_NE(run.result.error().message.find("expands to more than"), std::string::npos);
}

TEST(LokiDecoderTest, JsonRefusalsNameTheirPlace) {
  EXPECT_FALSE(decodeJson("").result.ok());
  EXPECT_FALSE(decodeJson("{\"streams\":{}}").result.ok());
  EXPECT_FALSE(decodeJson("[]").result.ok());
  auto noValues = decodeJson(R"({"streams":[{"stream":{"a":"b"}}]})");
  ASSERT_FALSE(noValues.result.ok());
  EXPECT_NE(noValues.result.error().message.find("streams[0]"), std::string::npos);
  auto badTs = decodeJson(R"({"streams":[{"stream":{},"values":[["1","ok"],["12x","l"]]}]})");
  ASSERT_FALSE(badTs.result.ok());
  EXPECT_NE(badTs.result.error().message.find("values[1]"), std::string::npos);
  EXPECT_FALSE(decodeJson(R"({"streams":[{"stream":{"a":1},"values":[]}]})").result.ok());
  EXPECT_FALSE(decodeJson(R"({"streams":[{"stream":{},"values":[["1"]]}]})").result.ok());
  EXPECT_FALSE(
      decodeJson(R"({"streams":[{"stream":{},"values":[["1","l",{"k":2}]]}]})").result.ok());
  auto ok = decodeJson(R"({"streams":[]})");
  ASSERT_TRUE(ok.result.ok());
  EXPECT_EQ(ok.result->accepted, 0u);
}

}  // namespace
}  // namespace pharos::logs
