#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/sample.h"

namespace pharos::promql {

// The arithmetic of Prometheus 2.42's functions, on plain data so each can be tested alone.
// The evaluator feeds them the samples of one window.

// Prometheus' extrapolatedRate (rate, increase, delta) for a window [rangeStart, rangeEnd]
// (ms) holding `samples`. nullopt with fewer than two samples. `rangeMs` is the selector's
// range, by which rate divides.
std::optional<double> extrapolatedRate(std::span<const Sample> samples, std::int64_t rangeStart,
                                       std::int64_t rangeEnd, std::int64_t rangeMs, bool isCounter,
                                       bool isRate);

// The same, given the raw difference already computed (last - first, plus the value before
// each counter reset in order). Lets the evaluator skip the samples between resets.
double extrapolate(double rawDelta, const Sample& first, const Sample& last, std::size_t count,
                   std::int64_t rangeStart, std::int64_t rangeEnd, std::int64_t rangeMs,
                   bool isCounter, bool isRate);

// irate: from the last two samples; nullopt with fewer than two or equal timestamps.
std::optional<double> instantRate(std::span<const Sample> samples);

// The *_over_time reductions, on a non-empty window, summed in sample order like Prometheus.
double avgOverTime(std::span<const Sample> samples);
double sumOverTime(std::span<const Sample> samples);
double minOverTime(std::span<const Sample> samples);
double maxOverTime(std::span<const Sample> samples);

// Prometheus' quantile(): linear interpolation between the closest ranks; NaN when empty,
// -Inf for q < 0, +Inf for q > 1. Sorts `values`.
double quantile(double q, std::vector<double>& values);

struct Bucket {
  double upperBound;
  double count;
};
// Prometheus' bucketQuantile for classic histograms: needs a +Inf bucket, merges buckets of
// equal bounds, enforces monotonic counts. Reorders `buckets`.
double bucketQuantile(double q, std::vector<Bucket>& buckets);

}  // namespace pharos::promql
