#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/rule_engine.h"
#include "alarms/rule_spec.h"
#include "fakes/manual_clock.h"
#include "fakes/memory_queryable.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"

namespace pharos::alarms::testing {

// A rule from a JSON body, which must parse.
inline RuleSpec rule(std::string_view json) {
  ParsedRule parsed = parseRuleJson(nlohmann::json::parse(json));
  if (auto* problems = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
    ADD_FAILURE() << json << ": " << (problems->empty() ? "" : problems->front().message);
    return {};
  }
  return std::get<RuleSpec>(std::move(parsed));
}

inline Labels metric(std::string name, std::initializer_list<Label> labels) {
  return Labels(labels).with(Labels::kMetricName, name);
}

// A rule engine over an in-memory queryable (or any other) and a real SQLite store in a temp
// dir; restart() closes and reopens both engine and store, as a process restart would.
class EngineFixture : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(open()); }

  void open() {
    auto store = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(store.ok()) << store.error().toString();
    store_ = std::move(store).value();
    auto engine = RuleEngine::open(
        *store_, queryable(), clock_, [this](const Alert& a) { sent_.push_back(a); }, options_);
    ASSERT_TRUE(engine.ok()) << engine.error().toString();
    engine_ = std::move(engine).value();
  }
  void restart() {
    engine_.reset();
    store_.reset();
    ASSERT_NO_FATAL_FAILURE(open());
  }

  virtual promql::Queryable& queryable() { return memory_; }

  void setRules(std::vector<RuleSpec> rules) {
    Status s = engine_->setRules(std::move(rules));
    ASSERT_TRUE(s.ok()) << s.error().toString();
  }
  // Moves the clock by `by` and evaluates every due rule.
  void step(Millis by = Millis(30'000)) {
    clock_.advance(by);
    evaluateNow();
  }
  void evaluateNow() {
    Status s = engine_->evaluate(clock_.now());
    ASSERT_TRUE(s.ok()) << s.error().toString();
  }
  // The alerts sent since the last call.
  std::vector<Alert> takeSent() { return std::exchange(sent_, {}); }
  std::int64_t nowMs() const { return toUnixMillis(clock_.now()); }

  std::vector<TransitionRecord> history(HistoryQuery q = {}) {
    q.limit = 1000;
    auto page = engine_->history(q);
    EXPECT_TRUE(page.ok()) << page.error().toString();
    return page.ok() ? page->items : std::vector<TransitionRecord>{};
  }

  pharos::testing::ManualClock clock_;
  pharos::testing::TempDir dir_;
  fakes::MemoryQueryable memory_;
  RuleEngineOptions options_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<RuleEngine> engine_;
  std::vector<Alert> sent_;
};

}  // namespace pharos::alarms::testing
