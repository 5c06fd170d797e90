#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/sample.h"
#include "metrics/rollup_point.h"

namespace pharos::metrics {

// The rollup resolutions the store keeps besides raw samples.
inline constexpr std::int64_t kMinuteMs = 60'000;
inline constexpr std::int64_t kHourMs = 3'600'000;

// Folds samples (in time order) into rollup points of `resolution` ms, each bucket
// [t, t + resolution) aligned to a multiple of it. `previous` is the series' sample before
// the first one, so the first bucket's counter increase starts from it.
std::vector<RollupPoint> buildRollups(std::span<const Sample> samples,
                                      std::optional<Sample> previous, std::int64_t resolution);

// Adds `later` into `into`: both cover the same bucket, `later` the samples after `into`'s.
// Chunks sealed mid-bucket each produce a partial point; merging them gives exactly the point
// of all the bucket's samples (the sketch merge is exact too).
void mergeRollupPoint(RollupPoint& into, const RollupPoint& later);

// Sorts points by time (stable) and merges those of the same bucket.
void mergeSameBuckets(std::vector<RollupPoint>& points);

// The counter increase from `before` to `after`, with a reset (a drop) counted as a
// restart from zero, as Prometheus' rate() does.
inline double counterIncrease(double before, double after) {
  return after >= before ? after - before : after;
}

}  // namespace pharos::metrics
