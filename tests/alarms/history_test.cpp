#include "alarms/history.h"

#include <gtest/gtest.h>

#include "alarms/rule_schema.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "health/maintenance.h"

namespace pharos::alarms {
namespace {

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->migrate(ruleMigrations()).ok());
    // 60 transitions, one a second: rules A and B alternate, hosts h0..h2, states cycle.
    const AlertState states[] = {AlertState::kPending, AlertState::kFiring, AlertState::kResolved,
                                 AlertState::kOk};
    Status s = store_->transaction([&](store::Session& session) -> Status {
      for (int i = 0; i < 60; ++i) {
        Labels labels{{"alertname", i % 2 == 0 ? "A" : "B"}, {"host", "h" + std::to_string(i % 3)}};
        TransitionRecord r{{},
                           std::string(labels.get("alertname")),
                           fingerprintOf(labels),
                           labels,
                           AlertState::kOk,
                           states[i % 4],
                           at(i),
                           i * 1.5};
        PHAROS_TRY(recordTransition(session, r));
      }
      return okStatus();
    });
    ASSERT_TRUE(s.ok()) << s.error().toString();
  }

  static WallTime at(int i) { return fromUnixMillis(1'700'000'000'000 + i * 1'000LL); }

  // Every item of every page.
  std::vector<TransitionRecord> all(HistoryQuery q, std::size_t* pages = nullptr) {
    std::vector<TransitionRecord> out;
    std::size_t n = 0;
    for (;;) {
      auto page = queryHistory(*store_, q);
      EXPECT_TRUE(page.ok()) << page.error().toString();
      if (!page.ok()) return out;
      ++n;
      out.insert(out.end(), page->items.begin(), page->items.end());
      if (page->nextCursor.empty() || n > 100) break;
      q.cursor = page->nextCursor;
    }
    if (pages) *pages = n;
    return out;
  }

  pharos::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(HistoryTest, PagesNewestFirstWithACursor) {
  HistoryQuery q;
  q.limit = 7;
  std::size_t pages = 0;
  auto items = all(q, &pages);
  ASSERT_EQ(items.size(), 60u);
  EXPECT_EQ(pages, 9u);  // 8 full pages and 4 left
  for (std::size_t i = 1; i < items.size(); ++i) {
    EXPECT_GT(items[i - 1].at, items[i].at);
  }
  EXPECT_EQ(items.front().at, at(59));
  EXPECT_EQ(items.front().value, 59 * 1.5);
  // Exactly one page: no cursor.
  q.limit = 60;
  auto page = queryHistory(*store_, q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 60u);
  EXPECT_EQ(page->nextCursor, "");
}

TEST_F(HistoryTest, FiltersByRuleStateLabelsAndTime) {
  HistoryQuery q;
  q.limit = 4;
  q.rule = "A";
  EXPECT_EQ(all(q).size(), 30u);
  q.state = AlertState::kFiring;  // i % 4 == 1: odd, so never A
  EXPECT_EQ(all(q).size(), 0u);
  q.rule.clear();
  EXPECT_EQ(all(q).size(), 15u);
  q.state.reset();
  auto matchers = health::parseLabelMatchers(R"({host="h1", alertname="B"})");
  ASSERT_TRUE(matchers.ok());
  q.matchers = *matchers;  // i % 3 == 1 and odd: i % 6 == 1
  auto items = all(q);
  EXPECT_EQ(items.size(), 10u);
  for (const auto& r : items) {
    EXPECT_EQ(r.labels.get("host"), "h1");
    EXPECT_EQ(r.rule, "B");
  }
  q.matchers.clear();
  q.from = at(10);
  q.to = at(20);
  items = all(q);
  ASSERT_EQ(items.size(), 10u);
  EXPECT_EQ(items.front().at, at(19));
  EXPECT_EQ(items.back().at, at(10));
}

TEST_F(HistoryTest, ReadsTheQueryParameters) {
  auto q = historyQueryFromParams({{"rule", "A"},
                                   {"state", "firing"},
                                   {"match", R"({host="h1"})"},
                                   {"from", "1700000000"},
                                   {"to", "2023-11-14T22:13:30Z"},
                                   {"limit", "5"},
                                   {"cursor", "01ABC"}});
  ASSERT_TRUE(q.ok()) << q.error().toString();
  EXPECT_EQ(q->rule, "A");
  EXPECT_EQ(q->state, AlertState::kFiring);
  EXPECT_EQ(q->matchers.size(), 1u);
  EXPECT_EQ(q->from, fromUnixMillis(1'700'000'000'000));
  EXPECT_EQ(q->to, fromUnixMillis(1'700'000'010'000));
  EXPECT_EQ(q->limit, 5u);
  EXPECT_EQ(q->cursor, "01ABC");
  for (auto bad : std::vector<std::pair<std::string, std::string>>{{"state", "burning"},
                                                                   {"limit", "0"},
                                                                   {"limit", "x"},
                                                                   {"match", "{host="},
                                                                   {"from", "yesterday"},
                                                                   {"colour", "red"}}) {
    auto r = historyQueryFromParams({bad});
    ASSERT_FALSE(r.ok()) << bad.first;
    EXPECT_NE(r.error().message.find(bad.first), std::string::npos) << r.error().message;
  }
}

TEST_F(HistoryTest, ShowsAPageAsJson) {
  HistoryQuery q;
  q.limit = 2;
  auto page = queryHistory(*store_, q);
  ASSERT_TRUE(page.ok());
  nlohmann::json j = toJson(*page);
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["rule"], "B");
  EXPECT_EQ(j["data"][0]["to"], "ok");
  EXPECT_EQ(j["data"][0]["labels"]["host"], "h2");
  EXPECT_EQ(j["next_cursor"], page->nextCursor);
}

}  // namespace
}  // namespace pharos::alarms
