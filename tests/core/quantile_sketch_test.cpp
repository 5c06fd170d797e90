#include "core/quantile_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace pharos {
namespace {

double exactQuantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::llround(q * static_cast<double>(values.size() - 1)));
  return values[rank];
}

TEST(QuantileSketchTest, QuantilesAreWithinTheRelativeAccuracy) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(3.0, 1.2);
  std::vector<double> values;
  QuantileSketch sketch;
  for (int i = 0; i < 100000; ++i) {
    double v = latency(rng) * (i % 10 == 0 ? -1 : 1);
    values.push_back(v);
    sketch.add(v);
  }
  for (double q : {0.0, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    double exact = exactQuantile(values, q);
    EXPECT_NEAR(sketch.quantile(q), exact, std::fabs(exact) * 0.0101) << "q=" << q;
  }
  EXPECT_EQ(sketch.count(), 100000u);
}

TEST(QuantileSketchTest, MergeEqualsAddingEverythingToOne) {
  QuantileSketch all, a, b;
  for (int i = 0; i < 1000; ++i) {
    double v = i * 0.37 - 50;
    all.add(v);
    (i % 3 ? a : b).add(v);
  }
  a.merge(b);
  EXPECT_EQ(a, all);
  EXPECT_EQ(a.quantile(0.5), all.quantile(0.5));
}

TEST(QuantileSketchTest, EdgeCasesFollowPrometheus) {
  QuantileSketch sketch;
  EXPECT_TRUE(std::isnan(sketch.quantile(0.5)));
  sketch.add(std::nan(""));
  EXPECT_TRUE(sketch.empty());
  sketch.add(0);
  sketch.add(5);
  EXPECT_EQ(sketch.quantile(-1), -INFINITY);
  EXPECT_EQ(sketch.quantile(2), INFINITY);
  EXPECT_EQ(sketch.quantile(0), 0);
  sketch.add(INFINITY);
  EXPECT_GT(sketch.quantile(1), 1e300);
}

TEST(QuantileSketchTest, MemoryStaysBoundedByCollapsingTheLowestBuckets) {
  QuantileSketch sketch;
  for (int i = -300; i < 300; ++i)
    sketch.add(std::pow(10.0, i));
  EXPECT_LE(sketch.serialize().size(), QuantileSketch::kMaxBuckets * 6 + 16);
  EXPECT_NEAR(sketch.quantile(1), 1e299, 1e299 * 0.0101);
  EXPECT_EQ(sketch.count(), 600u);
}

TEST(QuantileSketchTest, SerializationRoundTripsAndRejectsGarbage) {
  QuantileSketch sketch;
  for (int i = 0; i < 500; ++i)
    sketch.add(i % 7 == 0 ? -i : i);
  auto back = QuantileSketch::deserialize(sketch.serialize());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, sketch);
  std::string bytes = sketch.serialize();
  EXPECT_FALSE(QuantileSketch::deserialize(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_FALSE(QuantileSketch::deserialize(bytes + "x").ok());
  EXPECT_FALSE(QuantileSketch::deserialize("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff").ok());
  EXPECT_TRUE(QuantileSketch::deserialize(QuantileSketch().serialize()).ok());
}

}  // namespace
}  // namespace pharos
