#include "alarms/rule_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "alarms_test_util.h"

namespace pharos::alarms {
namespace {

using testing::EngineFixture;
using testing::metric;
using testing::rule;

constexpr std::int64_t kStep = 30'000;

class RuleEngineTest : public EngineFixture {
 protected:
  // One sample per 30 s step from now on.
  void series(Labels labels, std::vector<double> values) {
    std::vector<Sample> samples;
    for (std::size_t i = 0; i < values.size(); ++i)
      samples.push_back({nowMs() + static_cast<std::int64_t>(i) * kStep, values[i]});
    memory_.add(std::move(labels), std::move(samples));
  }
};

TEST_F(RuleEngineTest, ThresholdFiresResendsAndResolvesWithClearHysteresis) {
  // 95 fires; 85 is below the threshold but above clear, so it keeps firing; 79 resolves.
  series(metric("cpu", {{"host", "a"}}), {95, 85, 79, 79});
  setRules({rule(R"({"name":"HighCpu","kind":"threshold","expr":"cpu","op":">","value":90,
                     "clear":80,"interval":"30s","labels":{"team":"infra"},
                     "annotations":{"summary":"{{ $labels.host }} at {{ $value }}"}})")});
  evaluateNow();
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kFiring);
  EXPECT_EQ(sent[0].labels.str(),
            R"({alertname="HighCpu",host="a",severity="warning",team="infra"})");
  EXPECT_EQ(sent[0].annotations.get("summary"), "a at 95");
  const WallTime startsAt = sent[0].startsAt;
  EXPECT_EQ(startsAt, clock_.now());

  step();  // 85: still firing, sent again with the same startsAt
  sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kFiring);
  EXPECT_EQ(sent[0].startsAt, startsAt);
  EXPECT_EQ(sent[0].annotations.get("summary"), "a at 85");

  step();  // 79: past clear
  sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kResolved);
  ASSERT_TRUE(sent[0].endsAt);
  EXPECT_EQ(*sent[0].endsAt, clock_.now());

  step();  // clean again: RESOLVED -> OK, nothing sent
  EXPECT_TRUE(takeSent().empty());
  EXPECT_TRUE(engine_->activeAlerts().empty());

  auto h = history();
  ASSERT_EQ(h.size(), 3u);  // newest first
  EXPECT_EQ(h[2].from, AlertState::kOk);
  EXPECT_EQ(h[2].to, AlertState::kFiring);
  EXPECT_EQ(h[2].value, 95);
  EXPECT_EQ(h[1].to, AlertState::kResolved);
  EXPECT_EQ(h[1].value, 79);
  EXPECT_EQ(h[0].to, AlertState::kOk);
}

TEST_F(RuleEngineTest, WithoutClearAValueBelowTheThresholdResolves) {
  series(metric("cpu", {{"host", "a"}}), {95, 85});
  setRules({rule(R"({"name":"HighCpu","kind":"threshold","expr":"cpu","op":">","value":90})")});
  evaluateNow();
  step();
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].state, AlertState::kResolved);
}

TEST_F(RuleEngineTest, EachSeriesIsAnInstanceAndForHoldsItPending) {
  series(metric("disk_free", {{"host", "a"}}), {5, 5, 5, 5});
  series(metric("disk_free", {{"host", "b"}}), {50, 5, 5, 5});
  setRules({rule(R"({"name":"DiskLow","kind":"threshold","expr":"disk_free","op":"<",
                     "value":10,"for":"1m","severity":"page"})")});
  evaluateNow();  // a pending
  EXPECT_TRUE(takeSent().empty());
  auto active = engine_->activeAlerts();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].state, AlertState::kPending);
  step();  // a pending (30s), b pending
  EXPECT_TRUE(takeSent().empty());
  step();  // a firing (60s), b pending (30s)
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].labels.get("host"), "a");
  EXPECT_EQ(sent[0].labels.get("severity"), "page");
  step();  // a firing again, b fires
  sent = takeSent();
  ASSERT_EQ(sent.size(), 2u);
  auto statuses = engine_->ruleStatuses();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].firing, 2u);
  EXPECT_EQ(statuses[0].lastError, "");
}

TEST_F(RuleEngineTest, RulesRunAtTheirInterval) {
  series(metric("x", {}), {1, 1, 1, 1, 1, 1});
  setRules({rule(R"({"name":"X","kind":"threshold","expr":"x","op":">","value":0,
                     "interval":"1m"})")});
  evaluateNow();
  EXPECT_EQ(takeSent().size(), 1u);
  step();  // 30s: not due
  EXPECT_TRUE(takeSent().empty());
  step();  // 60s: due
  EXPECT_EQ(takeSent().size(), 1u);
  ASSERT_TRUE(engine_->nextDue());
  EXPECT_EQ(*engine_->nextDue(), clock_.now() + Millis(60'000));
}

TEST_F(RuleEngineTest, AQueryErrorKeepsTheStateAndIsReported) {
  series(metric("x", {}), {1});
  RuleSpec r = rule(R"({"name":"X","kind":"threshold","expr":"x","op":">","value":0})");
  options_.eval.maxSamples = 0;  // every query over budget
  ASSERT_NO_FATAL_FAILURE(restart());
  setRules({r});
  evaluateNow();
  EXPECT_TRUE(takeSent().empty());
  auto statuses = engine_->ruleStatuses();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_NE(statuses[0].lastError, "");
}

TEST_F(RuleEngineTest, AbsenceFiresWhenTheExpressionReturnsNothingForItsDuration) {
  setRules({rule(R"({"name":"ApiGone","kind":"absence","expr":"up{job=\"api\"}","for":"1m",
                     "labels":{"service":"api"}})")});
  evaluateNow();  // pending
  step();         // pending
  EXPECT_TRUE(takeSent().empty());
  step();  // a minute: firing
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].labels.str(), R"({alertname="ApiGone",service="api",severity="warning"})");
  series(metric("up", {{"job", "api"}}), {1, 1});
  step();
  sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kResolved);
}

TEST_F(RuleEngineTest, SloBurnFiresWhileAPairOfItsSeverityBreaches) {
  std::vector<BurnPair> pairs{{"page", false, 2, 3, Millis(3'600'000), Millis(300'000)},
                              {"ticket", true, 1.5, 2, Millis(86'400'000), Millis(7'200'000)}};
  options_.burns = [&](std::string_view slo) -> std::optional<std::vector<BurnPair>> {
    if (slo != "api-availability") return std::nullopt;
    return pairs;
  };
  ASSERT_NO_FATAL_FAILURE(restart());
  setRules({rule(R"({"name":"ApiBurn","kind":"slo_burn","slo":"api-availability",
                     "severity":"page","annotations":{"summary":"burning {{ $value }}x"}})"),
            rule(R"({"name":"Missing","kind":"slo_burn","slo":"nope","severity":"page"})")});
  evaluateNow();
  EXPECT_TRUE(takeSent().empty());  // only the ticket pair breaches
  pairs[0] = {"page", true, 14.4, 15, Millis(3'600'000), Millis(300'000)};
  step();
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].labels.str(),
            R"({alertname="ApiBurn",severity="page",slo="api-availability"})");
  EXPECT_EQ(sent[0].annotations.get("summary"), "burning 14.4x");
  pairs[0].breaching = false;
  step();
  sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kResolved);
  for (const RuleStatus& s : engine_->ruleStatuses()) {
    if (s.rule->name == "Missing") {
      EXPECT_NE(s.lastError.find("no such SLO"), std::string::npos);
    }
  }
}

CheckTransitionEvent checkEvent(std::string check, WallTime at, std::string to,
                                bool maintenance = false) {
  return CheckTransitionEvent{check,
                              at,
                              to == "down" ? "up" : "down",
                              to,
                              to == "down" ? "connection refused" : "",
                              maintenance,
                              Labels{{"check", check}, {"type", "http"}, {"team", "db"}}};
}

TEST_F(RuleEngineTest, ACheckGoingDownReachesTheSinkAtOnce) {
  setRules({rule(R"({"name":"CheckDown","kind":"check","checks":"{team=\"db\"}",
                     "severity":"page","annotations":{"summary":"{{ $labels.check }} is down"}})")});
  evaluateNow();
  ASSERT_TRUE(engine_->onCheckTransition(checkEvent("pg", clock_.now(), "down")).ok());
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kFiring);
  EXPECT_EQ(sent[0].labels.str(),
            R"({alertname="CheckDown",check="pg",severity="page",team="db",type="http"})");
  EXPECT_EQ(sent[0].annotations.get("summary"), "pg is down");
  // Rounds re-send it while it stays down (the engine remembers the event's state).
  step();
  EXPECT_EQ(takeSent().size(), 1u);
  ASSERT_TRUE(engine_->onCheckTransition(checkEvent("pg", clock_.now(), "up")).ok());
  sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kResolved);
  // Another team's check is not this rule's.
  ASSERT_TRUE(
      engine_
          ->onCheckTransition(CheckTransitionEvent{"web", clock_.now(), "up", "down", "", false,
                                                   Labels{{"check", "web"}, {"team", "web"}}})
          .ok());
  EXPECT_TRUE(takeSent().empty());
}

TEST_F(RuleEngineTest, ACheckInMaintenanceDoesNotFireUntilTheWindowEnds) {
  std::vector<CheckStateView> states;
  options_.checkStates = [&] { return states; };
  ASSERT_NO_FATAL_FAILURE(restart());
  setRules({rule(R"({"name":"CheckDown","kind":"check","check":"pg"})")});
  ASSERT_TRUE(engine_->onCheckTransition(checkEvent("pg", clock_.now(), "down", true)).ok());
  EXPECT_TRUE(takeSent().empty());
  states = {CheckStateView{"pg", Labels{{"check", "pg"}}, true, true, "refused", clock_.now()}};
  step();
  EXPECT_TRUE(takeSent().empty());
  // The window ends while the check stays down: no event, but the next round sees it.
  states[0].maintenance = false;
  step();
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kFiring);
}

TEST_F(RuleEngineTest, ReconcilesFromTheCurrentCheckStatesAtStart) {
  options_.checkStates = [&] {
    return std::vector<CheckStateView>{
        CheckStateView{"pg", Labels{{"check", "pg"}}, true, false, "refused", clock_.now()},
        CheckStateView{"web", Labels{{"check", "web"}}, false, false, "", clock_.now()}};
  };
  ASSERT_NO_FATAL_FAILURE(restart());
  setRules({rule(R"({"name":"AnyDown","kind":"check","checks":"{check=~\".+\"}"})")});
  ASSERT_TRUE(engine_->reconcileChecks(clock_.now()).ok());
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].labels.get("check"), "pg");
  // An older event arriving late changes nothing.
  ASSERT_TRUE(
      engine_->onCheckTransition(checkEvent("pg", clock_.now() - Millis(60'000), "up")).ok());
  EXPECT_TRUE(takeSent().empty());
}

TEST_F(RuleEngineTest, ACheckRuleWithForWaitsForTheRound) {
  setRules({rule(R"({"name":"CheckDown","kind":"check","check":"pg","for":"1m",
                     "interval":"30s"})")});
  evaluateNow();
  ASSERT_TRUE(engine_->onCheckTransition(checkEvent("pg", clock_.now(), "down")).ok());
  EXPECT_TRUE(takeSent().empty());
  step();
  EXPECT_TRUE(takeSent().empty());
  step();
  EXPECT_EQ(takeSent().size(), 1u);
}

TEST_F(RuleEngineTest, ARemovedRuleResolvesItsAlerts) {
  series(metric("x", {}), {1, 1});
  setRules({rule(R"({"name":"X","kind":"threshold","expr":"x","op":">","value":0})")});
  evaluateNow();
  EXPECT_EQ(takeSent().size(), 1u);
  setRules({});
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kResolved);
  EXPECT_TRUE(engine_->activeAlerts().empty());
  EXPECT_EQ(history().front().to, AlertState::kOk);
}

TEST_F(RuleEngineTest, ARestartNeitherRepagesNorForgets) {
  series(metric("cpu", {{"host", "a"}}), {95, 95, 95, 95, 95, 50});
  series(metric("mem", {{"host", "a"}}), {95, 95, 95, 95, 95, 95});
  RuleSpec cpu = rule(R"({"name":"Cpu","kind":"threshold","expr":"cpu","op":">","value":90})");
  RuleSpec mem =
      rule(R"({"name":"Mem","kind":"threshold","expr":"mem","op":">","value":90,"for":"2m"})");
  setRules({cpu, mem});
  evaluateNow();  // Cpu firing, Mem pending
  step();         // Mem pending 30s
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 2u);
  const WallTime cpuStartsAt = sent[0].startsAt;
  const std::size_t transitions = history().size();

  ASSERT_NO_FATAL_FAILURE(restart());
  setRules({cpu, mem});
  auto active = engine_->activeAlerts();
  ASSERT_EQ(active.size(), 2u);
  step();  // Cpu still firing: same startsAt, no new transition; Mem 60s pending
  sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kFiring);
  EXPECT_EQ(sent[0].startsAt, cpuStartsAt);
  EXPECT_EQ(history().size(), transitions);
  step();  // 90s
  step();  // 120s since Mem turned pending before the restart: it fires
  sent = takeSent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2].labels.get("alertname"), "Mem");
  EXPECT_EQ(sent[2].startsAt, clock_.now());
  // And an alert that was firing at the restart still resolves.
  step();
  sent = takeSent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].labels.get("alertname"), "Cpu");
  EXPECT_EQ(sent[0].state, AlertState::kResolved);
}

TEST_F(RuleEngineTest, AnInstanceFiringAtARestartWhoseRuleIsGoneResolves) {
  series(metric("x", {}), {1, 1});
  setRules({rule(R"({"name":"X","kind":"threshold","expr":"x","op":">","value":0})")});
  evaluateNow();
  takeSent();
  ASSERT_NO_FATAL_FAILURE(restart());
  setRules({rule(R"({"name":"Y","kind":"absence","expr":"x"})")});
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].labels.get("alertname"), "X");
  EXPECT_EQ(sent[0].state, AlertState::kResolved);
}

TEST_F(RuleEngineTest, ParsesTheHealthModulesEvent) {
  auto e = parseCheckTransitionEvent(
      R"({"check":"pg","at_ms":1700000000000,"from":"up","to":"down","reason":"refused",
          "maintenance":false,"labels":{"check":"pg","type":"tcp","team":"db"}})");
  ASSERT_TRUE(e.ok()) << e.error().toString();
  EXPECT_EQ(e->check, "pg");
  EXPECT_EQ(e->to, "down");
  EXPECT_EQ(e->labels.str(), R"({check="pg",team="db",type="tcp"})");
  EXPECT_FALSE(parseCheckTransitionEvent("{}").ok());
  EXPECT_FALSE(parseCheckTransitionEvent("nope").ok());
}

TEST_F(RuleEngineTest, ShowsActiveAlertsAsJson) {
  series(metric("x", {{"host", "a"}}), {2});
  setRules({rule(R"({"name":"X","kind":"threshold","expr":"x","op":">","value":1,"for":"5m"})")});
  evaluateNow();
  nlohmann::json j = toJson(engine_->activeAlerts());
  ASSERT_EQ(j["data"].size(), 1u);
  EXPECT_EQ(j["data"][0]["state"], "pending");
  EXPECT_EQ(j["data"][0]["labels"]["host"], "a");
  EXPECT_EQ(j["data"][0]["value"], 2);
  EXPECT_TRUE(j["data"][0]["fired_at_ms"].is_null());
  nlohmann::json rules = toJson(engine_->ruleStatuses()[0]);
  EXPECT_EQ(rules["pending"], 1);
  EXPECT_EQ(rules["kind"], "threshold");
}

}  // namespace
}  // namespace pharos::alarms

namespace pharos::alarms {
namespace {

TEST_F(RuleEngineTest, EventsAndRoundsFromSeveralThreadsWithASinkThatCallsBack) {
  std::atomic<int> firing{0};
  std::atomic<int> resolved{0};
  std::unique_ptr<RuleEngine>* self = &engine_;
  auto engine = RuleEngine::open(*store_, memory_, clock_, [&](const Alert& a) {
    (*self)->activeAlerts();  // calls back into the engine: must not deadlock
    (a.state == AlertState::kFiring ? firing : resolved)++;
  });
  ASSERT_TRUE(engine.ok());
  engine_ = std::move(engine).value();
  setRules({rule(R"({"name":"CheckDown","kind":"check","checks":"{team=\"db\"}"})")});
  constexpr int kChecks = 4;
  constexpr int kFlips = 50;
  std::vector<std::thread> threads;
  for (int c = 0; c < kChecks; ++c) {
    threads.emplace_back([&, c] {
      const std::string name = "c" + std::to_string(c);
      for (int i = 0; i < kFlips; ++i) {
        // Strictly later events, so none is ignored as stale.
        WallTime at = fromUnixMillis(nowMs() + i * 10 + 1);
        EXPECT_TRUE(
            engine_->onCheckTransition(checkEvent(name, at, i % 2 == 0 ? "down" : "up")).ok());
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i)
      EXPECT_TRUE(engine_->evaluate(clock_.now()).ok());
  });
  for (auto& t : threads)
    t.join();
  // Every check ended up (an even number of flips): everything that fired resolved.
  EXPECT_TRUE(engine_->activeAlerts().empty() ||
              engine_->activeAlerts().front().state == AlertState::kResolved);
  EXPECT_EQ(resolved.load(), kChecks * kFlips / 2);
  EXPECT_GE(firing.load(), kChecks * kFlips / 2);
}

// pharos_anomaly_score as the analysis module writes it: the original's labels, metric=NAME.
Labels anomalyScore(std::string metricName, std::initializer_list<Label> labels) {
  return metric("pharos_anomaly_score", labels).with("metric", std::move(metricName));
}

TEST_F(RuleEngineTest, AnomalyFiresWhileScoresStayHighForItsDurationOnMatchingSeriesOnly) {
  // A 45 s window holds exactly the last two 30 s scores. `a` spikes once: the peak lasts
  // 30 s, shorter than `for`, so it goes pending and back. `b` stays anomalous for a minute
  // and fires. `quiet` scores below 0.25; the last two do not match the selector.
  series(anomalyScore("latency", {{"service", "checkout"}, {"instance", "a"}}),
         {0.1, 0.6, 0.2, 0.2, 0.1, 0.1});
  series(anomalyScore("latency", {{"service", "checkout"}, {"instance", "b"}}),
         {0.1, 0.6, 0.4, 0.3, 0.1, 0.1});
  series(anomalyScore("latency", {{"service", "checkout"}, {"instance", "quiet"}}),
         {0.2, 0.2, 0.2, 0.2, 0.2, 0.2});
  series(anomalyScore("latency", {{"service", "search"}, {"instance", "a"}}),
         {0.9, 0.9, 0.9, 0.9, 0.9, 0.9});
  series(anomalyScore("errors", {{"service", "checkout"}, {"instance", "a"}}),
         {0.9, 0.9, 0.9, 0.9, 0.9, 0.9});
  setRules({rule(R"({"name":"CheckoutOdd","kind":"anomaly",
                     "selector":"latency{service=\"checkout\"}","window":"45s","for":"1m",
                     "labels":{"team":"shop"}})")});
  auto activeInstances = [&] {
    std::vector<std::string> out;
    for (const auto& a : engine_->activeAlerts())
      out.push_back(std::string(a.labels.get("instance")) + ":" +
                    std::string(alertStateName(a.state)));
    std::sort(out.begin(), out.end());
    return out;
  };

  evaluateNow();  // 0.1 everywhere it matches
  EXPECT_TRUE(engine_->activeAlerts().empty());
  step();  // a and b at 0.6: pending
  EXPECT_TRUE(takeSent().empty());
  EXPECT_EQ(activeInstances(), (std::vector<std::string>{"a:pending", "b:pending"}));
  step();  // both still see the 0.6 within the window: pending for 30 s
  EXPECT_TRUE(takeSent().empty());
  step();  // a: 0.2, 0.2 (back to OK, never sent); b: 0.4, 0.3 for a minute: firing
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kFiring);
  EXPECT_EQ(sent[0].labels.str(),
            R"({alertname="CheckoutOdd",instance="b",metric="latency",service="checkout",)"
            R"(severity="warning",team="shop"})");
  EXPECT_EQ(sent[0].annotations.get("summary"), "anomaly in latency (score 0.4 in the last 45s)");
  EXPECT_EQ(activeInstances(), (std::vector<std::string>{"b:firing"}));
  step();  // b: 0.3, 0.1: still firing
  sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kFiring);
  step();  // b: 0.1, 0.1: resolved
  sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kResolved);
  EXPECT_EQ(sent[0].labels.get("instance"), "b");
}

TEST_F(RuleEngineTest, AnomalySensitivityMovesTheScoreThatFires) {
  series(anomalyScore("queue_depth", {{"queue", "mail"}}), {0.2, 0.2});
  series(anomalyScore("queue_depth", {{"queue", "jobs"}}), {0.05, 0.05});
  // The default (0.75) fires at 0.25 and above: 0.2 stays OK.
  setRules({rule(R"({"name":"Q","kind":"anomaly","selector":"queue_depth"})")});
  evaluateNow();
  EXPECT_TRUE(takeSent().empty());
  // 0.9 fires at 0.1 and above: the mail queue's 0.2 does, the jobs queue's 0.05 does not.
  setRules({rule(R"({"name":"Q","kind":"anomaly","selector":"queue_depth","sensitivity":0.9})")});
  step();
  auto sent = takeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].labels.get("queue"), "mail");
  EXPECT_EQ(sent[0].labels.get("metric"), "queue_depth");
}

}  // namespace
}  // namespace pharos::alarms
