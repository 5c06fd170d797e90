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
  Result<BulkResult> result;
  std::vector<Decoded> entries;
};

Run decode(std::string_view body, std::string_view index = "") {
  BatchEncoder encoder = newEncoder(Source::kElastic);
  auto result = decodeElasticBulk(body, index, 42, encoder, {});
  return {std::move(result), readBack(std::move(encoder))};
}

TEST(ElasticBulkDecoderTest, FluentBitDefaultFindsEverySampleLine) {
  auto run = decode(readData("fluent-bit/es/default/001.body.bin"));
  ASSERT_TRUE(run.result.ok()) << run.result.error().toString();
  auto lines = sampleLines();
  ASSERT_EQ(run.entries.size(), lines.size());
  ASSERT_EQ(run.result->items.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(run.entries[i].message, lines[i]) << i;
    EXPECT_EQ(run.entries[i].attr("index"), "fluent-bit");
    EXPECT_EQ(run.result->items[i].action, "create");
    EXPECT_EQ(run.result->items[i].status, 201);
    EXPECT_EQ(run.result->items[i].id.size(), 20u);
  }
  EXPECT_EQ(run.entries[0].timestampNs, 1795791825279000000);
  EXPECT_NE(run.result->items[0].id, run.result->items[1].id);
  auto dummy = decode(readData("fluent-bit/es/default/002.body.bin"));
  ASSERT_TRUE(dummy.result.ok());
  ASSERT_EQ(dummy.entries.size(), 1u);
  EXPECT_EQ(dummy.entries[0].message, "dummy structured event");
  EXPECT_EQ(dummy.entries[0].level, "warn");
  EXPECT_EQ(dummy.entries[0].attr("nested.b"), "[1,2.5,\"x\"]");
  EXPECT_EQ(dummy.entries[0].attr("utf8"), "na\xC3\xAFve \xE2\x98\x83 \xE6\x97\xA5\xE6\x9C\xAC");
}

TEST(ElasticBulkDecoderTest, FluentBitLogstashFormatKeepsIdsAndTag) {
  auto run = decode(readData("fluent-bit/es/gzip-logstash/001.body.decompressed.bin"));
  ASSERT_TRUE(run.result.ok());
  auto lines = sampleLines();
  ASSERT_EQ(run.entries.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(run.entries[i].message, lines[i]);
    EXPECT_EQ(run.entries[i].attr("fluent_tag"), "app.log");
    EXPECT_EQ(run.entries[i].attr("index"), "logs-2026.11.27");
  }
  EXPECT_EQ(run.result->items[0].id, "311b75d8-13cd-9c66-ddaf-3b3c08468b1d");
}

TEST(ElasticBulkDecoderTest, FilebeatShapeAndResponse) {
  const std::string body =
      R"({"index":{}})"
      "\n"
      R"({"@timestamp":"2026-11-27T14:55:21.123Z","message":"hello","log":{"level":"error","file":{"path":"/var/log/a"}},"service":{"name":"web"}})"
      "\n"
      R"({"update":{"_id":"1","_index":"x"}})"
      "\n"
      R"({"doc":{"a":1}})"
      "\n"
      R"({"delete":{"_id":"2"}})"
      "\n"
      R"({"create":{"_index":"other"}})"
      "\n"
      R"(not json)"
      "\n";
  auto run = decode(body, "filebeat-8");
  ASSERT_TRUE(run.result.ok()) << run.result.error().toString();
  ASSERT_EQ(run.entries.size(), 1u);
  const Decoded& d = run.entries[0];
  EXPECT_EQ(d.message, "hello");
  EXPECT_EQ(d.level, "error");
  EXPECT_EQ(d.service, "web");
  EXPECT_EQ(d.timestampNs, 1795791321123000000);
  EXPECT_EQ(d.attr("log.file.path"), "/var/log/a");
  EXPECT_EQ(d.attr("index"), "filebeat-8");
  ASSERT_EQ(run.result->items.size(), 4u);
  EXPECT_EQ(run.result->summary.accepted, 1u);
  EXPECT_EQ(run.result->summary.rejected, 3u);
  EXPECT_EQ(run.result->items[1].status, 400);
  EXPECT_EQ(run.result->items[2].action, "delete");
  EXPECT_EQ(run.result->items[3].errorType, "mapper_parsing_exception");

  std::string response = elasticBulkResponse(*run.result, 3);
  EXPECT_EQ(response.rfind(
                R"({"took":3,"errors":true,"items":[{"index":{"_index":"filebeat-8","_id":")", 0),
            0u)
      << response;
  EXPECT_NE(
      response.find(
          R"("_version":1,"result":"created","_shards":{"total":1,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}})"),
      std::string::npos);
  EXPECT_NE(
      response.find(
          R"({"update":{"_index":"x","_id":"1","status":400,"error":{"type":"illegal_argument_exception")"),
      std::string::npos);
  EXPECT_NE(response.find(R"("status":400,"error":{"type":"mapper_parsing_exception")"),
            std::string::npos);
}

TEST(ElasticBulkDecoderTest, AllGoodResponseHasNoErrors) {
  auto run = decode("{\"create\":{\"_index\":\"i\",\"_id\":\"a\"}}\n{\"log\":\"x\"}\n");
  ASSERT_TRUE(run.result.ok());
  EXPECT_EQ(elasticBulkResponse(*run.result, 1),
            R"({"took":1,"errors":false,"items":[{"create":{"_index":"i","_id":"a","_version":1,)"
            R"("result":"created","_shards":{"total":1,"successful":1,"failed":0},"_seq_no":0,)"
            R"("_primary_term":1,"status":201}}]})");
}

TEST(ElasticBulkDecoderTest, MissingIndexFailsTheItem) {
  auto run = decode("{\"create\":{}}\n{\"log\":\"x\"}\n");
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.result->items.size(), 1u);
  EXPECT_EQ(run.result->items[0].status, 400);
  EXPECT_EQ(run.entries.size(), 0u);
}

TEST(ElasticBulkDecoderTest, MalformedActionLinesRefuseTheBody) {
  EXPECT_FALSE(decode("garbage\n{}\n", "i").result.ok());
  EXPECT_FALSE(decode("[1]\n{}\n", "i").result.ok());
  EXPECT_FALSE(decode("{\"upsert\":{}}\n{}\n", "i").result.ok());
  EXPECT_FALSE(decode("{\"create\":{},\"index\":{}}\n{}\n", "i").result.ok());
  EXPECT_FALSE(decode("{\"create\":1}\n{}\n", "i").result.ok());
  auto noSource = decode("{\"create\":{}}\n", "i");
  ASSERT_FALSE(noSource.result.ok());
  EXPECT_NE(noSource.result.error().message.find("line 1"), std::string::npos);
  auto empty = decode("", "i");
  ASSERT_TRUE(empty.result.ok());
  EXPECT_TRUE(empty.result->items.empty());
}

TEST(ElasticBulkDecoderTest, InfoResponse) {
  std::string info = elasticInfoResponse();
  EXPECT_NE(info.find(R"("number":"8.11.0")"), std::string::npos);
  EXPECT_NE(info.find(R"("tagline":"You Know, for Search")"), std::string::npos);
}

}  // namespace
}  // namespace pharos::logs
