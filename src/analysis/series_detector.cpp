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

// The signals, each in "units of anomaly" where kScoreScale is an even bet.
constexpr float kRangeContraction = 0.0001f;  // the value envelope forgets this per point
constexpr double kRangeMargin = 0.3;    // beyond the envelope, this many error scales are free
constexpr double kRangeWeight = 100.0;  // per range-width beyond the envelope
// A series that often leaves its envelope (spiky, trending) is less surprised when it does:
// the range signal is divided by 1 + breaks / kBreakDiscount, where breaks is a count of
// envelope breaks forgetting kBreakForget per point (about the last thousand points). On NAB
// this removes false alarms on spiky series (discounts of 30 to 300 swept; 60 to 100 best).
constexpr float kBreakForget = 0.001f;
constexpr double kBreakDiscount = 60.0;
// Flat line: the value has not changed for longer than any flat stretch before (and for at
// least kMinFlatRun points), in a series that has changed at least kFlatHistory times. It
// fires once, at the point the stretch becomes the longest, with strength kFlatWeight (a raw
// score of 0.8: enough to stand out from the damping after the stretch's own start). On NAB:
// "longer than the longest" beat 1.1x to 1.5x of it; weights 3 to 10 scored alike, 1.5 lower;
// minimum runs 5, 20, 50 within 0.3 points.
constexpr std::uint32_t kMinFlatRun = 20;
constexpr std::uint32_t kFlatHistory = 100;
constexpr double kFlatWeight = 6.0;
constexpr float kSurpriseContraction = 0.001f;  // the z envelope forgets this per point
// per multiple of the largest recent z. 1.5 rather than 3: on NAB the rarities now catch most
// of what it caught, and at 3 it costs false alarms on spiky series.
constexpr double kSurpriseWeight = 1.5;
constexpr double kShortRate = 0.1;   // short average of log(1 + z) ...
constexpr double kLongRate = 0.003;  // ... against its long-run mean and spread
constexpr double kMinSpread = 0.6;   // floor of that spread, in log(1 + z)
constexpr double kSeedRate = 0.05;   // the rate of that mean and spread during the warm-up
constexpr double kRarityClip = 3.0;  // an incident teaches the mean at most this many spreads
// The sequence signal: value bins over the envelope, and first-order transition counts between
// them. A row is halved when its total reaches kTransitionCap, so it forgets old habits and its
// counts fit a byte. Its likelihood is weighted down: a bin sequence is noisier evidence than a
// forecast error (0.6 was the best of the weights we tried on NAB, 0.5 to 1).
constexpr unsigned kTransitionCap = 250;
constexpr double kTransitionPrior = 0.5;  // pseudo-count of every transition
constexpr double kSequenceWeight = 0.6;
constexpr double kScoreScale = 3.0;

// Values are clamped to +-kMaxMagnitude (see observe()).
constexpr double kMaxMagnitude = 1e30;

// Points learned before any surprise is measured (the forecasters need a start).
constexpr std::uint64_t kSeedPoints = 10;

// Burst damping: a score that does not close kGapShare of the gap between the recent peak
// and 1 is multiplied by kDamp and by that gap.
constexpr double kGapShare = 0.5;
constexpr double kDamp = 0.5;
// A score rising by at least kOnsetStep of its headroom per point is still the onset of its
// incident: it is judged against the peak from before the rise. A slower creep is judged at
// least against kRiseShare of the recent peak, its own earlier points included, so a score
// creeping past a threshold flags once, not at every point of the creep. On NAB: share 0.5 to 1
// swept, flat from 0.75; step 0.02 to 0.08 swept, better the higher, but above 0.04 the slow
// onset of a large sustained shift (the ramp of the short averages) no longer reaches the
// default flag, so 0.03.
constexpr double kRiseShare = 0.75;
constexpr double kOnsetStep = 0.03;

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

static_assert(sizeof(SeriesDetector) <= 3072, "the per-series memory bound in the header");

SeriesDetector::SeriesDetector(DetectorOptions options) : options_(options) {}

SeriesDetector::Surprise SeriesDetector::surprise(std::int64_t t, double x) const {
  // A floor on the scale, so a flat or perfectly periodic series does not turn rounding noise
  // into infinite surprise.
  double floor = std::max(1e-3 * static_cast<double>(absLevel_), kSpreadFloor * spread_) + 1e-9;
  float seasonal[3] = {0.0f, daily_[dailySlot(t)], weekly_[weeklySlot(t)]};
  std::int64_t age = t - firstSeconds_;
  bool eligible[3] = {true, age >= 2 * kDay, age >= 2 * kWeek};
  // fast: the least surprised forecaster, so a point that some model of the series expects is
  // not news (the level model explains slow drifts, the profiles explain daily/weekly peaks).
  // slow: the least surprised of the slow-level forecasters only. The fast level absorbs a
  // level shift within a few points, so its surprise is brief; theirs lasts tens of points,
  // long enough for the short average to notice. The daily one counts from the start here:
  // before two days its profile is still empty and it is simply a slow level.
  Surprise out{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  for (std::size_t m = 0; m < 3; ++m) {
    const Forecaster& f = forecasters_[m];
    double error = x - (static_cast<double>(f.level) + seasonal[m]);
    double z = std::fabs(error) / std::max(static_cast<double>(f.scale), floor);
    if (eligible[m]) out.fast = std::min(out.fast, z);
    if (m > 0 && (m == 1 || eligible[m])) out.slow = std::min(out.slow, z);
  }
  return out;
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
  if (seen_ > 0) {
    bool broke = x > high_ || x < low_;
    breaks_ = breaks_ * (1.0f - kBreakForget) + (broke ? 1.0f : 0.0f);
    if (x == lastValue_) {
      if (run_ < std::numeric_limits<std::uint32_t>::max()) ++run_;
    } else {
      maxRun_ = std::max(maxRun_, run_);
      run_ = 0;
      if (changes_ < kFlatHistory) ++changes_;
    }
  }
  lastValue_ = x;
  // The envelope contracts slowly towards the mean, so it forgets ranges of long ago.
  if (seen_ == 0) low_ = high_ = x;
  low_ = std::min(x, low_ + kRangeContraction * (slowMean_ - low_));
  high_ = std::max(x, high_ - kRangeContraction * (high_ - slowMean_));
  slowMean_ += 0.01f * (x - slowMean_);
  spread_ += 0.01f * (std::fabs(x - slowMean_) - spread_);
  absLevel_ += 0.01f * (std::fabs(x) - absLevel_);
  ++seen_;
}

void SeriesDetector::Rarity::learn(double u, double rate) {
  double sd = std::sqrt(std::max(static_cast<double>(var), kMinSpread * kMinSpread));
  // Learns a clipped value, so one incident does not redefine normal.
  double delta = std::min(u, mean + kRarityClip * sd) - mean;
  mean += static_cast<float>(rate * delta);
  var = static_cast<float>((1.0 - rate) * (var + rate * delta * delta));
}

double SeriesDetector::Rarity::value() const {
  double sd = std::sqrt(std::max(static_cast<double>(var), kMinSpread * kMinSpread));
  return std::max(0.0, (shortMean - mean) / sd);
}

double SeriesDetector::rawScore(double value, double fastZ) const {
  // 1. The surprise is rare for this series: its short average against its long-run spread,
  // for the fast forecasters, the slow ones, and the sequence of value bins.
  double rarity = std::max({rarity_[kFast].value(), rarity_[kSlow].value(),
                            kSequenceWeight * rarity_[kSequence].value()});
  // 2. The value is new territory: how far outside the envelope of values, in its widths.
  double width = std::max(static_cast<double>(high_ - low_), 1e-9 + 1e-3 * absLevel_);
  double margin = kRangeMargin * forecasters_[0].scale;
  double outside = (std::max({0.0, value - high_, low_ - value}) - margin) / width;
  double range = kRangeWeight * std::max(0.0, outside) / (1.0 + breaks_ / kBreakDiscount);
  // 3. The forecast error is new territory: beyond the largest z in recent memory.
  double beyond = fastZ / std::max(zEnvelope_, 1.0f) - 1.0;
  double surprise = kSurpriseWeight * std::max(0.0, beyond);
  // 4. The value has stopped changing for longer than ever before.
  double flat = 0.0;
  if (changes_ >= kFlatHistory && static_cast<float>(value) == lastValue_) {
    std::uint32_t threshold = std::max(kMinFlatRun, maxRun_);
    // With this point the stretch has run_ + 1 repeats of its first value: fires when that
    // first exceeds the threshold, so once per stretch.
    if (run_ == threshold) flat = kFlatWeight;
  }
  double a = std::max({rarity, range, surprise, flat});
  if (!(a < 1e150)) a = 1e150;  // also NaN: keeps a * a finite and the score in [0, 1]
  return a * a / (a * a + kScoreScale * kScoreScale);
}

std::uint8_t SeriesDetector::valueBin(double x) const {
  double width = std::max(static_cast<double>(high_ - low_), 1e-9 + 1e-3 * absLevel_);
  double bin = std::floor((x - low_) / width * static_cast<double>(kBins));
  return static_cast<std::uint8_t>(std::clamp(bin, 0.0, kBins - 1.0));
}

double SeriesDetector::transitionSurprise(std::uint8_t bin) {
  std::array<std::uint8_t, kBins>& row = transitions_[lastBin_];
  unsigned total = 0;
  for (std::uint8_t c : row)
    total += c;
  double p = (row[bin] + kTransitionPrior) / (total + kTransitionPrior * kBins);
  ++row[bin];
  if (total + 1 >= kTransitionCap) {
    for (std::uint8_t& c : row)
      c = static_cast<std::uint8_t>(c / 2);
  }
  lastBin_ = bin;
  return -std::log(p);
}

Score SeriesDetector::observe(std::int64_t unixSeconds, double value) {
  if (!std::isfinite(value)) return {};
  // The state is float: larger magnitudes would overflow it. No metric comes near this.
  value = std::clamp(value, -kMaxMagnitude, kMaxMagnitude);
  Score out;
  if (seen_ > kSeedPoints) {
    Surprise z = surprise(unixSeconds, value);
    double u[kStreams] = {std::log1p(z.fast), std::log1p(z.slow),
                          transitionSurprise(valueBin(value))};
    for (std::size_t k = 0; k < kStreams; ++k) {
      Rarity& r = rarity_[k];
      r.shortMean += static_cast<float>(kShortRate * (u[k] - r.shortMean));
      // Seeds the statistics quickly while the forecasters learn; no score yet.
      if (seen_ < options_.warmupPoints) r.learn(u[k], kSeedRate);
    }
    if (seen_ < options_.warmupPoints) {
      zEnvelope_ = std::max(static_cast<float>(z.fast), zEnvelope_);
    } else {
      double raw = rawScore(value, z.fast);
      zEnvelope_ = std::max(static_cast<float>(z.fast), zEnvelope_ * (1.0f - kSurpriseContraction));
      for (Rarity& r : rarity_)
        r.learn(r.shortMean, kLongRate);
      double decay = std::exp(-1.0 / std::max<std::uint32_t>(options_.restPoints, 1));
      // A score still rising quickly is still the onset of its incident: it is judged against
      // the peak from before the rise, not against its own last points (see kOnsetStep).
      riseBase_ = raw >= lastRaw_ ? riseBase_ * static_cast<float>(decay) : peak_;
      bool onset = raw - lastRaw_ >= kOnsetStep * (1.0 - lastRaw_);
      double base =
          onset ? riseBase_ : std::max(static_cast<double>(riseBase_), kRiseShare * peak_);
      peak_ = static_cast<float>(std::max(raw, peak_ * decay));
      lastRaw_ = static_cast<float>(raw);
      // A lesser score is halved, and scaled by the headroom left above the peak: the closer a
      // recent incident came to 1, the less a lesser score after it adds.
      out.score = raw > base + kGapShare * (1.0 - base) ? raw : raw * kDamp * (1.0 - base);
      out.flagged = out.score >= options_.flagThreshold;
    }
  }
  learn(unixSeconds, value);
  return out;
}

}  // namespace pharos::analysis
