#include "logs/log_index.h"

#include <gtest/gtest.h>

#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "logs/query_fts.h"
#include "logs/query_matcher.h"
#include "logs/query_parser.h"
#include "logs/shared_log_index.h"

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

// Every test runs on both indexes: the embedded one (SQLite), and the shared one when the
// run has a PostgreSQL server (the pg.logs.* pass; skipped otherwise: it needs tsvector).
enum class Kind { kEmbedded, kShared };
void PrintTo(Kind kind, std::ostream* os) {
  *os << (kind == Kind::kEmbedded ? "embedded" : "shared");
}

class IndexFixture : public ::testing::Test {
 protected:
  // A fresh index, or the same one again (a restart) when called twice; `node` names the
  // process on the shared index.
  std::unique_ptr<LogIndex> open(LogIndexOptions options = {}, const std::string& node = "a") {
    if (kind_ == Kind::kEmbedded) {
      auto index = LogIndex::open(dir_.file("index.db"), std::move(options));
      EXPECT_TRUE(index.ok()) << index.error().toString();
      return index.ok() ? std::move(*index) : nullptr;
    }
    if (!store_) {
      auto store = testing::openTestStore(dir_.file("store"));
      EXPECT_TRUE(store.ok()) << store.error().toString();
      if (!store.ok()) return nullptr;
      store_ = std::move(*store);
    }
    auto index = SharedLogIndex::open(*store_, node, std::move(options));
    EXPECT_TRUE(index.ok()) << index.error().toString();
    return index.ok() ? std::unique_ptr<LogIndex>(std::move(*index)) : nullptr;
  }
  void skipSharedWithoutPostgres() {
    if (kind_ == Kind::kShared && !testing::testsRunOnPostgres()) {
      GTEST_SKIP() << "the shared log index runs on PostgreSQL: see pg.logs.*";
    }
  }

  Kind kind_ = Kind::kEmbedded;
  TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

class LogIndexTest : public IndexFixture, public ::testing::WithParamInterface<Kind> {
 protected:
  void SetUp() override {
    kind_ = GetParam();
    skipSharedWithoutPostgres();
  }
};

class SharedLogIndexTest : public IndexFixture {
 protected:
  void SetUp() override {
    kind_ = Kind::kShared;
    skipSharedWithoutPostgres();
  }
};

INSTANTIATE_TEST_SUITE_P(Indexes, LogIndexTest, ::testing::Values(Kind::kEmbedded, Kind::kShared),
                         [](const auto& info) {
                           return std::string(info.param == Kind::kEmbedded ? "Embedded"
                                                                            : "Shared");
                         });

TEST_P(LogIndexTest, FindsARareTermNewestFirstAndPagesWithACursor) {
  auto index = open({.blockRecords = 16});
  ASSERT_TRUE(index);
  std::vector<Record> records;
  for (int i = 0; i < 1000; ++i) {
    records.push_back(
        line(kBase + i * 1'000'000, "api", "request served in " + std::to_string(i) + " ms"));
  }
  records[100].message = "disk almost full on sda1";
  records[700].message = "Disk failure imminent";
  ASSERT_TRUE(index->write(records, 4242).ok());
  EXPECT_EQ(*index->processedUpTo(), 4242u);

  SearchRequest req{
      .startNs = kBase, .endNs = kBase + kDay, .ftsExpression = "\"disk\"", .limit = 10};
  auto page = index->search(req, containsWord("disk"));
  ASSERT_TRUE(page.ok()) << page.error().toString();
  EXPECT_EQ(messages(*page),
            (std::vector<std::string>{"Disk failure imminent", "disk almost full on sda1"}));
  EXPECT_EQ(page->blocksRead, 2u);  // only the two blocks that hold the term

  // Pages of 300 over everything, newest first, with no line twice or missed.
  req.ftsExpression.clear();
  req.limit = 300;
  std::vector<std::string> seen;
  while (true) {
    auto p = index->search(req, all);
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

TEST_P(LogIndexTest, FieldTokensAndTimeRangeNarrowTheSearch) {
  auto index = open();
  ASSERT_TRUE(index);
  std::vector<Record> records = {line(kBase + 1, "api", "boom", Level::kError),
                                 line(kBase + 2, "web", "boom", Level::kInfo),
                                 line(kBase + 3 * kDay, "api", "boom later", Level::kError)};
  ASSERT_TRUE(index->write(records, 1).ok());
  auto page = index->search({.startNs = kBase,
                             .endNs = kBase + kDay,
                             .ftsExpression = "\"service_api\" AND \"level_error\""},
                            [](const Record& r) { return r.service == "api"; });
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(messages(*page), (std::vector<std::string>{"boom"}));
  EXPECT_EQ(page->records[0].service, "api");

  auto parts = index->partitions();
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->size(), 2u);
  auto dropped = index->dropPartitionsBefore(kBase + 2 * kDay);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, 1u);
  page = index->search({.startNs = 0, .endNs = kBase + 10 * kDay}, all);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(messages(*page), (std::vector<std::string>{"boom later"}));
}

TEST_P(LogIndexTest, KeepsStateAndCountsTemplatesAcrossReopen) {
  {
    auto index = open();
    ASSERT_TRUE(index);
    std::vector<Record> records = {line(kBase, "api", "a"), line(kBase + 5, "api", "b")};
    records[0].templateId = records[1].templateId = 7;
    ASSERT_TRUE(index->write(records, 10, "miner", std::string("\x01\x00state", 7)).ok());
  }
  auto index = open();
  ASSERT_TRUE(index);
  EXPECT_EQ(*index->processedUpTo(), 10u);
  auto state = index->state("miner");
  ASSERT_TRUE(state.ok()) << state.error().toString();
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ(**state, std::string("\x01\x00state", 7));
  auto counts = index->templateCounts(kBase, kBase + 10, "api");
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[0].templateId, 7u);
  EXPECT_EQ((*counts)[0].count, 2u);
  EXPECT_EQ((*counts)[0].lastSeenNs, kBase + 5);
}

// The index only narrows a search to blocks; it must never lose a line the matcher accepts.
// Each query's page equals a scan of every record with the matcher, newest first.
TEST_P(LogIndexTest, EveryQueryFindsWhatAFullScanFinds) {
  LogIndexOptions options{.blockRecords = 32, .indexedAttributes = {"pod"}};
  auto index = open(options);
  ASSERT_TRUE(index);
  const std::string longWord = "long" + std::string(2500, 'x') + "tail";
  const char* services[] = {"api", "db", "web-shop"};
  const char* shapes[] = {"connection reset by peer {}", "disk almost full on sda{}",
                          "user u{} logged in",          "slow query took {} ms",
                          "Grüße aus Köln {}",           "upstream timeout after {}s"};
  std::vector<Record> records;
  for (int i = 0; i < 2000; ++i) {
    std::string message = shapes[i % 6];
    message.replace(message.find("{}"), 2, std::to_string(i));
    Level level = static_cast<Level>(1 + i % 6);
    Record r = line(kBase + static_cast<std::int64_t>(i) * 997, services[i % 3], message, level);
    r.host = "web-" + std::to_string(i % 13);
    r.httpStatus = i % 7 == 0 ? 503 : 200;
    r.attributes.push_back({"pod", "pod-" + std::to_string(i % 11)});
    if (i == 1234) r.message = "refused " + longWord;
    records.push_back(std::move(r));
  }
  ASSERT_TRUE(index->write(records, 1).ok());

  const std::vector<std::string> queries = {"disk",
                                            "\"reset by peer\"",
                                            "service:api level:error",
                                            "level>=warn",
                                            "host:web-1*",
                                            "timeout OR refused",
                                            "service:db AND NOT slow",
                                            "pod:pod-7",
                                            "grüße",
                                            "köln 44*",
                                            "status:503 service:web-shop",
                                            "user*",
                                            longWord,
                                            "long" + std::string(2100, 'x') + "*",
                                            "nothing_matches_this"};
  for (const auto& text : queries) {
    SCOPED_TRACE(text.substr(0, 60));
    auto query = parseLogQuery(text);
    ASSERT_TRUE(query.ok()) << query.error().toString();
    QueryMatcher matcher(*query);
    std::vector<std::string> expected;
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      if (matcher.matches(*it) && expected.size() < 50) expected.push_back(it->message);
    }
    SearchRequest req{.startNs = kBase,
                      .endNs = kBase + kDay,
                      .ftsExpression = ftsExpression(*query, options.indexedAttributes),
                      .limit = 50};
    auto page = index->search(req, [&](const Record& r) { return matcher.matches(r); });
    ASSERT_TRUE(page.ok()) << page.error().toString();
    EXPECT_EQ(messages(*page), expected);
    // A term in few blocks reads few blocks.
    if (text == "nothing_matches_this") {
      EXPECT_EQ(page->blocksRead, 0u);
    }
  }
}

// Two logs processes write one shared index: a search finds the lines of both; each keeps its
// own processed position, miner state and template counts (their miners number alike).
TEST_F(SharedLogIndexTest, ProcessesSearchEachOthersLinesAndKeepTheirOwnState) {
  auto a = open({}, "node-a");
  auto b = open({}, "node-b");
  ASSERT_TRUE(a && b);
  std::vector<Record> fromA = {line(kBase + 10, "api", "payment declined for order 1")};
  std::vector<Record> fromB = {line(kBase + 20, "api", "payment declined for order 2"),
                               line(kBase + 30, "db", "checkpoint complete")};
  fromA[0].templateId = fromB[0].templateId = fromB[1].templateId = 1;
  ASSERT_TRUE(a->write(fromA, 100, "miner", "state of a").ok());
  ASSERT_TRUE(b->write(fromB, 7, "miner", "state of b").ok());

  for (auto* index : {a.get(), b.get()}) {
    auto page =
        index->search({.startNs = kBase, .endNs = kBase + kDay, .ftsExpression = "\"declined\""},
                      containsWord("declined"));
    ASSERT_TRUE(page.ok()) << page.error().toString();
    EXPECT_EQ(messages(*page), (std::vector<std::string>{"payment declined for order 2",
                                                         "payment declined for order 1"}));
  }
  EXPECT_EQ(*a->processedUpTo(), 100u);
  EXPECT_EQ(*b->processedUpTo(), 7u);
  EXPECT_EQ(**a->state("miner"), "state of a");
  EXPECT_EQ(**b->state("miner"), "state of b");

  auto counts = a->templateCounts(kBase, kBase + kDay, "api");
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 2u);  // template 1 of node-a and template 1 of node-b
  EXPECT_EQ((*counts)[0].node, "node-a");
  EXPECT_EQ((*counts)[1].node, "node-b");
  EXPECT_EQ((*counts)[0].count + (*counts)[1].count, 2u);

  auto parts = b->partitions();
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].records, 3);
  EXPECT_EQ((*parts)[0].minTimestampNs, kBase + 10);

  // A follower sees every block once, in id order.
  std::vector<std::string> followed;
  auto last = a->blocksAfter(0, 100, [&](const Record& r) { followed.push_back(r.message); });
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(followed.size(), 3u);
  EXPECT_EQ(*last, *a->lastBlockId());

  // Retention in b drops the day a still knows; a's next write makes it again.
  ASSERT_EQ(*b->dropPartitionsBefore(kBase + 2 * kDay), 1u);
  ASSERT_TRUE(a->write(fromA, 101).ok());
  auto page = b->search({.startNs = kBase, .endNs = kBase + kDay}, all);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(messages(*page), (std::vector<std::string>{"payment declined for order 1"}));
}

// A block whose token set is too large for a tsvector is kept without one, and every search
// reads it, so its lines are still found.
TEST_P(LogIndexTest, ABlockWithTooManyTokensIsStillFound) {
  auto index = open({.blockRecords = 64});
  ASSERT_TRUE(index);
  std::vector<Record> records;
  for (int i = 0; i < 64; ++i) {
    std::string message;
    for (int w = 0; w < 2000; ++w)
      message += "w" + std::to_string(i) + "x" + std::to_string(w) + " ";
    records.push_back(line(kBase + i, "api", std::move(message)));
  }
  records[40].message += "needle";
  ASSERT_TRUE(index->write(records, 1).ok());
  auto page =
      index->search({.startNs = kBase, .endNs = kBase + kDay, .ftsExpression = "\"needle\""},
                    containsWord("needle"));
  ASSERT_TRUE(page.ok()) << page.error().toString();
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].timestampNs, kBase + 40);
}

TEST(SearchCursorTest, RoundTripsAndRefusesGarbage) {
  SearchCursor c{123, 456, 7};
  auto back = SearchCursor::decode(c.encode());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->block, 456);
  EXPECT_FALSE(SearchCursor::decode("1.2").has_value());
  EXPECT_FALSE(SearchCursor::decode("x.2.3").has_value());
}

}  // namespace
}  // namespace pharos::logs
