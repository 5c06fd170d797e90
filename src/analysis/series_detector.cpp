#include "analysis/series_detector.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pharos::analysis {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kWeek = 7 * kDay;

// Forecasters (rates are per point).
constexpr float kFastLevelRate = 0.2f;       // forecaster 0: tracks the level closely
constexpr float kSeasonalLevelRate = 0.02f;  // forecasters 1, 2: the profile carries the shape
constexpr float kProfileRate = 0.05f;        // a slot's learning rate once it has 20 visits
constexpr float kScaleRate = 0.02f;          // the robust error scale behind z
constexpr float kClip = 6.0f;  // an error beyond kClip scales updates the scale as kClip scales
constexpr double kSpreadFloor = 0.005;  // z's scale is at least this share of the series' spread

// The three signals, each in "units of anomaly" where kScoreScale is an even bet.
constexpr float kRangeContraction = 0.0001f;    // the value envelope forgets this per point
constexpr float kSurpriseContraction = 0.001f;  // the z envelope forgets this per point
constexpr double kRangeMargin = 0.3;     // beyond the envelope, this many error scales are free
constexpr double kRangeWeight = 100.0;   // per range-width beyond the envelope
constexpr double kSurpriseWeight = 3.0;  // per multiple of the largest recent z
constexpr double kShortRate = 0.1;       // short average of log(1 + z) ...
constexpr double kLongRate = 0.003;      // ... against its long-run mean and spread
constexpr double kMinSpread = 0.6;       // floor of that spread, in log(1 + z)
constexpr double kScoreScale = 3.0;

// Values are clamped to +-kMaxMagnitude (see observe()).
constexpr double kMaxMagnitude = 1e30;

// Points learned before any surprise is measured (the forecasters need a start).
constexpr std::uint64_t kSeedPoints = 10;

// Burst damping: a score that does not close kGapShare of the gap between the recent peak
// and 1 is multiplied by kDamp.
constexpr double kGapShare = 0.5;
constexpr double kDamp = 0.5;

std::int64_t floorMod(std::int64_t a, std::int64_t b) {
  std::int64_t m = a % b;
  return m < 0 ? m + b : m;
}

std::size_t dailySlot(std::int64_t t) {
  return static_cast<std::size_t>(floorMod(t, kDay) / (kDay / SeriesDetector::kDailySlots));
}
std::size_t weeklySlot(std::int64_t t) {
  return static_cast<std::size_t>(floorMod(t, kWeek) / (kWeek / SeriesDetector::kWeeklySlots));
}

}  // namespace

static_assert(sizeof(SeriesDetector) <= 2560, "the per-series memory bound in the header");

SeriesDetector::SeriesDetector(DetectorOptions options) : options_(options) {}

double SeriesDetector::surprise(std::int64_t t, double x) {
  // A floor on the scale, so a flat or perfectly periodic series does not turn rounding noise
  // into infinite surprise.
  double floor = std::max(1e-3 * static_cast<double>(absLevel_), kSpreadFloor * spread_) + 1e-9;
  float seasonal[3] = {0.0f, daily_[dailySlot(t)], weekly_[weeklySlot(t)]};
  std::int64_t age = t - firstSeconds_;
  bool eligible[3] = {true, age >= 2 * kDay, age >= 2 * kWeek};
  // The least surprised forecaster: a point that some model of the series expects is not
  // news (the level model explains slow drifts, the profiles explain daily/weekly peaks).
  double z = std::numeric_limits<double>::infinity();
  for (std::size_t m = 0; m < 3; ++m) {
    if (!eligible[m]) continue;
    const Forecaster& f = forecasters_[m];
    double error = x - (static_cast<double>(f.level) + seasonal[m]);
    z = std::min(z, std::fabs(error) / std::max(static_cast<double>(f.scale), floor));
  }
  return z;
}

void SeriesDetector::learn(std::int64_t t, double xd) {
  float x = static_cast<float>(xd);
  if (seen_ == 0) {
    firstSeconds_ = t;
    slowMean_ = x;
    absLevel_ = std::fabs(x);
    for (Forecaster& f : forecasters_)
      f.level = x;
  }
  float* slots[3] = {nullptr, &daily_[dailySlot(t)], &weekly_[weeklySlot(t)]};
  std::uint8_t* visits[3] = {nullptr, &dailyVisits_[dailySlot(t)], &weeklyVisits_[weeklySlot(t)]};
  for (std::size_t m = 0; m < 3; ++m) {
    Forecaster& f = forecasters_[m];
    float season = slots[m] ? *slots[m] : 0.0f;
    float error = std::fabs(x - (f.level + season));
    float clipped = f.scale > 0.0f ? std::min(error, kClip * f.scale) : error;
    f.scale += kScaleRate * (clipped - f.scale);
    float rate = m == 0 ? kFastLevelRate : kSeasonalLevelRate;
    // A slot seen for the first time knows nothing yet: the level must not absorb the shape.
    if (!visits[m] || *visits[m] > 0) f.level += rate * (x - season - f.level);
    if (slots[m]) {
      std::uint8_t& n = *visits[m];
      if (n < 255) ++n;
      float profileRate = std::max(kProfileRate, 1.0f / n);
      *slots[m] += profileRate * (x - f.level - *slots[m]);
    }
  }
  // The envelope contracts slowly towards the mean, so it forgets ranges of long ago.
  if (seen_ == 0) low_ = high_ = x;
  low_ = std::min(x, low_ + kRangeContraction * (slowMean_ - low_));
  high_ = std::max(x, high_ - kRangeContraction * (high_ - slowMean_));
  slowMean_ += 0.01f * (x - slowMean_);
  spread_ += 0.01f * (std::fabs(x - slowMean_) - spread_);
  absLevel_ += 0.01f * (std::fabs(x) - absLevel_);
  ++seen_;
}

void SeriesDetector::learnSurprise(double u, double rate) {
  double sd = std::sqrt(std::max(static_cast<double>(surpriseVar_), kMinSpread * kMinSpread));
  // Learns a clipped value, so one incident does not redefine normal.
  double delta = std::min(u, surpriseMean_ + 3.0 * sd) - surpriseMean_;
  surpriseMean_ += static_cast<float>(rate * delta);
  surpriseVar_ = static_cast<float>((1.0 - rate) * (surpriseVar_ + rate * delta * delta));
}

double SeriesDetector::rawScore(double value, double z) {
  // 1. The surprise is rare for this series: its short average against its long-run spread.
  double sd = std::sqrt(std::max(static_cast<double>(surpriseVar_), kMinSpread * kMinSpread));
  double rarity = std::max(0.0, (shortSurprise_ - surpriseMean_) / sd);
  // 2. The value is new territory: how far outside the envelope of values, in its widths.
  double width = std::max(static_cast<double>(high_ - low_), 1e-9 + 1e-3 * absLevel_);
  double margin = kRangeMargin * forecasters_[0].scale;
  double outside = (std::max({0.0, value - high_, low_ - value}) - margin) / width;
  double range = kRangeWeight * std::max(0.0, outside);
  // 3. The forecast error is new territory: beyond the largest z in recent memory.
  double beyond = z / std::max(zEnvelope_, 1.0f) - 1.0;
  double surprise = kSurpriseWeight * std::max(0.0, beyond);
  double a = std::max({rarity, range, surprise});
  if (!(a < 1e150)) a = 1e150;  // also NaN: keeps a * a finite and the score in [0, 1]
  return a * a / (a * a + kScoreScale * kScoreScale);
}

Score SeriesDetector::observe(std::int64_t unixSeconds, double value) {
  if (!std::isfinite(value)) return {};
  // The state is float: larger magnitudes would overflow it. No metric comes near this.
  value = std::clamp(value, -kMaxMagnitude, kMaxMagnitude);
  Score out;
  if (seen_ > kSeedPoints) {
    double z = surprise(unixSeconds, value);
    double u = std::log1p(z);
    shortSurprise_ += static_cast<float>(kShortRate * (u - shortSurprise_));
    if (seen_ < options_.warmupPoints) {
      // Seeds the surprise statistics quickly while the forecasters learn; no score yet.
      zEnvelope_ = std::max(static_cast<float>(z), zEnvelope_);
      learnSurprise(u, 0.05);
    } else {
      double raw = rawScore(value, z);
      zEnvelope_ = std::max(static_cast<float>(z), zEnvelope_ * (1.0f - kSurpriseContraction));
      learnSurprise(shortSurprise_, kLongRate);
      double previousPeak = peak_;
      double decay = std::exp(-1.0 / std::max<std::uint32_t>(options_.restPoints, 1));
      peak_ = static_cast<float>(std::max(raw, previousPeak * decay));
      out.score = raw > previousPeak + kGapShare * (1.0 - previousPeak) ? raw : raw * kDamp;
      out.flagged = out.score >= options_.flagThreshold;
    }
  }
  learn(unixSeconds, value);
  return out;
}

}  // namespace pharos::analysis
