#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "promql/queryable.h"

namespace pharos::fakes {

// An in-memory promql::Queryable: raw series, optionally rollups of one resolution, and
// counters of the calls so tests can see which path a query took.
class MemoryQueryable : public promql::Queryable {
 public:
  void add(Labels labels, std::vector<Sample> samples) {
    series_.push_back({std::move(labels), std::move(samples)});
  }
  void addRollups(Labels labels, std::vector<promql::RollupPoint> points) {
    rollups_.push_back({std::move(labels), std::move(points)});
  }
  // What rollupResolution() answers; nullopt (the default) means raw samples.
  std::optional<std::int64_t> resolution;
  int selectCalls = 0;
  int rollupCalls = 0;

  Result<std::vector<promql::SeriesSamples>> select(const std::vector<promql::Matcher>& matchers,
                                                    std::int64_t minT, std::int64_t maxT) override {
    ++selectCalls;
    std::vector<promql::SeriesSamples> out;
    for (const auto& s : series_) {
      if (!matchesAll(matchers, s.labels)) continue;
      auto lo = std::lower_bound(s.samples.begin(), s.samples.end(), minT,
                                 [](const Sample& x, std::int64_t t) { return x.t < t; });
      auto hi = std::upper_bound(s.samples.begin(), s.samples.end(), maxT,
                                 [](std::int64_t t, const Sample& x) { return t < x.t; });
      if (lo >= hi) continue;
      out.push_back({s.labels, std::vector<Sample>(lo, hi)});
    }
    return out;
  }

  std::optional<std::int64_t> rollupResolution(std::int64_t, std::int64_t, std::int64_t) override {
    return resolution;
  }

  Result<std::vector<promql::RollupSeries>> selectRollups(
      const std::vector<promql::Matcher>& matchers, std::int64_t minT, std::int64_t maxT,
      std::int64_t) override {
    ++rollupCalls;
    std::vector<promql::RollupSeries> out;
    for (const auto& s : rollups_) {
      if (!matchesAll(matchers, s.labels)) continue;
      promql::RollupSeries r{s.labels, {}};
      for (const auto& p : s.points) {
        if (p.t >= minT && p.t <= maxT) r.points.push_back(p);
      }
      if (!r.points.empty()) out.push_back(std::move(r));
    }
    return out;
  }

  // Buckets of `resolution` ms summarising `samples` the way the store's rollups do.
  static std::vector<promql::RollupPoint> rollup(const std::vector<Sample>& samples,
                                                 std::int64_t resolution) {
    std::vector<promql::RollupPoint> out;
    double previous = std::nan("");
    for (const auto& s : samples) {
      std::int64_t start = s.t - ((s.t % resolution) + resolution) % resolution;
      if (out.empty() || out.back().t != start) {
        promql::RollupPoint p;
        p.t = start;
        p.min = s.v;
        p.max = s.v;
        out.push_back(p);
      }
      auto& p = out.back();
      p.count++;
      p.sum += s.v;
      p.min = std::min(p.min, s.v);
      p.max = std::max(p.max, s.v);
      p.last = s.v;
      if (!std::isnan(previous)) p.increase += s.v < previous ? s.v : s.v - previous;
      p.sketch.add(s.v);
      previous = s.v;
    }
    return out;
  }

 private:
  static bool matchesAll(const std::vector<promql::Matcher>& matchers, const Labels& labels) {
    return std::all_of(matchers.begin(), matchers.end(),
                       [&](const promql::Matcher& m) { return m.matches(labels.get(m.name)); });
  }

  struct Raw {
    Labels labels;
    std::vector<Sample> samples;
  };
  struct Rolled {
    Labels labels;
    std::vector<promql::RollupPoint> points;
  };
  std::vector<Raw> series_;
  std::vector<Rolled> rollups_;
};

}  // namespace pharos::fakes
