#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pharos {

// A mergeable quantile sketch (DDSketch, Masson et al. 2019): values fall into logarithmic
// buckets, so any quantile comes back within `kRelativeAccuracy` of a true sample value,
// and two sketches merge exactly by adding bucket counts. That is what lets 1-minute rollups
// merge into 1-hour ones and a 30-day quantile be read from rollups. Memory is bounded:
// past `kMaxBuckets` per sign the lowest buckets collapse into one (the high quantiles,
// which alerts care about, keep their accuracy).
class QuantileSketch {
 public:
  static constexpr double kRelativeAccuracy = 0.01;
  static constexpr std::size_t kMaxBuckets = 512;

  // NaN is ignored (a quantile of "no value" is meaningless); +-Inf land in the extreme
  // buckets.
  void add(double value, std::uint64_t count = 1);
  void merge(const QuantileSketch& other);

  // The q-quantile (0 <= q <= 1) as Prometheus' quantile_over_time defines the rank;
  // NaN when empty, -Inf for q < 0 and +Inf for q > 1 like Prometheus.
  double quantile(double q) const;
  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }

  // Compact binary form (varints); deserialize() rejects anything malformed.
  std::string serialize() const;
  static Result<QuantileSketch> deserialize(std::string_view bytes);

  friend bool operator==(const QuantileSketch&, const QuantileSketch&) = default;

 private:
  struct Bucket {
    std::int32_t index;
    std::uint64_t count;
    friend bool operator==(const Bucket&, const Bucket&) = default;
  };
  // Sorted by index: a few buckets per rollup in practice, so a flat vector beats a map on
  // memory (16 bytes a bucket) and on speed.
  using Buckets = std::vector<Bucket>;

  static std::int32_t bucketIndex(double magnitude);
  static double bucketValue(std::int32_t index);
  static void addTo(Buckets& buckets, std::int32_t index, std::uint64_t count);
  static void collapse(Buckets& buckets);

  Buckets positive_;
  Buckets negative_;  // by the magnitude's index
  std::uint64_t zero_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace pharos
