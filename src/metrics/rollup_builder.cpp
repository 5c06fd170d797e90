#include "metrics/rollup_builder.h"

#include <algorithm>
#include <cmath>

namespace pharos::metrics {
namespace {

std::int64_t bucketStart(std::int64_t t, std::int64_t resolution) {
  std::int64_t r = t % resolution;
  return r < 0 ? t - r - resolution : t - r;
}

}  // namespace

std::vector<RollupPoint> buildRollups(std::span<const Sample> samples,
                                      std::optional<Sample> previous, std::int64_t resolution) {
  std::vector<RollupPoint> points;
  for (const Sample& s : samples) {
    std::int64_t start = bucketStart(s.t, resolution);
    if (points.empty() || points.back().t != start) {
      points.push_back(RollupPoint{start, 0, 0, s.v, s.v, s.v, 0, {}});
    }
    RollupPoint& p = points.back();
    p.count += 1;
    p.sum += s.v;
    // std::min/max would let a NaN stick or vanish depending on order; Prometheus'
    // min_over_time ignores NaN unless every value is NaN, and so do these.
    if (s.v < p.min || std::isnan(p.min)) p.min = s.v;
    if (s.v > p.max || std::isnan(p.max)) p.max = s.v;
    p.last = s.v;
    if (previous) p.increase += counterIncrease(previous->v, s.v);
    p.sketch.add(s.v);
    previous = s;
  }
  return points;
}

void mergeRollupPoint(RollupPoint& into, const RollupPoint& later) {
  into.count += later.count;
  into.sum += later.sum;
  if (later.min < into.min || std::isnan(into.min)) into.min = later.min;
  if (later.max > into.max || std::isnan(into.max)) into.max = later.max;
  into.last = later.last;
  into.increase += later.increase;
  into.sketch.merge(later.sketch);
}

void mergeSameBuckets(std::vector<RollupPoint>& points) {
  std::stable_sort(points.begin(), points.end(),
                   [](const RollupPoint& a, const RollupPoint& b) { return a.t < b.t; });
  std::size_t out = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (out > 0 && points[out - 1].t == points[i].t) {
      mergeRollupPoint(points[out - 1], points[i]);
    } else {
      if (out != i) points[out] = std::move(points[i]);
      ++out;
    }
  }
  points.resize(out);
}

}  // namespace pharos::metrics
