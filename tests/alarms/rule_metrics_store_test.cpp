// Threshold rules over the real metrics store: samples appended through its write-ahead log,
// queried through PromQL as the app will run them.
#include <gtest/gtest.h>

#include "alarms_test_util.h"
#include "metrics/metrics_store.h"

namespace pharos::alarms {
namespace {

using testing::metric;
using testing::rule;

class RuleMetricsStoreTest : public testing::EngineFixture {
 protected:
  void SetUp() override {
    auto store = pharos::testing::openTestStore(dir_.file("metrics.db"));
    ASSERT_TRUE(store.ok()) << store.error().toString();
    metricsDb_ = std::move(store).value();
    metrics::MetricsOptions options;
    options.walDir = dir_.file("wal");
    auto metrics = metrics::MetricsStore::open(*metricsDb_, options, clock_);
    ASSERT_TRUE(metrics.ok()) << metrics.error().toString();
    metrics_ = std::move(metrics).value();
    EngineFixture::SetUp();
  }
  void TearDown() override {
    engine_.reset();
    metrics_.reset();
  }
  promql::Queryable& queryable() override { return *metrics_; }

  void append(const Labels& labels, double value) {
    metrics::IncomingSample s{labels, Sample{nowMs(), value}};
    auto r = metrics_->append(std::span<const metrics::IncomingSample>(&s, 1));
    ASSERT_TRUE(r.ok()) << r.error().toString();
    ASSERT_EQ(r->appended, 1u);
  }

  std::unique_ptr<store::Store> metricsDb_;
  std::unique_ptr<metrics::MetricsStore> metrics_;
};

TEST_F(RuleMetricsStoreTest, ThresholdWithForAndClearOverStoredSamples) {
  const Labels a = metric("http_errors_ratio", {{"job", "api"}, {"instance", "a"}});
  const Labels b = metric("http_errors_ratio", {{"job", "api"}, {"instance", "b"}});
  setRules({rule(R"J({"name":"ApiErrors","kind":"threshold",
                      "expr":"max by (job, instance) (http_errors_ratio{job=\"api\"})",
                      "op":">=","value":0.05,"clear":0.01,"for":"1m","severity":"page",
                      "annotations":{"summary":"{{ $labels.instance }}: {{ $value | humanizePercentage }}"}})J")});
  // a breaches for two minutes, dips to 3 % (above clear: stays), then 0.5 %; b stays fine.
  const std::vector<double> as{0.2, 0.2, 0.2, 0.03, 0.005, 0.005};
  std::vector<std::vector<Alert>> perStep;
  for (double v : as) {
    ASSERT_NO_FATAL_FAILURE(append(a, v));
    ASSERT_NO_FATAL_FAILURE(append(b, 0.001));
    evaluateNow();
    perStep.push_back(takeSent());
    clock_.advance(Millis(30'000));
  }
  EXPECT_TRUE(perStep[0].empty());   // pending
  EXPECT_TRUE(perStep[1].empty());   // pending 30 s
  ASSERT_EQ(perStep[2].size(), 1u);  // a minute: firing
  const Alert& fired = perStep[2][0];
  EXPECT_EQ(fired.state, AlertState::kFiring);
  EXPECT_EQ(fired.labels.str(),
            R"({alertname="ApiErrors",instance="a",job="api",severity="page"})");
  EXPECT_EQ(fired.annotations.get("summary"), "a: 20%");
  ASSERT_EQ(perStep[3].size(), 1u);  // 3 %: still firing (hysteresis)
  EXPECT_EQ(perStep[3][0].state, AlertState::kFiring);
  ASSERT_EQ(perStep[4].size(), 1u);
  EXPECT_EQ(perStep[4][0].state, AlertState::kResolved);
  EXPECT_TRUE(perStep[5].empty());

  HistoryQuery q;
  q.matchers = {promql::Matcher::make(promql::Matcher::Type::kEqual, "instance", "a").value()};
  auto h = history(q);
  ASSERT_EQ(h.size(), 4u);  // pending, firing, resolved, ok
  EXPECT_EQ(h[3].to, AlertState::kPending);
  EXPECT_EQ(h[2].to, AlertState::kFiring);
  EXPECT_EQ(h[1].to, AlertState::kResolved);
  EXPECT_DOUBLE_EQ(*h[1].value, 0.005);
}

TEST_F(RuleMetricsStoreTest, AnomalyRuleOverStoredScores) {
  // Scores as the analysis module stores them: a peak at the onset, then decaying; the rule's
  // 5-minute window keeps the peak in view, so `for: 1m` fires a minute after the onset and
  // the alert resolves once the peak has left the window.
  const Labels checkout =
      metric("pharos_anomaly_score", {{"metric", "http_request_duration_seconds"},
                                      {"service", "checkout"},
                                      {"exported_metric", "p99"}});
  const Labels search = metric("pharos_anomaly_score", {{"metric", "http_request_duration_seconds"},
                                                        {"service", "search"},
                                                        {"exported_metric", "p99"}});
  setRules({rule(R"J({"name":"CheckoutSlow","kind":"anomaly",
                      "selector":"http_request_duration_seconds{service=\"checkout\", metric=\"p99\"}",
                      "for":"1m","severity":"page"})J")});
  // One score a step: quiet for a minute, a peak of 0.8 decaying, then quiet for 6 minutes.
  std::vector<double> scores{0.05, 0.05, 0.8, 0.4, 0.2, 0.1};
  scores.resize(scores.size() + 12, 0.05);
  std::vector<std::vector<Alert>> perStep;
  for (double v : scores) {
    ASSERT_NO_FATAL_FAILURE(append(checkout, v));
    ASSERT_NO_FATAL_FAILURE(append(search, 0.95));  // not selected
    evaluateNow();
    perStep.push_back(takeSent());
    clock_.advance(Millis(30'000));
  }
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_TRUE(perStep[i].empty()) << i;  // quiet, then pending from step 2
  ASSERT_EQ(perStep[4].size(), 1u);        // a minute after the peak
  EXPECT_EQ(perStep[4][0].state, AlertState::kFiring);
  EXPECT_EQ(perStep[4][0].labels.str(),
            R"({alertname="CheckoutSlow",exported_metric="p99",)"
            R"(metric="http_request_duration_seconds",service="checkout",severity="page"})");
  EXPECT_EQ(perStep[4][0].annotations.get("summary"),
            "anomaly in http_request_duration_seconds (score 0.8 in the last 5m)");
  // The last score at or above 0.25 (0.4 at 90 s, step 3) leaves the 5-minute window at 390 s
  // (step 13), or a step later if the window's start is inclusive.
  std::size_t resolvedAt = 0;
  for (std::size_t i = 5; i < perStep.size(); ++i) {
    for (const Alert& a : perStep[i]) {
      if (a.state == AlertState::kResolved) resolvedAt = i;
    }
  }
  EXPECT_TRUE(resolvedAt == 13 || resolvedAt == 14) << resolvedAt;
}

}  // namespace
}  // namespace pharos::alarms
