#pragma once

#include <cstdint>

#include "core/quantile_sketch.h"

namespace pharos::metrics {

// One bucket of a series' rollup (1 minute or 1 hour): what the raw samples in
// [t, t + width) summarise to, so that range queries over long windows read rollups instead
// of samples. `increase` is the counter increase within the bucket, resets accounted for.
struct RollupPoint {
  std::int64_t t = 0;  // the bucket's start, Unix milliseconds
  std::uint64_t count = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
  double last = 0;
  double increase = 0;
  QuantileSketch sketch;
};

}  // namespace pharos::metrics
