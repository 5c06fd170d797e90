#include "metrics/rollup_chunk.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/varint.h"

namespace pharos::metrics {
namespace {

constexpr std::int64_t kMinute = 60000;
constexpr std::int64_t kStart = 1700000040000;

std::uint64_t bitsOf(double v) {
  return std::bit_cast<std::uint64_t>(v);
}

void expectSamePoints(const std::vector<RollupPoint>& got, const std::vector<RollupPoint>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("point " + std::to_string(i));
    EXPECT_EQ(got[i].t, want[i].t);
    EXPECT_EQ(got[i].count, want[i].count);
    EXPECT_EQ(bitsOf(got[i].sum), bitsOf(want[i].sum));
    EXPECT_EQ(bitsOf(got[i].min), bitsOf(want[i].min));
    EXPECT_EQ(bitsOf(got[i].max), bitsOf(want[i].max));
    EXPECT_EQ(bitsOf(got[i].last), bitsOf(want[i].last));
    EXPECT_EQ(bitsOf(got[i].increase), bitsOf(want[i].increase));
    EXPECT_TRUE(got[i].sketch == want[i].sketch);
  }
}

void expectRoundTrip(const std::vector<RollupPoint>& points) {
  auto decoded = decodeRollups(encodeRollups(points));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  expectSamePoints(*decoded, points);
}

// Minute rollups of a latency-like series: four samples a minute.
std::vector<RollupPoint> minuteRollups(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> latency(-3, 1);
  std::vector<RollupPoint> points;
  for (int i = 0; i < n; ++i) {
    RollupPoint p;
    p.t = kStart + i * kMinute;
    p.count = 4;
    p.min = std::numeric_limits<double>::infinity();
    p.max = -p.min;
    for (int j = 0; j < 4; ++j) {
      double v = latency(rng);
      p.sum += v;
      p.min = std::min(p.min, v);
      p.max = std::max(p.max, v);
      p.last = v;
      p.sketch.add(v);
    }
    p.increase = std::round(p.sum * 1000);
    points.push_back(p);
  }
  return points;
}

TEST(RollupChunkTest, RoundTripsPointsWithSketches) {
  expectRoundTrip(minuteRollups(60, 1));
  expectRoundTrip(minuteRollups(1, 2));
  expectRoundTrip(minuteRollups(2, 3));
  expectRoundTrip({});
}

TEST(RollupChunkTest, RoundTripsSpecialValuesAndAnyTimestamps) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  const double nan = std::bit_cast<double>(std::uint64_t{0x7ff0000000000002});
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<RollupPoint> points(5);
  std::int64_t times[] = {kMin, -1, 0, kMax, 5};  // out of order too: the caller's business
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].t = times[i];
    points[i].count = i == 3 ? std::numeric_limits<std::uint64_t>::max() : i;
    points[i].sum = i % 2 ? nan : -0.0;
    points[i].min = -inf;
    points[i].max = inf;
    points[i].last = static_cast<double>(i) * 1e300;
    points[i].increase = std::numeric_limits<double>::quiet_NaN();
    points[i].sketch.add(-static_cast<double>(i), i + 1);
    points[i].sketch.add(0);
  }
  expectRoundTrip(points);
}

TEST(RollupChunkTest, RegularBucketsCostOneBitPerTimestamp) {
  constexpr int kPoints = 2 + 8 * 50;
  std::string bytes = encodeRollups(minuteRollups(kPoints, 4));
  std::string_view in = bytes;
  ASSERT_EQ(in[0], 1);  // version
  in.remove_prefix(1);
  std::uint64_t n = 0, timestampBytes = 0;
  ASSERT_TRUE(getVarint(in, n));
  ASSERT_TRUE(getVarint(in, timestampBytes));
  EXPECT_EQ(n, static_cast<std::uint64_t>(kPoints));
  // Varint of the first timestamp (6 bytes), of the minute interval (3 bytes), then 1 bit
  // per point.
  EXPECT_EQ(timestampBytes, 6u + 3 + (kPoints - 2) / 8);
}

TEST(RollupChunkTest, EveryTruncationIsAnError) {
  std::string bytes = encodeRollups(minuteRollups(20, 5));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = decodeRollups(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(decoded.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(decoded.error().code, ErrorCode::kDataLoss);
  }
}

TEST(RollupChunkTest, RejectsBadVersionTrailingBytesAndImpossibleCounts) {
  std::string bytes = encodeRollups(minuteRollups(3, 6));
  std::string badVersion = bytes;
  badVersion[0] = 9;
  EXPECT_FALSE(decodeRollups(badVersion).ok());
  EXPECT_FALSE(decodeRollups(bytes + '\0').ok());
  // A point count far beyond what the input could hold is refused before allocating.
  std::string huge(1, '\1');
  putVarint(huge, std::uint64_t{1} << 60);
  huge += bytes.substr(2);
  auto decoded = decodeRollups(huge);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("cannot fit"), std::string::npos);
}

TEST(RollupChunkTest, CorruptedBytesNeverCrash) {
  std::mt19937_64 rng(7);
  const std::string clean = encodeRollups(minuteRollups(30, 8));
  int errors = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bytes = clean;
    for (int flips = 1 + trial % 3; flips > 0; --flips)
      bytes[rng() % bytes.size()] ^= static_cast<char>(1 << (rng() % 8));
    if (!decodeRollups(bytes).ok()) ++errors;
  }
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace pharos::metrics
