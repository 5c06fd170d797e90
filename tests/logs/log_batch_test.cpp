#include "logs/log_batch.h"

#include <gtest/gtest.h>

namespace pharos::logs {
namespace {

std::vector<std::string> readMessages(const std::string& bytes) {
  auto reader = BatchReader::open(bytes);
  EXPECT_TRUE(reader.ok());
  std::vector<std::string> out;
  EntryView e;
  while (true) {
    auto more = reader->next(e);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    out.emplace_back(e.message);
  }
  return out;
}

TEST(LogBatchTest, RoundTripsEveryField) {
  BatchEncoder enc(Source::kLoki, 1'700'000'000'000'000'000, 1024);
  AttributeView attrs[] = {{"pod", "web-1"}, {"region", "eu"}};
  enc.add({.timestampNs = 42,
           .service = "api",
           .level = "WARN",
           .message = "hello",
           .attributes = attrs});
  enc.add({.timestampNs = -5, .service = "", .level = "", .message = "", .attributes = {}});
  EXPECT_EQ(enc.count(), 2u);
  auto bytes = std::move(enc).finish();

  auto reader = BatchReader::open(bytes);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->source(), Source::kLoki);
  EXPECT_EQ(reader->receivedAtNs(), 1'700'000'000'000'000'000);
  EntryView e;
  ASSERT_TRUE(*reader->next(e));
  EXPECT_EQ(e.timestampNs, 42);
  EXPECT_EQ(e.service, "api");
  EXPECT_EQ(e.level, "WARN");
  EXPECT_EQ(e.message, "hello");
  ASSERT_EQ(e.attributes.size(), 2u);
  EXPECT_EQ(e.attributes[1].key, "region");
  EXPECT_EQ(e.attributes[1].value, "eu");
  ASSERT_TRUE(*reader->next(e));
  EXPECT_EQ(e.timestampNs, -5);
  EXPECT_TRUE(e.message.empty());
  EXPECT_FALSE(*reader->next(e));
}

TEST(LogBatchTest, ReplacesInvalidUtf8AndNulAndCounts) {
  BatchEncoder enc(Source::kNative, 0, 1024);
  enc.add({.message = std::string_view("a\0b\xff\xc3\xa9", 6)});
  EXPECT_EQ(enc.sanitised().nulBytes, 1u);
  EXPECT_EQ(enc.sanitised().invalidUtf8, 1u);
  auto messages = readMessages(std::move(enc).finish());
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0],
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xc3\xa9");
}

TEST(LogBatchTest, CutsLongLinesOnACharacterBoundary) {
  BatchEncoder enc(Source::kNative, 0, 5);
  enc.add({.message = "abcd\xc3\xa9xyz"});  // the é straddles the limit
  EXPECT_EQ(enc.sanitised().truncated, 1u);
  auto messages = readMessages(std::move(enc).finish());
  EXPECT_EQ(messages[0], "abcd");
}

TEST(LogBatchTest, RefusesCorruptBytes) {
  EXPECT_FALSE(BatchReader::open("").ok());
  EXPECT_FALSE(BatchReader::open(std::string("\x02\x01\x00", 3)).ok());
  BatchEncoder enc(Source::kNative, 0, 1024);
  enc.add({.message = "hello world"});
  auto bytes = std::move(enc).finish();
  bytes.resize(bytes.size() - 3);
  auto reader = BatchReader::open(bytes);
  ASSERT_TRUE(reader.ok());
  EntryView e;
  EXPECT_FALSE(reader->next(e).ok());
}

}  // namespace
}  // namespace pharos::logs
