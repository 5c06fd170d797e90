#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace pharos::analysis {

// The few knobs of the metric anomaly detector. The defaults are the same for every series;
// they are not meant to be tuned per series (an alarm rule picks its own `flagThreshold`).
struct DetectorOptions {
  // A point is flagged when its score is at least this. Lower = more sensitive. Near the best
  // single threshold for the NAB standard profile (0.18 with bench/nab_score.py), a bit
  // stricter because NAB charges little (0.11) for a false alarm.
  double flagThreshold = 0.25;
  // Points seen before any score is given: the detector only learns during them.
  std::uint32_t warmupPoints = 100;
  // After a high score, lesser scores are damped for about this many points, so one incident
  // yields one alert instead of a burst (the score decays back to normal after that).
  std::uint32_t restPoints = 75;
};

struct Score {
  double score = 0.0;  // in [0, 1]; higher = more anomalous
  bool flagged = false;
};

// An online anomaly detector for ONE metric series. Each point is scored from the points
// before it only (no look-ahead), then learned from.
//
// How: three forecasters run side by side, each an exponentially weighted level plus (for two
// of them) an additive seasonal profile indexed by the point's own timestamp: a fast level
// alone; level + time-of-day profile (288 slots of 5 min, eligible after two days); level +
// time-of-week profile (168 slots of 1 h, after two weeks). Each keeps a robust running scale
// of its errors; the surprise z is the smallest |error| / scale among the eligible ones, so a
// point that any model of the series expects is not news. Three signals, the strongest wins:
//   rarity   - a short average of log(1 + z) far above its own long-run mean and spread
//              (a self-calibrated likelihood, so noisy and quiet series score alike);
//   range    - the value is outside the slowly forgetting envelope of all values seen;
//   surprise - z is beyond the largest z of roughly the last thousand points.
// The strength maps monotonically to [0, 1); a score that does not close half the gap between
// the recent (decaying) peak and 1 is halved, so an incident scores highest at its onset.
// Profiles are indexed by wall time, so gaps and irregular sampling do not shift them; the fast
// level absorbs a persistent level shift within tens of points while the profiles survive it.
//
// Memory: fixed, no allocation; sizeof(SeriesDetector) <= 2.5 KiB (2376 bytes on x86-64; a
// static_assert holds it; the bench reports it). Not thread-safe: one detector per series.
class SeriesDetector {
 public:
  explicit SeriesDetector(DetectorOptions options = {});

  // Scores `value` at `unixSeconds`, then learns it. A non-finite value is skipped (score 0,
  // state unchanged), a magnitude beyond 1e30 is clamped; timestamps may be irregular, have
  // gaps, or repeat.
  Score observe(std::int64_t unixSeconds, double value);

  std::uint64_t pointsSeen() const { return seen_; }

  static constexpr std::size_t kDailySlots = 288;   // 5 minutes each
  static constexpr std::size_t kWeeklySlots = 168;  // 1 hour each

 private:
  struct Forecaster {
    float level = 0.0f;
    float scale = 0.0f;  // running mean absolute error (robust: large errors are clipped)
  };

  // z = |error| / scale of the least surprised forecaster, for `value` at `unixSeconds`.
  double surprise(std::int64_t unixSeconds, double value);
  // Combines the three signals of the header comment into [0, 1).
  double rawScore(double value, double z);
  void learnSurprise(double u, double rate);
  void learn(std::int64_t unixSeconds, double value);

  DetectorOptions options_;
  std::uint64_t seen_ = 0;
  std::int64_t firstSeconds_ = 0;
  float absLevel_ = 0.0f;  // running mean of |value|, for a scale floor on flat series
  float spread_ = 0.0f;    // running mean |value - slow mean|
  float slowMean_ = 0.0f;
  float peak_ = 0.0f;           // decaying recent peak of the raw score
  float shortSurprise_ = 0.0f;  // short running mean of log(1 + z)
  float surpriseMean_ = 0.0f;   // long-run mean and variance of shortSurprise_
  float surpriseVar_ = 0.0f;
  float zEnvelope_ = 0.0f;  // decaying maximum of z
  std::array<Forecaster, 3> forecasters_{};
  std::array<float, kDailySlots> daily_{};
  std::array<float, kWeeklySlots> weekly_{};
  // Visits per slot, saturating: a slot's first visits learn faster (1/visits).
  std::array<std::uint8_t, kDailySlots> dailyVisits_{};
  std::array<std::uint8_t, kWeeklySlots> weeklyVisits_{};
  float low_ = 0.0f;  // decaying envelope of the values seen: new territory is news
  float high_ = 0.0f;
};

}  // namespace pharos::analysis
