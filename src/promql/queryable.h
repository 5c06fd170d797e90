#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/labels.h"
#include "core/quantile_sketch.h"
#include "core/result.h"
#include "core/sample.h"
#include "promql/matcher.h"

namespace pharos::promql {

struct SeriesSamples {
  Labels labels;
  std::vector<Sample> samples;  // in time order
};

// One rollup bucket: the samples with t in [t, t + resolution), summarised.
struct RollupPoint {
  std::int64_t t = 0;  // bucket start (ms)
  std::uint64_t count = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
  double last = 0;
  // Counter increase (resets handled like Prometheus) from the sample before the bucket to
  // the last sample in it.
  double increase = 0;
  QuantileSketch sketch;
};

struct RollupSeries {
  Labels labels;
  std::vector<RollupPoint> points;  // in time order
};

// The data source a query runs against: the metrics store in production, an in-memory fake
// in tests. Called from the querying thread only.
class Queryable {
 public:
  virtual ~Queryable() = default;
  // Series matching all matchers with their raw samples in [minT, maxT] (ms, inclusive).
  virtual Result<std::vector<SeriesSamples>> select(const std::vector<Matcher>& matchers,
                                                    std::int64_t minT, std::int64_t maxT) = 0;
  // The rollup resolution (ms) the store prefers for a query over [minT, maxT] at `step` ms,
  // or nullopt for raw samples (the store decides: long ranges, or raw data expired).
  virtual std::optional<std::int64_t> rollupResolution(std::int64_t minT, std::int64_t maxT,
                                                       std::int64_t step) = 0;
  // Series matching all matchers with their buckets whose start is in [minT, maxT].
  virtual Result<std::vector<RollupSeries>> selectRollups(const std::vector<Matcher>& matchers,
                                                          std::int64_t minT, std::int64_t maxT,
                                                          std::int64_t resolution) = 0;
  // The same with empty sketches: for callers that need counts and sums but no quantiles
  // (uptime over a month of a thousand checks), which a store may read far more cheaply.
  virtual Result<std::vector<RollupSeries>> selectRollupsWithoutSketches(
      const std::vector<Matcher>& matchers, std::int64_t minT, std::int64_t maxT,
      std::int64_t resolution) {
    return selectRollups(matchers, minT, maxT, resolution);
  }
};

}  // namespace pharos::promql
