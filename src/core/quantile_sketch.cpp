#include "core/quantile_sketch.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/varint.h"

namespace pharos {
namespace {

constexpr double kGamma =
    (1 + QuantileSketch::kRelativeAccuracy) / (1 - QuantileSketch::kRelativeAccuracy);
const double kLogGamma = std::log(kGamma);
// Magnitudes below this count as zero; above the top index they clamp (so +-Inf fit).
constexpr double kMinMagnitude = 1e-300;
constexpr std::int32_t kMaxIndex = 40000;

}  // namespace

std::int32_t QuantileSketch::bucketIndex(double magnitude) {
  double index = std::ceil(std::log(magnitude) / kLogGamma);
  return static_cast<std::int32_t>(std::clamp(index, double(-kMaxIndex), double(kMaxIndex)));
}

double QuantileSketch::bucketValue(std::int32_t index) {
  // The point of the bucket (gamma^(i-1), gamma^i] whose relative error to either end is
  // at most the accuracy.
  return 2 * std::pow(kGamma, index) / (kGamma + 1);
}

void QuantileSketch::addTo(Buckets& buckets, std::int32_t index, std::uint64_t count) {
  auto it = std::lower_bound(buckets.begin(), buckets.end(), index,
                             [](const Bucket& b, std::int32_t i) { return b.index < i; });
  if (it != buckets.end() && it->index == index) {
    it->count += count;
  } else {
    buckets.insert(it, Bucket{index, count});
  }
}

void QuantileSketch::collapse(Buckets& buckets) {
  if (buckets.size() <= kMaxBuckets) return;
  std::size_t excess = buckets.size() - kMaxBuckets;
  std::uint64_t folded = 0;
  for (std::size_t i = 0; i <= excess; ++i)
    folded += buckets[i].count;
  buckets.erase(buckets.begin(), buckets.begin() + static_cast<std::ptrdiff_t>(excess));
  buckets.front().count = folded;
}

void QuantileSketch::add(double value, std::uint64_t count) {
  if (std::isnan(value) || count == 0) return;
  double magnitude = std::fabs(value);
  if (magnitude < kMinMagnitude) {
    zero_ += count;
  } else if (value > 0) {
    addTo(positive_, bucketIndex(magnitude), count);
    collapse(positive_);
  } else {
    addTo(negative_, bucketIndex(magnitude), count);
    collapse(negative_);
  }
  count_ += count;
}

void QuantileSketch::merge(const QuantileSketch& other) {
  for (const auto& b : other.positive_)
    addTo(positive_, b.index, b.count);
  for (const auto& b : other.negative_)
    addTo(negative_, b.index, b.count);
  collapse(positive_);
  collapse(negative_);
  zero_ += other.zero_;
  count_ += other.count_;
}

double QuantileSketch::quantile(double q) const {
  if (count_ == 0 || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  // Prometheus interpolates between ranks; a sketch answers with the bucket holding the
  // nearest rank, which the relative accuracy already bounds.
  auto rank = static_cast<std::uint64_t>(std::llround(q * static_cast<double>(count_ - 1)));
  std::uint64_t seen = 0;
  for (auto it = negative_.rbegin(); it != negative_.rend(); ++it) {
    seen += it->count;
    if (seen > rank) return -bucketValue(it->index);
  }
  seen += zero_;
  if (seen > rank) return 0;
  for (const auto& b : positive_) {
    seen += b.count;
    if (seen > rank) return bucketValue(b.index);
  }
  return bucketValue(positive_.empty() ? 0 : positive_.back().index);
}

std::string QuantileSketch::serialize() const {
  std::string out;
  putVarint(out, zero_);
  for (const Buckets* buckets : {&positive_, &negative_}) {
    putVarint(out, buckets->size());
    std::int64_t previous = 0;
    for (const auto& b : *buckets) {
      putVarint(out, zigzag(b.index - previous));
      putVarint(out, b.count);
      previous = b.index;
    }
  }
  return out;
}

Result<QuantileSketch> QuantileSketch::deserialize(std::string_view bytes) {
  auto malformed = [] {
    return makeError(ErrorCode::kDataLoss, "quantile sketch: malformed encoding");
  };
  QuantileSketch sketch;
  std::uint64_t v = 0;
  if (!getVarint(bytes, sketch.zero_)) return malformed();
  sketch.count_ = sketch.zero_;
  for (Buckets* buckets : {&sketch.positive_, &sketch.negative_}) {
    if (!getVarint(bytes, v) || v > kMaxBuckets) return malformed();
    std::size_t n = v;
    std::int64_t index = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t count = 0;
      if (!getVarint(bytes, v) || !getVarint(bytes, count) || count == 0) return malformed();
      index += unzigzag(v);
      bool ascending = buckets->empty() || index > buckets->back().index;
      if (!ascending || index < -kMaxIndex || index > kMaxIndex) return malformed();
      if (sketch.count_ + count < sketch.count_) return malformed();  // overflow
      buckets->push_back(Bucket{static_cast<std::int32_t>(index), count});
      sketch.count_ += count;
    }
  }
  if (!bytes.empty()) return malformed();
  return sketch;
}

}  // namespace pharos
