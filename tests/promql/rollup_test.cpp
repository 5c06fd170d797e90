// Queries answered from rollups when the store prefers them.
#include <gtest/gtest.h>

#include "eval_test_util.h"

namespace pharos::promql {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t kM = 60 * kS;

class RollupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A counter and a gauge, one sample every 15 s for 2 h, with 1 m rollups of both.
    double counter = 0;
    for (std::int64_t t = 0; t < 120 * kM; t += 15 * kS) {
      counter = (t == 60 * kM) ? 3 : counter + 5;  // one reset at 1 h
      counterSamples.push_back({t, counter});
      gaugeSamples.push_back({t, static_cast<double>((t / (15 * kS)) % 7)});
    }
    Labels c{{"__name__", "req_total"}, {"job", "api"}};
    Labels g{{"__name__", "temp"}, {"job", "api"}};
    db.add(c, counterSamples);
    db.add(g, gaugeSamples);
    db.addRollups(c, fakes::MemoryQueryable::rollup(counterSamples, kM));
    db.addRollups(g, fakes::MemoryQueryable::rollup(gaugeSamples, kM));
    db.resolution = kM;
  }

  // The raw samples in [from, to).
  static std::vector<double> valuesIn(const std::vector<Sample>& samples, std::int64_t from,
                                      std::int64_t to) {
    std::vector<double> out;
    for (const auto& s : samples) {
      if (s.t >= from && s.t < to) out.push_back(s.v);
    }
    return out;
  }

  double single(const Result<QueryResult>& r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok() || r->series.size() != 1 || r->series[0].points.size() != 1) return -1;
    return r->series[0].points[0].v;
  }

  fakes::MemoryQueryable db;
  std::vector<Sample> counterSamples;
  std::vector<Sample> gaugeSamples;
};

TEST_F(RollupTest, WindowsUseTheWholeBucketsInside) {
  std::int64_t t = 30 * kM;
  // [25m, 30m): five buckets of four samples; the sample at exactly t is in the next bucket.
  auto in = valuesIn(gaugeSamples, t - 5 * kM, t);
  ASSERT_EQ(in.size(), 20u);
  double sum = 0;
  double min = in[0];
  double max = in[0];
  for (double v : in) {
    sum += v;
    min = std::min(min, v);
    max = std::max(max, v);
  }
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "sum_over_time(temp[5m])", t)), sum);
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "count_over_time(temp[5m])", t)), 20);
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "avg_over_time(temp[5m])", t)), sum / 20);
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "min_over_time(temp[5m])", t)), min);
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "max_over_time(temp[5m])", t)), max);
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "last_over_time(temp[5m])", t)), in.back());
  EXPECT_EQ(db.selectCalls, 0);
  EXPECT_GT(db.rollupCalls, 0);
  // Not aligned: t = 30m30s keeps the buckets from 26m to 30m (four).
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "count_over_time(temp[5m])", t + 30 * kS)), 16);
}

TEST_F(RollupTest, IncreaseAndRateSumBucketIncreases) {
  // Window [10m, 20m): 40 samples of +5, the first one's increase from the sample before.
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "increase(req_total[10m])", 20 * kM)), 200);
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "rate(req_total[10m])", 20 * kM)), 200.0 / 600);
  // Across the reset at 1 h: [55m, 65m) holds 20 samples of +5 (the first counted from the
  // sample before the window), the reset to 3, then 19 more of +5.
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "increase(req_total[10m])", 65 * kM)),
                   20 * 5 + 3 + 19 * 5);
  auto r = instantQuery(db, "rate(req_total[10m])", 20 * kM);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0], "answered from 1m rollups: windows are rounded to whole buckets");
  EXPECT_EQ(r->series[0].labels.str(), "{job=\"api\"}");
}

TEST_F(RollupTest, QuantileOverTimeMergesSketches) {
  // Gauge values cycle 0..6; the sketch answers within 1% of a true sample value.
  double q = single(instantQuery(db, "quantile_over_time(0.9, temp[1h])", 90 * kM));
  EXPECT_NEAR(q, 6, 6 * 0.011);
}

TEST_F(RollupTest, PlainSelectorTakesTheLastCompleteBucket) {
  // At 30m10s the latest complete bucket is [29m, 30m), whose last sample is at 29m45s.
  double expected = valuesIn(gaugeSamples, 29 * kM, 30 * kM).back();
  auto r = instantQuery(db, "temp", 30 * kM + 10 * kS);
  EXPECT_DOUBLE_EQ(single(r), expected);
  EXPECT_EQ(r->series[0].labels.str(), "temp{job=\"api\"}");
  // Long after the data: nothing within the lookback.
  EXPECT_EQ(show(instantQuery(db, "temp", 130 * kM)), "");
  EXPECT_EQ(db.selectCalls, 0);
}

TEST_F(RollupTest, OtherFunctionsAndOddRangesFallBackToRawSamples) {
  auto r = instantQuery(db, "irate(req_total[5m])", 20 * kM);
  EXPECT_DOUBLE_EQ(single(r), 5.0 / 15);
  EXPECT_EQ(db.selectCalls, 1);
  EXPECT_TRUE(r->warnings.empty());
  // 90 s is not a multiple of the 1 m buckets: raw, with Prometheus' closed window.
  EXPECT_DOUBLE_EQ(single(instantQuery(db, "count_over_time(temp[90s])", 20 * kM)), 7);
  EXPECT_EQ(db.selectCalls, 2);
  // Mixed: the rate from rollups, the irate from raw samples, one warning.
  auto mixed = instantQuery(db, "rate(req_total[5m]) - irate(req_total[5m])", 20 * kM);
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->warnings.size(), 1u);
  EXPECT_EQ(db.selectCalls, 3);
}

TEST_F(RollupTest, RangeQueriesWalkTheBuckets) {
  auto r = rangeQuery(db, "sum(rate(req_total[10m]))", 20 * kM, 50 * kM, 5 * kM);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->series.size(), 1u);
  ASSERT_EQ(r->series[0].points.size(), 7u);
  for (const auto& p : r->series[0].points)
    EXPECT_DOUBLE_EQ(p.v, 200.0 / 600);
  EXPECT_EQ(db.rollupCalls, 1);
}

}  // namespace
}  // namespace pharos::promql
