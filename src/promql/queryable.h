#pragma once
// TEMPORARY stand-in until the promql module lands.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/labels.h"
#include "core/result.h"
#include "core/sample.h"
#include "metrics/rollup_point.h"
#include "promql/matcher.h"

namespace pharos::promql {
struct SeriesSamples {
  Labels labels;
  std::vector<Sample> samples;
};
using RollupPoint = metrics::RollupPoint;
struct RollupSeries {
  Labels labels;
  std::vector<RollupPoint> points;
};
class Queryable {
 public:
  virtual ~Queryable() = default;
  virtual Result<std::vector<SeriesSamples>> select(const std::vector<Matcher>&, std::int64_t minT,
                                                    std::int64_t maxT) = 0;
  virtual std::optional<std::int64_t> rollupResolution(std::int64_t minT, std::int64_t maxT,
                                                       std::int64_t step) = 0;
  virtual Result<std::vector<RollupSeries>> selectRollups(const std::vector<Matcher>&,
                                                          std::int64_t minT, std::int64_t maxT,
                                                          std::int64_t resolution) = 0;
};
}  // namespace pharos::promql
