#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace pharos::analysis {

// The few knobs of the metric anomaly detector. The defaults are the same for every series;
// they are not meant to be tuned per series (an alarm rule picks its own `flagThreshold`).
struct DetectorOptions {
  // A point is flagged when its score is at least this. Lower = more sensitive. Above the best
  // single threshold of bench/nab_score.py (0.13 for both NAB's standard and its
  // low-false-positive profile): NAB charges little (0.11) for a false alarm, people more.
  double flagThreshold = 0.2;
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
// alone; a slow level + time-of-day profile (288 slots of 5 min); a slow level + time-of-week
// profile (168 slots of 1 h, after two weeks). Each keeps a robust running scale of its
// errors, and z = |error| / scale. Three surprise streams are measured per point:
//   fast     - the smallest z of the eligible forecasters (the daily one after two days), so a
//              point that any model of the series expects is not news;
//   slow     - the smallest z of the two slow-level forecasters: the fast level absorbs a level
//              shift within a few points, these stay surprised for tens of points;
//   sequence - -log P(value bin | previous value bin), from first-order transition counts
//              between 16 bins of the value envelope: known values in a new order (a spike
//              where spikes never came, steps skipped) are news even when no value is.
// Each stream becomes a self-calibrated likelihood, its "rarity": a short average of the
// stream (log(1 + z) for the first two) in units of its own long-run spread above its own
// long-run mean, so noisy and quiet series score alike. The score is the strongest of the
// rarities and of three single-point signals: "range", the value is outside the slowly
// forgetting envelope of all values seen, discounted by how often the series has left its
// envelope lately (a spiky series is less surprised by a new spike); "surprise", the fast z is
// beyond the largest fast z of roughly the last thousand points; "flat line", the value has
// stayed exactly the same for longer than any stretch before, in a series that used to change
// (once per stretch). The strength maps monotonically to [0, 1); a score that does not
// close half the gap between the recent (decaying) peak and 1 is halved and multiplied by that
// gap, so an incident scores highest at its onset and its tail adds little. A score that is
// still rising quickly is still the onset: it is judged against the peak from before the rise;
// a score creeping up is judged against most of the recent peak, so a creep flags once.
// Profiles are indexed by wall time, so gaps and irregular sampling do not shift them.
//
// Memory: fixed, no allocation; sizeof(SeriesDetector) <= 3 KiB (2688 bytes on x86-64; a
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

  // z = |error| / scale of the least surprised forecaster, over the eligible ones (fast) and
  // over the two slow-level ones (slow), for `value` at `unixSeconds`.
  struct Surprise {
    double fast;
    double slow;
  };
  Surprise surprise(std::int64_t unixSeconds, double value) const;
  // The bin of `value` in the value envelope, and the surprise -log P(bin | previous bin),
  // which also learns the transition.
  std::uint8_t valueBin(double value) const;
  double transitionSurprise(std::uint8_t bin);
  // Combines the signals of the header comment into [0, 1).
  double rawScore(double value, double fastZ) const;
  void learn(std::int64_t unixSeconds, double value);

  // A self-calibrated likelihood of one surprise stream: a short running mean of the stream,
  // measured in long-run spreads of that mean above its long-run mean.
  struct Rarity {
    float shortMean = 0.0f;
    float mean = 0.0f;
    float var = 0.0f;
    void learn(double u, double rate);
    double value() const;
  };
  enum Stream : std::size_t { kFast, kSlow, kSequence, kStreams };
  static constexpr std::size_t kBins = 16;

  DetectorOptions options_;
  std::uint64_t seen_ = 0;
  std::int64_t firstSeconds_ = 0;
  float absLevel_ = 0.0f;  // running mean of |value|, for a scale floor on flat series
  float spread_ = 0.0f;    // running mean |value - slow mean|
  float slowMean_ = 0.0f;
  float peak_ = 0.0f;       // decaying recent peak of the raw score
  float zEnvelope_ = 0.0f;  // decaying maximum of the fast z
  float lastRaw_ = 0.0f;    // the raw score of the previous point
  float riseBase_ = 0.0f;   // the decaying peak from before the current rise of the raw score
  std::array<Rarity, kStreams> rarity_{};
  std::array<Forecaster, 3> forecasters_{};
  std::array<float, kDailySlots> daily_{};
  std::array<float, kWeeklySlots> weekly_{};
  // Visits per slot, saturating: a slot's first visits learn faster (1/visits).
  std::array<std::uint8_t, kDailySlots> dailyVisits_{};
  std::array<std::uint8_t, kWeeklySlots> weeklyVisits_{};
  // Transition counts between value bins, [from][to]; a row is halved before it overflows.
  std::array<std::array<std::uint8_t, kBins>, kBins> transitions_{};
  std::uint8_t lastBin_ = 0;
  float low_ = 0.0f;  // decaying envelope of the values seen: new territory is news
  float high_ = 0.0f;
  float breaks_ = 0.0f;  // decaying count of the points that left the envelope
  // Flat-line state: the last value, the points since it last changed, the longest such
  // stretch that has ended, and the changes seen (saturating; a flat line needs a varied past).
  float lastValue_ = 0.0f;
  std::uint32_t run_ = 0;
  std::uint32_t maxRun_ = 0;
  std::uint32_t changes_ = 0;
};

}  // namespace pharos::analysis
