#include "analysis/series_detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace pharos::analysis {
namespace {

constexpr std::int64_t kStart = 1396310400;  // 2014-04-01 00:00:00 UTC, a Tuesday
constexpr std::int64_t kStep = 300;          // 5 minutes

// Gaussian noise around `level`, deterministic.
std::vector<double> noise(std::size_t n, double level, double sd, unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(level, sd);
  std::vector<double> values(n);
  for (double& v : values)
    v = dist(rng);
  return values;
}

std::vector<Score> run(const std::vector<double>& values, DetectorOptions options = {}) {
  SeriesDetector detector(options);
  std::vector<Score> scores;
  for (std::size_t i = 0; i < values.size(); ++i) {
    scores.push_back(detector.observe(kStart + kStep * static_cast<std::int64_t>(i), values[i]));
  }
  return scores;
}

double maxScore(const std::vector<Score>& scores, std::size_t from, std::size_t to) {
  double best = 0.0;
  for (std::size_t i = from; i < to; ++i)
    best = std::max(best, scores[i].score);
  return best;
}

bool anyFlag(const std::vector<Score>& scores, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (scores[i].flagged) return true;
  }
  return false;
}

TEST(SeriesDetectorTest, SpikeInNoiseIsFlagged) {
  std::vector<double> values = noise(2000, 50.0, 1.0);
  values[1500] = 70.0;
  std::vector<Score> scores = run(values);
  EXPECT_TRUE(scores[1500].flagged) << scores[1500].score;
  EXPECT_FALSE(anyFlag(scores, 0, 1500));
  EXPECT_LT(maxScore(scores, 0, 1500), scores[1500].score);
  for (const Score& s : scores) {
    EXPECT_GE(s.score, 0.0);
    EXPECT_LE(s.score, 1.0);
  }
}

TEST(SeriesDetectorTest, LevelShiftIsFlaggedThenRelearned) {
  std::vector<double> values = noise(4000, 50.0, 1.0);
  for (std::size_t i = 1500; i < values.size(); ++i)
    values[i] += 30.0;
  std::vector<Score> scores = run(values);
  EXPECT_FALSE(anyFlag(scores, 0, 1500));
  EXPECT_TRUE(anyFlag(scores, 1500, 1505)) << "the shift is flagged at once";
  // Once the new level has persisted, it is normal again.
  EXPECT_FALSE(anyFlag(scores, 2500, 4000));
  EXPECT_LT(maxScore(scores, 2500, 4000), 0.3);
}

// 10, plus 40 from 12:00 to 15:00 every day, plus noise.
TEST(SeriesDetectorTest, DailySeasonalityIsLearned) {
  const std::size_t perDay = 288;
  std::vector<double> values = noise(12 * perDay, 0.0, 1.0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::size_t minute = (i % perDay) * 5;
    values[i] += 10.0 + (minute >= 12 * 60 && minute < 15 * 60 ? 40.0 : 0.0);
  }
  // Day 11 at 03:00: the same peak, at the wrong hour.
  std::size_t wrong = 11 * perDay + 36;
  for (std::size_t i = wrong; i < wrong + 12; ++i)
    values[i] += 40.0;
  std::vector<Score> scores = run(values);
  // After a few days the daily peak is expected: days 5-10 flag nothing.
  EXPECT_FALSE(anyFlag(scores, 5 * perDay, 11 * perDay))
      << maxScore(scores, 5 * perDay, 11 * perDay);
  EXPECT_TRUE(anyFlag(scores, wrong, wrong + 3)) << maxScore(scores, wrong, wrong + 3);
}

// A spike that stays inside the daily range but comes at the wrong time of day: only the
// seasonal forecasters expect something else.
TEST(SeriesDetectorTest, SpikeInSeasonalSeriesIsFlagged) {
  const std::size_t perDay = 288;
  std::vector<double> values = noise(10 * perDay, 0.0, 0.5, 13);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] += 50.0 + 20.0 * std::sin(static_cast<double>(i % perDay) / perDay * 2.0 * M_PI);
  }
  // Day 9 at 18:00, the trough (30), jumps to the daily peak (70) for three points.
  std::size_t at = 9 * perDay + 216;
  for (std::size_t i = at; i < at + 3; ++i)
    values[i] = 70.0;
  std::vector<Score> scores = run(values);
  EXPECT_FALSE(anyFlag(scores, 3 * perDay, at)) << maxScore(scores, 3 * perDay, at);
  EXPECT_TRUE(anyFlag(scores, at, at + 3)) << maxScore(scores, at, at + 3);
}

// A shift to a level the series has visited before (as a spike), so the value envelope does not
// see it. The fast level absorbs it within a few points; the slow forecasters stay surprised.
TEST(SeriesDetectorTest, SustainedShiftInsideTheSeenRangeIsFlagged) {
  std::vector<double> values = noise(4000, 17.0, 0.5, 17);
  for (std::size_t i = 300; i < 2000; i += 400)
    values[i] = 60.0;
  for (std::size_t i = 3000; i < values.size(); ++i)
    values[i] += 20.0;
  std::vector<Score> scores = run(values);
  EXPECT_FALSE(anyFlag(scores, 2200, 3000)) << maxScore(scores, 2200, 3000);
  EXPECT_TRUE(anyFlag(scores, 3000, 3030)) << maxScore(scores, 3000, 3030);
  int flags = 0;
  for (std::size_t i = 3000; i < 3200; ++i)
    flags += scores[i].flagged ? 1 : 0;
  EXPECT_LE(flags, 3) << "the onset flags, its slower rise and its tail do not";
  // Then it is the new normal.
  EXPECT_FALSE(anyFlag(scores, 3200, 4000)) << maxScore(scores, 3200, 4000);
}

// The series steps 0, 10, 20, 10, 0, ... and then for 40 points jumps 0, 20, 0, 20: every value
// has been seen, and the forecast errors are no larger than usual, but the order is new. Only
// the sequence signal sees it; it is weaker evidence than a forecast error, so this asserts the
// score, not the flag: far above anything in the routine part.
TEST(SeriesDetectorTest, NewOrderOfKnownValuesScoresHigh) {
  const double cycle[4] = {0.0, 10.0, 20.0, 10.0};
  std::vector<double> values = noise(5000, 0.0, 0.3, 23);
  for (std::size_t i = 0; i < values.size(); ++i) {
    bool changed = i >= 4000 && i < 4040;
    values[i] += changed ? (i % 2 == 1 ? 20.0 : 0.0) : cycle[i % 4];
  }
  std::vector<Score> scores = run(values);
  double routine = maxScore(scores, 2000, 4000);
  double changed = maxScore(scores, 4000, 4040);
  EXPECT_FALSE(anyFlag(scores, 2000, 4000)) << routine;
  EXPECT_GT(changed, 5.0 * routine) << changed << " vs " << routine;
  EXPECT_GT(changed, 0.15);
}

// A series that idles at exactly 0 for 30 points now and then, and otherwise varies. A stretch
// of 0 longer than any before is news, once: at its 31st point, when it becomes the longest.
TEST(SeriesDetectorTest, FlatLineLongerThanEverIsFlaggedOnce) {
  std::vector<double> values = noise(3000, 50.0, 5.0, 3);
  for (std::size_t start = 200; start < 2000; start += 300) {
    for (std::size_t i = start; i < start + 30; ++i)
      values[i] = 0.0;
  }
  for (std::size_t i = 2200; i < 2500; ++i)
    values[i] = 0.0;
  std::vector<Score> scores = run(values);
  // Idle stretches of the usual length, and the first 30 points of the long one, are routine.
  EXPECT_FALSE(anyFlag(scores, 1000, 2230)) << maxScore(scores, 1000, 2230);
  EXPECT_TRUE(scores[2230].flagged) << scores[2230].score;
  EXPECT_FALSE(anyFlag(scores, 2231, 2500)) << maxScore(scores, 2231, 2500);
}

// Flat stretches are the norm in a square wave: stretches as long as the longest before are
// not news, and a series that never changed has no flat line to break.
TEST(SeriesDetectorTest, RoutineFlatStretchesAreNotFlagged) {
  std::vector<double> square(5000);
  for (std::size_t i = 0; i < square.size(); ++i)
    square[i] = (i / 40) % 2 == 0 ? 10.0 : 20.0;
  std::vector<Score> scores = run(square);
  EXPECT_FALSE(anyFlag(scores, 500, square.size())) << maxScore(scores, 500, square.size());
  std::vector<double> constant(3000, 7.0);
  scores = run(constant);
  EXPECT_FALSE(anyFlag(scores, 0, constant.size())) << maxScore(scores, 0, constant.size());
}

TEST(SeriesDetectorTest, GapsAndIrregularTimestampsDoNotFlagByThemselves) {
  std::mt19937 rng(3);
  std::normal_distribution<double> dist(0.0, 1.0);
  std::uniform_int_distribution<int> jitter(-40, 40);
  SeriesDetector detector;
  std::int64_t t = kStart;
  bool flagged = false;
  double worst = 0.0;
  for (int i = 0; i < 6000; ++i) {
    t += kStep + jitter(rng);
    if (i == 2000) t += 6 * 3600;   // six hours missing
    if (i == 4000) t += 3 * 86400;  // three days missing
    double minuteOfDay = static_cast<double>((t % 86400) / 60);
    double value = 100.0 + 20.0 * std::sin(minuteOfDay / 1440.0 * 2.0 * M_PI) + dist(rng);
    Score s = detector.observe(t, value);
    if (i >= 300) {
      flagged = flagged || s.flagged;
      worst = std::max(worst, s.score);
    }
  }
  EXPECT_FALSE(flagged) << worst;
  // Repeated and out-of-order timestamps are points like any other.
  Score repeated = detector.observe(t, 100.0);
  Score backwards = detector.observe(t - 86400, 100.0);
  EXPECT_TRUE(std::isfinite(repeated.score));
  EXPECT_TRUE(std::isfinite(backwards.score));
}

TEST(SeriesDetectorTest, NonFiniteValuesAreSkipped) {
  std::vector<double> values = noise(500, 5.0, 0.5);
  SeriesDetector a;
  SeriesDetector b;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::int64_t t = kStart + kStep * static_cast<std::int64_t>(i);
    if (i % 50 == 0) {
      Score s = a.observe(t, std::numeric_limits<double>::quiet_NaN());
      EXPECT_EQ(s.score, 0.0);
      EXPECT_FALSE(a.observe(t, std::numeric_limits<double>::infinity()).flagged);
    }
    EXPECT_EQ(a.observe(t, values[i]).score, b.observe(t, values[i]).score);
  }
  EXPECT_EQ(a.pointsSeen(), values.size());
}

TEST(SeriesDetectorTest, HugeMagnitudesKeepScoresInRange) {
  // Found by fuzz/nab_csv_fuzz: values near the float limit once made the score NaN.
  SeriesDetector detector;
  for (int i = 0; i < 400; ++i) {
    double value = i % 3 == 0 ? 1e31 : (i % 3 == 1 ? -1e300 : 0.0);
    Score s = detector.observe(kStart + kStep * i, value);
    ASSERT_TRUE(s.score >= 0.0 && s.score <= 1.0) << i << " " << s.score;
  }
}

TEST(SeriesDetectorTest, MemoryIsBoundedAndConstant) {
  static_assert(sizeof(SeriesDetector) <= 4096, "under 4 KiB per series");
  SeriesDetector detector;
  std::mt19937 rng(11);
  std::normal_distribution<double> dist(0.0, 1.0);
  double sum = 0.0;
  for (std::int64_t i = 0; i < 1'000'000; ++i) {
    // Trend, daily wave, noise and occasional spikes and shifts.
    double value = 1e-5 * static_cast<double>(i) + 10.0 * std::sin(static_cast<double>(i) / 288.0) +
                   dist(rng) + (i % 9973 == 0 ? 50.0 : 0.0) + (i > 500'000 ? 100.0 : 0.0);
    Score s = detector.observe(kStart + kStep * i, value);
    ASSERT_TRUE(s.score >= 0.0 && s.score <= 1.0) << i;
    sum += s.score;
  }
  EXPECT_EQ(detector.pointsSeen(), 1'000'000u);
  EXPECT_TRUE(std::isfinite(sum));
  // The whole state is the object: no heap, so its size is all there is.
  EXPECT_LE(sizeof(detector), 3072u);
}

TEST(SeriesDetectorTest, NoLookAhead) {
  std::vector<double> values = noise(3000, 20.0, 2.0, 5);
  for (std::size_t i = 1000; i < 1100; ++i)
    values[i] += 15.0;
  values[2000] = -40.0;
  std::vector<Score> full = run(values);
  for (std::size_t cut : {150u, 1001u, 1999u, 2001u}) {
    std::vector<double> prefix(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<Score> partial = run(prefix);
    for (std::size_t i = 0; i < cut; ++i) {
      ASSERT_EQ(partial[i].score, full[i].score) << "row " << i << " cut " << cut;
      ASSERT_EQ(partial[i].flagged, full[i].flagged);
    }
  }
}

TEST(SeriesDetectorTest, SensitivityMovesTheFlagOnly) {
  std::vector<double> values = noise(2000, 50.0, 1.0);
  values[1500] = 60.0;
  DetectorOptions strict;
  strict.flagThreshold = 0.999;
  std::vector<Score> normal = run(values);
  std::vector<Score> fewer = run(values, strict);
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(normal[i].score, fewer[i].score);
    EXPECT_EQ(fewer[i].flagged, fewer[i].score >= 0.999);
  }
}

}  // namespace
}  // namespace pharos::analysis
