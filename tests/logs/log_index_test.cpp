#include "logs/log_index.h"

#include <gtest/gtest.h>

#include "fakes/temp_dir.h"

namespace pharos::logs {
namespace {

using testing::TempDir;
constexpr std::int64_t kDay = 86'400'000'000'000;
constexpr std::int64_t kBase = 1'764'892'800'000'000'000;  // 2025-12-05T00:00:00Z

Record line(std::int64_t ts, std::string service, std::string message, Level level = Level::kInfo) {
  Record r;
  r.timestampNs = r.receivedNs = ts;
  r.service = std::move(service);
  r.message = std::move(message);
  r.level = level;
  return r;
}

std::vector<std::string> messages(const SearchPage& page) {
  std::vector<std::string> out;
  for (const auto& r : page.records)
    out.push_back(r.message);
  return out;
}

auto all = [](const Record&) { return true; };

// What the query language's matcher would do for one word: the index only narrows blocks.
std::function<bool(const Record&)> containsWord(std::string word) {
  return [word](const Record& r) {
    std::string lower = r.message;
    for (auto& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.find(word) != std::string::npos;
  };
}

TEST(LogIndexTest, FindsARareTermNewestFirstAndPagesWithACursor) {
  TempDir dir;
  auto index = LogIndex::open(dir.file("index.db"), {.blockRecords = 16});
  ASSERT_TRUE(index.ok()) << index.error().toString();
  std::vector<Record> records;
  for (int i = 0; i < 1000; ++i) {
    records.push_back(
        line(kBase + i * 1'000'000, "api", "request served in " + std::to_string(i) + " ms"));
  }
  records[100].message = "disk almost full on sda1";
  records[700].message = "Disk failure imminent";
  ASSERT_TRUE((*index)->write(records, 4242).ok());
  EXPECT_EQ(*(*index)->processedUpTo(), 4242u);

  SearchRequest req{
      .startNs = kBase, .endNs = kBase + kDay, .ftsExpression = "\"disk\"", .limit = 10};
  auto page = (*index)->search(req, containsWord("disk"));
  ASSERT_TRUE(page.ok()) << page.error().toString();
  EXPECT_EQ(messages(*page),
            (std::vector<std::string>{"Disk failure imminent", "disk almost full on sda1"}));
  EXPECT_EQ(page->blocksRead, 2u);  // only the two blocks that hold the term

  // Pages of 300 over everything, newest first, with no line twice or missed.
  req.ftsExpression.clear();
  req.limit = 300;
  std::vector<std::string> seen;
  while (true) {
    auto p = (*index)->search(req, all);
    ASSERT_TRUE(p.ok());
    for (auto& m : messages(*p))
      seen.push_back(m);
    if (!p->next) break;
    req.after = p->next;
  }
  ASSERT_EQ(seen.size(), 1000u);
  EXPECT_EQ(seen.front(), "request served in 999 ms");
  EXPECT_EQ(seen.back(), "request served in 0 ms");
}

TEST(LogIndexTest, FieldTokensAndTimeRangeNarrowTheSearch) {
  TempDir dir;
  auto index = LogIndex::open(dir.file("index.db"), {});
  ASSERT_TRUE(index.ok());
  std::vector<Record> records = {line(kBase + 1, "api", "boom", Level::kError),
                                 line(kBase + 2, "web", "boom", Level::kInfo),
                                 line(kBase + 3 * kDay, "api", "boom later", Level::kError)};
  ASSERT_TRUE((*index)->write(records, 1).ok());
  auto page = (*index)->search({.startNs = kBase,
                                .endNs = kBase + kDay,
                                .ftsExpression = "\"service_api\" AND \"level_error\""},
                               [](const Record& r) { return r.service == "api"; });
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(messages(*page), (std::vector<std::string>{"boom"}));
  EXPECT_EQ(page->records[0].service, "api");

  auto parts = (*index)->partitions();
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->size(), 2u);
  auto dropped = (*index)->dropPartitionsBefore(kBase + 2 * kDay);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, 1u);
  page = (*index)->search({.startNs = 0, .endNs = kBase + 10 * kDay}, all);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(messages(*page), (std::vector<std::string>{"boom later"}));
}

TEST(LogIndexTest, KeepsStateAndCountsTemplatesAcrossReopen) {
  TempDir dir;
  {
    auto index = LogIndex::open(dir.file("index.db"), {});
    ASSERT_TRUE(index.ok());
    std::vector<Record> records = {line(kBase, "api", "a"), line(kBase + 5, "api", "b")};
    records[0].templateId = records[1].templateId = 7;
    ASSERT_TRUE((*index)->write(records, 10, "miner", std::string("\x01\x00state", 7)).ok());
  }
  auto index = LogIndex::open(dir.file("index.db"), {});
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(*(*index)->processedUpTo(), 10u);
  auto state = (*index)->state("miner");
  ASSERT_TRUE(state.ok()) << state.error().toString();
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ(**state, std::string("\x01\x00state", 7));
  auto counts = (*index)->templateCounts(kBase, kBase + 10, "api");
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[0].templateId, 7u);
  EXPECT_EQ((*counts)[0].count, 2u);
  EXPECT_EQ((*counts)[0].lastSeenNs, kBase + 5);
}

TEST(LogIndexTest, CursorRoundTripsAndRefusesGarbage) {
  SearchCursor c{123, 456, 7};
  auto back = SearchCursor::decode(c.encode());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->block, 456);
  EXPECT_FALSE(SearchCursor::decode("1.2").has_value());
  EXPECT_FALSE(SearchCursor::decode("x.2.3").has_value());
}

}  // namespace
}  // namespace pharos::logs
