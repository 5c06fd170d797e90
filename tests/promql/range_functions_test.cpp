#include "promql/range_functions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace pharos::promql {
namespace {

constexpr std::int64_t kS = 1000;

TEST(RangeFunctionsTest, RateExtrapolatesToTheWindowEdges) {
  // Samples every 15 s from 15 s to 60 s, window [0, 60 s]: the start gap (15 s) is under
  // 1.1 x the average interval, so the rate extrapolates all the way: 30 * 60/45 / 60.
  std::vector<Sample> s = {{15 * kS, 10}, {30 * kS, 20}, {45 * kS, 30}, {60 * kS, 40}};
  EXPECT_DOUBLE_EQ(*extrapolatedRate(s, 0, 60 * kS, 60 * kS, true, true), 30.0 * 60 / 45 / 60);
  EXPECT_DOUBLE_EQ(*extrapolatedRate(s, 0, 60 * kS, 60 * kS, true, false), 40.0);
}

TEST(RangeFunctionsTest, CounterResetsAddThePreviousValue) {
  std::vector<Sample> s = {{0, 5}, {15 * kS, 10}, {30 * kS, 2}, {45 * kS, 6}, {60 * kS, 9}};
  // 9 - 5 + 10 (the reset at 30 s); the samples cover the window exactly.
  EXPECT_DOUBLE_EQ(*extrapolatedRate(s, 0, 60 * kS, 60 * kS, true, false), 14.0);
  EXPECT_DOUBLE_EQ(*extrapolatedRate(s, 0, 60 * kS, 60 * kS, true, true), 14.0 / 60);
  // delta() does not treat the drop as a reset.
  EXPECT_DOUBLE_EQ(*extrapolatedRate(s, 0, 60 * kS, 60 * kS, false, false), 4.0);
}

TEST(RangeFunctionsTest, CountersAreNotExtrapolatedBelowZero) {
  // From 1 to 21 over 30 s: at the same slope the counter was 0 1.5 s before the first
  // sample, so the start extrapolates by 1.5 s, not by half an interval: 20 * 31.5/30 = 21.
  std::vector<Sample> s = {{30 * kS, 1}, {45 * kS, 11}, {60 * kS, 21}};
  EXPECT_DOUBLE_EQ(*extrapolatedRate(s, 0, 60 * kS, 60 * kS, true, false), 21.0);
  // A gauge (delta) takes half an average interval at the far edge: 20 * 37.5/30 = 25.
  EXPECT_DOUBLE_EQ(*extrapolatedRate(s, 0, 60 * kS, 60 * kS, false, false), 25.0);
}

TEST(RangeFunctionsTest, RateNeedsTwoSamples) {
  std::vector<Sample> one = {{0, 1}};
  EXPECT_FALSE(extrapolatedRate(one, 0, 60 * kS, 60 * kS, true, true).has_value());
  EXPECT_FALSE(instantRate(one).has_value());
}

TEST(RangeFunctionsTest, InstantRateUsesTheLastTwoSamples) {
  std::vector<Sample> s = {{0, 1}, {10 * kS, 5}, {15 * kS, 20}};
  EXPECT_DOUBLE_EQ(*instantRate(s), 3.0);
  std::vector<Sample> reset = {{0, 1}, {10 * kS, 50}, {20 * kS, 10}};
  EXPECT_DOUBLE_EQ(*instantRate(reset), 1.0);  // after a reset: the new value over 10 s
}

TEST(RangeFunctionsTest, OverTimeReductions) {
  std::vector<Sample> s = {{0, 4}, {1, 1}, {2, 3}, {3, 2}};
  EXPECT_DOUBLE_EQ(avgOverTime(s), 2.5);
  EXPECT_DOUBLE_EQ(sumOverTime(s), 10);
  EXPECT_DOUBLE_EQ(minOverTime(s), 1);
  EXPECT_DOUBLE_EQ(maxOverTime(s), 4);
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  std::vector<Sample> withNaN = {{0, nan}, {1, 2}};
  EXPECT_DOUBLE_EQ(minOverTime(withNaN), 2);  // a NaN first value is replaced
  std::vector<Sample> infinite = {{0, inf}, {1, 2}, {2, inf}};
  EXPECT_EQ(avgOverTime(infinite), inf);
  std::vector<Sample> huge = {{0, 1e308}, {1, 1e308}};
  EXPECT_DOUBLE_EQ(avgOverTime(huge), 1e308);  // no overflow
}

TEST(RangeFunctionsTest, QuantileInterpolatesLinearly) {
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(quantile(0.5, v), 2.5);
  EXPECT_DOUBLE_EQ(quantile(0.25, v), 1.75);
  EXPECT_DOUBLE_EQ(quantile(0, v), 1);
  EXPECT_DOUBLE_EQ(quantile(1, v), 4);
  EXPECT_EQ(quantile(-0.1, v), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(quantile(1.1, v), std::numeric_limits<double>::infinity());
  std::vector<double> empty;
  EXPECT_TRUE(std::isnan(quantile(0.5, empty)));
}

TEST(RangeFunctionsTest, BucketQuantileLikePrometheus) {
  auto buckets = [] {
    return std::vector<Bucket>{
        {1, 40}, {0.1, 10}, {std::numeric_limits<double>::infinity(), 50}, {0.5, 30}};
  };
  auto b = buckets();
  EXPECT_DOUBLE_EQ(bucketQuantile(0.5, b), 0.4);  // rank 25: 0.1 + 0.4 * 15/20
  b = buckets();
  EXPECT_DOUBLE_EQ(bucketQuantile(0.05, b), 0.025);  // rank 2.5 in the first bucket
  b = buckets();
  EXPECT_DOUBLE_EQ(bucketQuantile(0.99, b), 1);  // in +Inf: the highest finite bound
  b = buckets();
  EXPECT_EQ(bucketQuantile(-1, b), -std::numeric_limits<double>::infinity());
  std::vector<Bucket> noInf = {{0.1, 1}, {1, 2}};
  EXPECT_TRUE(std::isnan(bucketQuantile(0.5, noInf)));
  std::vector<Bucket> onlyInf = {{std::numeric_limits<double>::infinity(), 5}};
  EXPECT_TRUE(std::isnan(bucketQuantile(0.5, onlyInf)));
  std::vector<Bucket> noObservations = {{1, 0}, {std::numeric_limits<double>::infinity(), 0}};
  EXPECT_TRUE(std::isnan(bucketQuantile(0.5, noObservations)));
  // A count that drops with the bound is raised to the previous one: 0.5's 25 becomes 30.
  std::vector<Bucket> nonMonotonic = {
      {0.1, 30}, {0.5, 25}, {1, 40}, {std::numeric_limits<double>::infinity(), 40}};
  EXPECT_DOUBLE_EQ(bucketQuantile(0.875, nonMonotonic), 0.75);  // rank 35: 0.5 + 0.5 * 5/10
  // Equal bounds merge.
  std::vector<Bucket> dup = {
      {1, 5}, {1, 5}, {2, 20}, {std::numeric_limits<double>::infinity(), 20}};
  EXPECT_DOUBLE_EQ(bucketQuantile(0.25, dup), 0.5);  // rank 5 in [0, 1] of count 10
  // A first bucket with a bound <= 0 answers its bound.
  std::vector<Bucket> negative = {{-1, 10}, {std::numeric_limits<double>::infinity(), 20}};
  EXPECT_DOUBLE_EQ(bucketQuantile(0.25, negative), -1);
}

}  // namespace
}  // namespace pharos::promql
