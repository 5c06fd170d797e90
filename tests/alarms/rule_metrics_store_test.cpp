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
    auto store = store::SqliteStore::open(dir_.file("metrics.db"));
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

  std::unique_ptr<store::SqliteStore> metricsDb_;
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

}  // namespace
}  // namespace pharos::alarms
