#include "analysis/metric_scorer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "metrics/metrics_store.h"

namespace pharos::analysis {
namespace {

using promql::Matcher;

constexpr int64_t kStep = 15'000;  // a scrape every 15 s
constexpr int64_t kHour = 3'600'000;
// A whole 15 s step, twelve hours after ManualClock's default start.
constexpr int64_t kT0 = 1'700'000'000'000 + 12 * kHour;

Matcher eq(std::string name, std::string value) {
  return Matcher::make(Matcher::Type::kEqual, std::move(name), std::move(value)).value();
}

// A steady, slightly noisy value (deterministic): what a healthy latency looks like.
double steady(int64_t t) {
  const double i = static_cast<double>(t / kStep);
  return 0.2 + 0.01 * std::sin(i * 0.7) + 0.005 * std::sin(i * 2.3 + 1.0);
}

class MetricScorerTest : public ::testing::Test {
 protected:
  MetricScorerTest() {
    store_ = pharos::testing::openTestStore(dir_.file("metrics.db")).value();
    metrics::MetricsOptions options;
    options.walDir = dir_.file("wal");
    auto opened = metrics::MetricsStore::open(*store_, options, clock_);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    metrics_ = std::move(opened).value();
  }

  std::unique_ptr<MetricScorer> scorer(MetricScorerOptions options) {
    auto created = MetricScorer::create(*metrics_, std::move(options));
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? std::move(created).value() : nullptr;
  }

  // Moves the clock to `t` (never back) and appends the samples of `labels` at every step in
  // (from, to], valued by `value`.
  template <typename F>
  void appendRange(const Labels& labels, int64_t from, int64_t to, F value) {
    if (to > now()) clock_.advance(Millis(to - now()));
    std::vector<metrics::IncomingSample> batch;
    for (int64_t t = from + kStep; t <= to; t += kStep)
      batch.push_back({labels, {t, value(t)}});
    auto result = metrics_->append(batch);
    ASSERT_TRUE(result.ok()) << result.error().message;
    ASSERT_EQ(result->appended, batch.size());
  }

  int64_t now() const { return toUnixMillis(clock_.now()); }

  std::vector<Sample> scores(const std::string& metric, int64_t from, int64_t to) {
    auto found =
        metrics_->select({eq("__name__", "pharos_anomaly_score"), eq("metric", metric)}, from, to);
    EXPECT_TRUE(found.ok());
    if (!found.ok() || found->empty()) return {};
    EXPECT_EQ(found->size(), 1u);
    return found->front().samples;
  }

  std::vector<Labels> scoreSeries() {
    return metrics_->series({eq("__name__", "pharos_anomaly_score")});
  }

  std::vector<AnomalyEvent> run(MetricScorer& s, int64_t nowMs) {
    auto events = s.run(nowMs);
    EXPECT_TRUE(events.ok()) << events.error().message;
    return events.ok() ? *events : std::vector<AnomalyEvent>{};
  }

  testing::TempDir dir_;
  testing::ManualClock clock_{fromUnixMillis(kT0 - 7 * kHour)};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<metrics::MetricsStore> metrics_;
  Labels latency_{{"__name__", "http_latency_seconds"}, {"job", "api"}, {"instance", "a:80"}};
};

TEST_F(MetricScorerTest, SpikeIsScoredWrittenAndReportedOnceAtItsOnset) {
  // Six hours of steady history, then the scorer starts.
  appendRange(latency_, kT0 - 6 * kHour, kT0, steady);
  auto s = scorer({.selectors = {"http_latency_seconds{job=\"api\"}"}});
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(run(*s, kT0).empty());
  EXPECT_EQ(s->seriesCount(), 1u);
  EXPECT_EQ(s->pointsScored(), 0u);
  EXPECT_TRUE(scoreSeries().empty()) << "history is learned, not scored";

  // An hour more, in which one scrape sees 2.5 s instead of ~0.2 s.
  const int64_t spikeT = kT0 + 30 * 60'000;
  auto withSpike = [&](int64_t t) { return t == spikeT ? 2.5 : steady(t); };
  appendRange(latency_, kT0, kT0 + kHour, withSpike);
  auto events = run(*s, kT0 + kHour);

  // One score per sample, at the sample's own timestamp, under the series' labels.
  auto written = scores("http_latency_seconds", kT0, kT0 + kHour);
  ASSERT_EQ(written.size(), static_cast<std::size_t>(kHour / kStep));
  for (std::size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(written[i].t, kT0 + kStep * static_cast<int64_t>(i + 1));
    EXPECT_GE(written[i].v, 0.0);
    EXPECT_LE(written[i].v, 1.0);
  }
  EXPECT_EQ(s->pointsScored(), written.size());
  auto series = scoreSeries();
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0], (Labels{{"__name__", "pharos_anomaly_score"},
                               {"metric", "http_latency_seconds"},
                               {"job", "api"},
                               {"instance", "a:80"}}));
  // The spike has the highest score of the hour.
  double spikeScore = 0;
  double otherMax = 0;
  for (const Sample& w : written) {
    if (w.t == spikeT) {
      spikeScore = w.v;
    } else {
      otherMax = std::max(otherMax, w.v);
    }
  }
  EXPECT_GE(spikeScore, DetectorOptions{}.flagThreshold);
  EXPECT_GT(spikeScore, otherMax);

  ASSERT_EQ(events.size(), 1u);
  const AnomalyEvent& e = events[0];
  EXPECT_EQ(e.kind, AnomalyKind::kMetric);
  EXPECT_EQ(e.id.size(), 26u);
  EXPECT_EQ(e.service, "api");
  EXPECT_EQ(e.signal, "http_latency_seconds{instance=\"a:80\",job=\"api\"}");
  EXPECT_EQ(e.startMs, spikeT);
  EXPECT_EQ(e.endMs, spikeT + 60'000);
  EXPECT_DOUBLE_EQ(e.score, spikeScore);
  EXPECT_DOUBLE_EQ(e.observed, 2.5);
  EXPECT_NEAR(e.baseline, 0.2, 0.02);
  EXPECT_EQ(e.unit, "s");
  EXPECT_EQ(e.labels, (std::map<std::string, std::string>{{"instance", "a:80"}, {"job", "api"}}));

  // Nothing new: nothing scored, nothing reported again.
  EXPECT_TRUE(run(*s, kT0 + kHour + 60'000).empty());
  EXPECT_EQ(s->pointsScored(), written.size());
}

TEST_F(MetricScorerTest, AnomalyLastingSeveralPointsIsOneEvent) {
  appendRange(latency_, kT0 - 6 * kHour, kT0, steady);
  auto s = scorer({.selectors = {"http_latency_seconds"}});
  ASSERT_NE(s, nullptr);
  run(*s, kT0);
  // Two minutes at 10x, then back to normal.
  const int64_t from = kT0 + 20 * 60'000;
  auto incident = [&](int64_t t) { return t > from && t <= from + 120'000 ? 2.0 : steady(t); };
  appendRange(latency_, kT0, kT0 + kHour, incident);
  auto events = run(*s, kT0 + kHour);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].startMs, from + kStep);
  EXPECT_DOUBLE_EQ(events[0].observed, 2.0);
}

TEST_F(MetricScorerTest, EachSampleIsScoredOnceAcrossRuns) {
  Labels a{{"__name__", "queue_depth"}, {"job", "worker"}, {"instance", "a"}};
  Labels b{{"__name__", "queue_depth"}, {"job", "worker"}, {"instance", "b"}};
  appendRange(a, kT0 - 2 * kHour, kT0, steady);
  appendRange(b, kT0 - 2 * kHour - 45'000, kT0 - 45'000, steady);
  // Two selectors that both match `a`: it is still scored once.
  auto s = scorer({.selectors = {"queue_depth", "{instance=\"a\"}"}});
  ASSERT_NE(s, nullptr);
  run(*s, kT0);
  EXPECT_EQ(s->seriesCount(), 2u);

  std::size_t sourceA = 0;
  std::size_t sourceB = 0;
  int64_t t = kT0;
  for (int round = 0; round < 6; ++round) {
    appendRange(a, t, t + 60'000, steady);
    sourceA += 4;
    // `b` arrives late, 45 s behind `a`: its samples are older than the previous run when
    // they are appended, and must still be scored.
    appendRange(b, t - 45'000, t + 15'000, steady);
    sourceB += 4;
    t += 60'000;
    run(*s, t);
    if (round == 2) run(*s, t);  // a run with nothing new
  }
  auto all = metrics_->select({eq("__name__", "pharos_anomaly_score")}, kT0 - kHour, t + kHour);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  std::map<std::string, std::vector<Sample>> byInstance;
  for (const auto& series : *all)
    byInstance[std::string(series.labels.get("instance"))] = series.samples;
  EXPECT_EQ(byInstance["a"].size(), sourceA);
  EXPECT_EQ(byInstance["b"].size(), sourceB);
  EXPECT_EQ(s->pointsScored(), sourceA + sourceB);

  // A series first seen now learns from its history: no scores for it until it moves on.
  Labels c{{"__name__", "queue_depth"}, {"job", "worker"}, {"instance", "c"}};
  appendRange(c, t - kHour, t, steady);
  run(*s, t);
  EXPECT_EQ(s->seriesCount(), 3u);
  auto cScores = [&] {
    auto found = metrics_->select({eq("__name__", "pharos_anomaly_score"), eq("instance", "c")},
                                  kT0 - 7 * kHour, t + kHour);
    EXPECT_TRUE(found.ok());
    return found.ok() && !found->empty() ? found->front().samples.size() : 0u;
  };
  EXPECT_EQ(cScores(), 0u);
  appendRange(c, t, t + 60'000, steady);
  run(*s, t + 60'000);
  EXPECT_EQ(cScores(), 4u);
}

TEST_F(MetricScorerTest, StaleSeriesAreDroppedAfterADay) {
  appendRange(latency_, kT0 - kHour, kT0, steady);
  auto s = scorer({.selectors = {"http_latency_seconds"}});
  ASSERT_NE(s, nullptr);
  run(*s, kT0);
  EXPECT_EQ(s->seriesCount(), 1u);
  clock_.advance(Millis(23 * kHour));
  run(*s, kT0 + 23 * kHour);
  EXPECT_EQ(s->seriesCount(), 1u);
  clock_.advance(Millis(2 * kHour));
  run(*s, kT0 + 25 * kHour);
  EXPECT_EQ(s->seriesCount(), 0u);
}

TEST_F(MetricScorerTest, RefusesSelectorsThatAreNotPlainVectorSelectors) {
  struct Case {
    std::string selector;
    std::string expect;  // in the message
  };
  for (const Case& c : std::vector<Case>{
           {"http_latency_seconds{job=", "1:"},
           {"rate(http_requests_total[5m])", "1:1: not a plain vector selector"},
           {"http_latency_seconds[5m]", "not a plain vector selector"},
           {"http_latency_seconds offset 5m", "not a plain vector selector"},
           {"sum(up)", "not a plain vector selector"},
           {"", "1:"},
       }) {
    auto created = MetricScorer::create(*metrics_, {.selectors = {"up", c.selector}});
    ASSERT_FALSE(created.ok()) << c.selector;
    EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument) << c.selector;
    EXPECT_NE(created.error().message.find("selector '" + c.selector + "'"), std::string::npos)
        << created.error().message;
    EXPECT_NE(created.error().message.find(c.expect), std::string::npos) << created.error().message;
  }
  EXPECT_TRUE(
      MetricScorer::create(*metrics_, {.selectors = {"up{job=~\"a|b\"}", "{job=\"x\"}"}}).ok());
}

TEST_F(MetricScorerTest, NeverScoresItsOwnScores) {
  // A selector matching the job also matches the job's score series; one naming the scores
  // matches only them.
  auto s = scorer({.selectors = {"{job=\"api\"}", "pharos_anomaly_score",
                                 "{__name__=~\"pharos_anomaly_.*\"}"}});
  ASSERT_NE(s, nullptr);
  appendRange(latency_, kT0 - kHour, kT0, steady);
  run(*s, kT0);
  int64_t t = kT0;
  for (int round = 0; round < 5; ++round) {
    appendRange(latency_, t, t + 60'000, steady);
    t += 60'000;
    run(*s, t);
  }
  EXPECT_EQ(s->seriesCount(), 1u);
  auto series = scoreSeries();
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].get("metric"), "http_latency_seconds");
  EXPECT_EQ(s->pointsScored(), 20u);
}

TEST_F(MetricScorerTest, MaxSeriesIsHonouredAndRefusalsCountedOnce) {
  std::vector<Labels> all;
  for (int i = 0; i < 5; ++i) {
    all.push_back(Labels{{"__name__", "cpu_usage"}, {"cpu", std::to_string(i)}});
    appendRange(all.back(), kT0 - kHour, kT0, steady);
  }
  auto s = scorer({.selectors = {"cpu_usage"}, .maxSeries = 3});
  ASSERT_NE(s, nullptr);
  run(*s, kT0);
  EXPECT_EQ(s->seriesCount(), 3u);
  EXPECT_EQ(s->seriesRefused(), 2u);
  for (const Labels& l : all)
    appendRange(l, kT0, kT0 + 60'000, steady);
  run(*s, kT0 + 60'000);
  EXPECT_EQ(s->seriesCount(), 3u);
  EXPECT_EQ(s->seriesRefused(), 2u) << "a refused series is counted once";
  EXPECT_EQ(scoreSeries().size(), 3u);
  EXPECT_EQ(s->pointsScored(), 12u);
}

TEST_F(MetricScorerTest, OwnMetricLabelIsRenamed) {
  Labels clash{{"__name__", "events_total"}, {"metric", "orders"}, {"service", "shop"}};
  EXPECT_EQ(MetricScorer::scoreLabels(clash), (Labels{{"__name__", "pharos_anomaly_score"},
                                                      {"metric", "events_total"},
                                                      {"exported_metric", "orders"},
                                                      {"service", "shop"}}));
  Labels both{{"__name__", "x"}, {"metric", "m"}, {"exported_metric", "e"}};
  EXPECT_EQ(MetricScorer::scoreLabels(both), (Labels{{"__name__", "pharos_anomaly_score"},
                                                     {"metric", "x"},
                                                     {"exported_metric", "e"},
                                                     {"exported_exported_metric", "m"}}));

  // Through the store, with an anomaly: the event keeps the series' own labels and service.
  appendRange(clash, kT0 - 6 * kHour, kT0, [](int64_t t) { return 100 * steady(t); });
  auto s = scorer({.selectors = {"events_total"}});
  ASSERT_NE(s, nullptr);
  run(*s, kT0);
  const int64_t spikeT = kT0 + 10 * 60'000;
  appendRange(clash, kT0, kT0 + 20 * 60'000,
              [&](int64_t t) { return t == spikeT ? 2'000.0 : 100 * steady(t); });
  auto events = run(*s, kT0 + 20 * 60'000);
  auto series = scoreSeries();
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0], MetricScorer::scoreLabels(clash));
  EXPECT_EQ(
      metrics_->select({eq("exported_metric", "orders")}, kT0, kT0 + kHour)->front().samples.size(),
      80u);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].service, "shop");
  EXPECT_EQ(events[0].unit, "");
  EXPECT_EQ(events[0].signal, "events_total{metric=\"orders\",service=\"shop\"}");
  EXPECT_EQ(events[0].labels,
            (std::map<std::string, std::string>{{"metric", "orders"}, {"service", "shop"}}));
}

}  // namespace
}  // namespace pharos::analysis
