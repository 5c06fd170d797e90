#include "metrics/metrics_store.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "metrics/rollup_builder.h"

namespace pharos::metrics {
namespace {

using promql::Matcher;

constexpr std::int64_t kStart = 1'700'000'000'000;  // ManualClock's default start

Matcher eq(std::string name, std::string value) {
  return Matcher::make(Matcher::Type::kEqual, std::move(name), std::move(value)).value();
}
Matcher match(Matcher::Type type, std::string name, std::string value) {
  return Matcher::make(type, std::move(name), std::move(value)).value();
}

class MetricsStoreTest : public ::testing::Test {
 protected:
  MetricsStoreTest() { reopen(); }

  void reopen(MetricsOptions options = {}) {
    metrics_.reset();
    store_.reset();
    store_ = pharos::testing::openTestStore(dir_.file("metrics.db")).value();
    options.walDir = dir_.file("wal");
    if (options.maxSeries == MetricsOptions{}.maxSeries) options.maxSeries = maxSeries_;
    auto opened = MetricsStore::open(*store_, options, clock_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    metrics_ = std::move(opened).value();
  }

  AppendResult append(const Labels& labels, std::vector<Sample> samples) {
    std::vector<IncomingSample> batch;
    for (auto s : samples)
      batch.push_back({labels, s});
    auto result = metrics_->append(batch);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : AppendResult{};
  }

  std::vector<Sample> read(const Labels& labels, std::int64_t minT, std::int64_t maxT) {
    std::vector<Matcher> matchers;
    for (const auto& l : labels)
      matchers.push_back(eq(l.name, l.value));
    auto result = metrics_->select(matchers, minT, maxT);
    EXPECT_TRUE(result.ok());
    if (!result.ok() || result->empty()) return {};
    EXPECT_EQ(result->size(), 1u);
    return result->front().samples;
  }

  // Every 15 s for `count` samples from `from`, a counter growing by 1.5 a step.
  static std::vector<Sample> regular(std::int64_t from, int count, double start = 0) {
    std::vector<Sample> out;
    for (int i = 0; i < count; ++i)
      out.push_back({from + i * 15'000LL, start + 1.5 * i});
    return out;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_{fromUnixMillis(kStart + 12 * 3'600'000LL)};
  std::size_t maxSeries_ = 1'000'000;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<MetricsStore> metrics_;
  Labels up_{{"__name__", "up"}, {"job", "api"}};
};

void expectSamples(const std::vector<Sample>& got, const std::vector<Sample>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].t, want[i].t) << i;
    EXPECT_EQ(got[i].v, want[i].v) << i;
  }
}

TEST_F(MetricsStoreTest, AppendedSamplesReadBackInOrder) {
  auto samples = regular(kStart, 100);
  auto result = append(up_, samples);
  EXPECT_EQ(result.appended, 100u);
  EXPECT_EQ(result.createdSeries, 1u);
  expectSamples(read(up_, kStart, kStart + 99 * 15'000), samples);
  expectSamples(read(up_, kStart + 15'000, kStart + 30'000),
                {samples.begin() + 1, samples.begin() + 3});
}

TEST_F(MetricsStoreTest, CountsOutOfOrderDuplicateAndConflictingSamples) {
  append(up_, {{kStart + 1000, 1}});
  auto result = append(up_, {{kStart + 1000, 1},
                             {kStart + 1000, 2},
                             {kStart + 500, 1},
                             {kStart + 2000, std::nan("")},
                             {kStart + 2000, std::nan("")}});
  EXPECT_EQ(result.appended, 1u);
  EXPECT_EQ(result.duplicates, 2u);
  EXPECT_EQ(result.conflicting, 1u);
  EXPECT_EQ(result.outOfOrder, 1u);
  EXPECT_EQ(result.errors.size(), 2u);
  EXPECT_EQ(read(up_, kStart, kStart + 5000).size(), 2u);
}

TEST_F(MetricsStoreTest, RefusesAbsurdTimestampsAndBadLabels) {
  std::int64_t now = toUnixMillis(clock_.now());
  auto result = append(up_, {{now + 3'600'000, 1}, {now - 400LL * 86'400'000, 1}, {now, 1}});
  EXPECT_EQ(result.outOfBounds, 2u);
  EXPECT_EQ(result.appended, 1u);
  auto bad = append(Labels{{"__name__", "9bad"}}, {{now, 1}});
  EXPECT_EQ(bad.invalidLabels, 1u);
  ASSERT_FALSE(bad.errors.empty());
  EXPECT_NE(bad.errors[0].find("invalid metric name"), std::string::npos);
}

TEST_F(MetricsStoreTest, ReadsSpanPersistedChunksAndMemoryExactlyOnce) {
  // 10 hours of 15 s samples: several sealed windows plus an open one.
  auto samples = regular(kStart, 2400);
  append(up_, samples);
  ASSERT_TRUE(metrics_->flush().ok());
  auto more = regular(kStart + 2400 * 15'000LL, 10, samples.back().v + 1.5);
  append(up_, more);
  samples.insert(samples.end(), more.begin(), more.end());
  expectSamples(read(up_, kStart, kStart + 3000 * 15'000LL), samples);
  EXPECT_GT(metrics_->stats().chunksPersisted, 3u);
}

TEST_F(MetricsStoreTest, SurvivesRestartFromTheWriteAheadLogAlone) {
  auto samples = regular(kStart, 700);
  append(up_, samples);
  reopen();  // no flush: everything comes back from the log
  expectSamples(read(up_, kStart, kStart + 700 * 15'000LL), samples);
  // The newest sample survived too, so order is still enforced.
  EXPECT_EQ(append(up_, {samples.back()}).duplicates, 1u);
  EXPECT_EQ(append(up_, {samples[5]}).outOfOrder, 1u);
}

TEST_F(MetricsStoreTest, ReplaysManySeriesCreatedInOneBatch) {
  std::vector<IncomingSample> batch;
  for (int i = 0; i < 50; ++i)
    batch.push_back({Labels{{"__name__", "m"}, {"i", std::to_string(i)}}, {kStart, 1.0 * i}});
  ASSERT_EQ(metrics_->append(batch).value().createdSeries, 50u);
  reopen();
  EXPECT_EQ(metrics_->series({eq("__name__", "m")}).size(), 50u);
  expectSamples(read(Labels{{"__name__", "m"}, {"i", "49"}}, kStart, kStart), {{kStart, 49}});
}

TEST_F(MetricsStoreTest, SurvivesRestartFromCheckpointStoreAndLog) {
  auto samples = regular(kStart, 700);
  append(up_, {samples.begin(), samples.begin() + 500});
  ASSERT_TRUE(metrics_->flush(MetricsStore::Checkpoint::kNow).ok());
  append(up_, {samples.begin() + 500, samples.end()});
  reopen();
  expectSamples(read(up_, kStart, kStart + 700 * 15'000LL), samples);
  ASSERT_TRUE(metrics_->flush().ok());
  reopen();
  expectSamples(read(up_, kStart, kStart + 700 * 15'000LL), samples);
}

TEST_F(MetricsStoreTest, CheckpointsOnlyWhenTheLogHasGrownPastTheHead) {
  append(up_, regular(kStart, 100));
  ASSERT_TRUE(metrics_->flush().ok());
  std::uint64_t before = metrics_->stats().walBytes;
  EXPECT_GT(before, 0u);  // a small log is not worth a checkpoint: still there
  ASSERT_TRUE(metrics_->flush(MetricsStore::Checkpoint::kNow).ok());
  // Now the log is one checkpoint holding the open chunk: smaller than the samples' records.
  EXPECT_LT(metrics_->stats().walBytes, before);
  reopen();
  EXPECT_EQ(read(up_, kStart, kStart + 100 * 15'000LL).size(), 100u);
}

TEST_F(MetricsStoreTest, RollupsEqualRollupsOfTheRawSamples) {
  auto samples = regular(kStart, 1500);
  samples[700].v = 0;  // a counter reset
  for (std::size_t i = 701; i < samples.size(); ++i)
    samples[i].v = samples[i - 1].v + 2;
  append(up_, samples);
  ASSERT_TRUE(metrics_->flush().ok());  // some rollups from the store, some built from memory
  for (std::int64_t resolution : {kMinuteMs, kHourMs}) {
    auto got = metrics_->selectRollups({eq("__name__", "up")}, kStart, kStart + 1500 * 15'000LL,
                                       resolution);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    auto want = buildRollups(samples, std::nullopt, resolution);
    const auto& points = got->front().points;
    ASSERT_EQ(points.size(), want.size()) << resolution;
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(points[i].t, want[i].t);
      EXPECT_EQ(points[i].count, want[i].count);
      EXPECT_DOUBLE_EQ(points[i].sum, want[i].sum);
      EXPECT_EQ(points[i].max, want[i].max);
      EXPECT_EQ(points[i].last, want[i].last);
      EXPECT_DOUBLE_EQ(points[i].increase, want[i].increase) << i;
      EXPECT_EQ(points[i].sketch, want[i].sketch);
    }
  }
}

TEST_F(MetricsStoreTest, SelectsWithEveryMatcherType) {
  std::int64_t t = kStart;
  append(Labels{{"__name__", "req"}, {"code", "200"}, {"job", "a"}}, {{t, 1}});
  append(Labels{{"__name__", "req"}, {"code", "500"}, {"job", "a"}}, {{t, 2}});
  append(Labels{{"__name__", "req"}, {"job", "b"}}, {{t, 3}});
  auto count = [&](std::vector<Matcher> matchers) {
    return metrics_->select(matchers, t, t).value().size();
  };
  using T = Matcher::Type;
  EXPECT_EQ(count({eq("__name__", "req")}), 3u);
  EXPECT_EQ(count({eq("__name__", "req"), match(T::kNotEqual, "code", "200")}), 2u);
  EXPECT_EQ(count({eq("__name__", "req"), match(T::kRegexMatch, "code", "2..|5..")}), 2u);
  EXPECT_EQ(count({eq("__name__", "req"), match(T::kRegexNoMatch, "code", "5.*")}), 2u);
  EXPECT_EQ(count({eq("__name__", "req"), eq("code", "")}), 1u);  // absent == empty
  EXPECT_EQ(count({match(T::kRegexMatch, "job", "a|b"), eq("code", "500")}), 1u);
  EXPECT_EQ(count({eq("__name__", "nope")}), 0u);
  EXPECT_EQ(metrics_->labelValues("code"), (std::vector<std::string>{"200", "500"}));
  EXPECT_EQ(metrics_->labelNames(), (std::vector<std::string>{"__name__", "code", "job"}));
}

TEST_F(MetricsStoreTest, CardinalityLimitsRefuseNewSeriesWithAReason) {
  MetricsOptions options;
  options.maxSeriesPerMetric = 2;
  reopen(options);
  std::vector<IncomingSample> batch;
  for (int i = 0; i < 4; ++i)
    batch.push_back({Labels{{"__name__", "m"}, {"i", std::to_string(i)}}, {kStart, 1}});
  batch.push_back({Labels{{"__name__", "other"}}, {kStart, 1}});
  auto result = metrics_->append(batch).value();
  EXPECT_EQ(result.appended, 3u);
  EXPECT_EQ(result.seriesLimited, 2u);
  ASSERT_FALSE(result.errors.empty());
  EXPECT_NE(result.errors[0].find("metrics.max_series_per_metric"), std::string::npos);
  EXPECT_EQ(metrics_->stats().seriesRefused, 2u);
  // Existing series still take samples.
  EXPECT_EQ(append(Labels{{"__name__", "m"}, {"i", "0"}}, {{kStart + 1, 1}}).appended, 1u);
}

TEST_F(MetricsStoreTest, LimitsCountActiveSeriesSoChurnDoesNotLockTheStore) {
  MetricsOptions options;
  options.maxSeries = 2;
  reopen(options);
  auto pod = [](int i) { return Labels{{"__name__", "m"}, {"pod", "p" + std::to_string(i)}}; };
  std::int64_t now = toUnixMillis(clock_.now());
  EXPECT_EQ(append(pod(1), {{now, 1}}).appended, 1u);
  EXPECT_EQ(append(pod(2), {{now, 1}}).appended, 1u);
  EXPECT_EQ(append(pod(3), {{now, 1}}).seriesLimited, 1u);
  // The two pods stop; after three idle hours they no longer count.
  clock_.advance(Millis(4 * 3'600'000LL));
  ASSERT_TRUE(metrics_->flush().ok());
  EXPECT_EQ(metrics_->stats().activeSeries, 0u);
  now = toUnixMillis(clock_.now());
  EXPECT_EQ(append(pod(3), {{now, 1}}).appended, 1u);
  // An old series coming back is never refused (the limits guard new series), and counts.
  EXPECT_EQ(append(pod(1), {{now, 2}}).appended, 1u);
  EXPECT_EQ(metrics_->stats().activeSeries, 2u);
  EXPECT_EQ(append(pod(4), {{now, 1}}).seriesLimited, 1u);
  // A restart recounts from the data.
  reopen(options);
  EXPECT_EQ(metrics_->stats().activeSeries, 2u);
}

TEST_F(MetricsStoreTest, RetentionDropsOldRawChunksButKeepsRollups) {
  append(up_, regular(kStart, 2000));
  ASSERT_TRUE(metrics_->flush().ok());
  MetricsOptions options;
  options.rawRetention = Millis(5LL * 86'400'000);
  clock_.advance(Millis(30LL * 86'400'000));
  reopen(options);
  ASSERT_TRUE(metrics_->flush().ok());
  EXPECT_TRUE(read(up_, kStart, kStart + 2000 * 15'000LL).empty());
  auto hours = metrics_->selectRollups({eq("job", "api")}, kStart, kStart + 86'400'000, kHourMs);
  ASSERT_TRUE(hours.ok());
  ASSERT_EQ(hours->size(), 1u);
  EXPECT_GE(hours->front().points.size(), 8u);
  // The expired raw chunks were downsampled: their minutes are still there, exactly.
  auto minutes =
      metrics_->selectRollups({eq("job", "api")}, kStart, kStart + 86'400'000, kMinuteMs);
  ASSERT_TRUE(minutes.ok());
  ASSERT_EQ(minutes->size(), 1u);
  auto want = buildRollups(regular(kStart, 2000), std::nullopt, kMinuteMs);
  ASSERT_EQ(minutes->front().points.size(), want.size());
  EXPECT_EQ(minutes->front().points.back().sum, want.back().sum);
  EXPECT_EQ(minutes->front().points.back().increase, want.back().increase);
}

TEST_F(MetricsStoreTest, DiskBudgetDeletesTheOldestRawDataFirst) {
  append(up_, regular(kStart, 2000));  // 8+ hours: several windows
  ASSERT_TRUE(metrics_->flush().ok());
  int calls = 0;
  MetricsOptions options;
  options.maxDiskBytes = 1000;
  // "Over budget" until one batch has been deleted.
  options.diskUsage = [&calls] { return calls++ == 0 ? 5000u : 500u; };
  reopen(options);
  ASSERT_TRUE(metrics_->flush().ok());
  EXPECT_EQ(metrics_->stats().diskBudgetDeletions, 1u);
  EXPECT_TRUE(read(up_, kStart, kStart + 2000 * 15'000LL).empty());
  EXPECT_FALSE(metrics_->selectRollups({eq("job", "api")}, kStart, kStart + 86'400'000, kMinuteMs)
                   .value()
                   .empty());
}

}  // namespace
}  // namespace pharos::metrics
