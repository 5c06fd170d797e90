#include "promql/range_functions.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pharos::promql {

double extrapolate(double rawDelta, const Sample& first, const Sample& last, std::size_t count,
                   std::int64_t rangeStart, std::int64_t rangeEnd, std::int64_t rangeMs,
                   bool isCounter, bool isRate) {
  double result = rawDelta;
  double durationToStart = static_cast<double>(first.t - rangeStart) / 1000;
  double durationToEnd = static_cast<double>(rangeEnd - last.t) / 1000;
  double sampledInterval = static_cast<double>(last.t - first.t) / 1000;
  double averageDurationBetweenSamples = sampledInterval / static_cast<double>(count - 1);
  if (isCounter && result > 0 && first.v >= 0) {
    // A counter cannot go below zero: do not extrapolate past the point where it would.
    double durationToZero = sampledInterval * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  double extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  double extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < extrapolationThreshold
                               ? durationToStart
                               : averageDurationBetweenSamples / 2;
  extrapolateToInterval +=
      durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
  double factor = extrapolateToInterval / sampledInterval;
  if (isRate) {
    // Go's Duration.Seconds(): whole seconds plus the nanoseconds over 1e9, which can differ
    // from ms / 1000 in the last bit.
    double seconds = static_cast<double>(rangeMs / 1000) +
                     static_cast<double>((rangeMs % 1000) * 1'000'000) / 1e9;
    factor /= seconds;
  }
  return result * factor;
}

std::optional<double> extrapolatedRate(std::span<const Sample> samples, std::int64_t rangeStart,
                                       std::int64_t rangeEnd, std::int64_t rangeMs, bool isCounter,
                                       bool isRate) {
  if (samples.size() < 2) return std::nullopt;
  double result = samples.back().v - samples.front().v;
  if (isCounter) {
    double lastValue = 0;
    for (const auto& s : samples) {
      if (s.v < lastValue) result += lastValue;
      lastValue = s.v;
    }
  }
  return extrapolate(result, samples.front(), samples.back(), samples.size(), rangeStart, rangeEnd,
                     rangeMs, isCounter, isRate);
}

std::optional<double> instantRate(std::span<const Sample> samples) {
  if (samples.size() < 2) return std::nullopt;
  const Sample& last = samples[samples.size() - 1];
  const Sample& previous = samples[samples.size() - 2];
  double result = last.v < previous.v ? last.v : last.v - previous.v;
  std::int64_t interval = last.t - previous.t;
  if (interval == 0) return std::nullopt;
  return result / (static_cast<double>(interval) / 1000);
}

double avgOverTime(std::span<const Sample> samples) {
  // Incremental mean as Prometheus 2.42 computes it (no overflow for large values), with its
  // handling of infinities.
  double mean = 0;
  double count = 0;
  for (const auto& s : samples) {
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(s.v) && (mean > 0) == (s.v > 0)) continue;
      if (!std::isinf(s.v) && !std::isnan(s.v)) continue;
    }
    mean += s.v / count - mean / count;
  }
  return mean;
}

double sumOverTime(std::span<const Sample> samples) {
  double sum = 0;
  for (const auto& s : samples)
    sum += s.v;
  return sum;
}

double minOverTime(std::span<const Sample> samples) {
  double min = samples.front().v;
  for (const auto& s : samples) {
    if (s.v < min || std::isnan(min)) min = s.v;
  }
  return min;
}

double maxOverTime(std::span<const Sample> samples) {
  double max = samples.front().v;
  for (const auto& s : samples) {
    if (s.v > max || std::isnan(max)) max = s.v;
  }
  return max;
}

double quantile(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  // Prometheus orders NaN first.
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  double lowerIndex = std::max(0.0, std::floor(rank));
  double upperIndex = std::min(n - 1, lowerIndex + 1);
  double weight = rank - std::floor(rank);
  return values[static_cast<std::size_t>(lowerIndex)] * (1 - weight) +
         values[static_cast<std::size_t>(upperIndex)] * weight;
}

double bucketQuantile(double q, std::vector<Bucket>& buckets) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  if (buckets.empty()) return kNaN;
  std::sort(buckets.begin(), buckets.end(),
            [](const Bucket& a, const Bucket& b) { return a.upperBound < b.upperBound; });
  if (!std::isinf(buckets.back().upperBound) || buckets.back().upperBound < 0) return kNaN;
  // Buckets with the same bound (e.g. "1" and "1.0") are one bucket.
  std::vector<Bucket> merged;
  merged.reserve(buckets.size());
  for (const auto& b : buckets) {
    if (!merged.empty() && merged.back().upperBound == b.upperBound) {
      merged.back().count += b.count;
    } else {
      merged.push_back(b);
    }
  }
  // Scrapes are not atomic, so counts can decrease with the bound; Prometheus raises them.
  double max = -std::numeric_limits<double>::infinity();
  for (auto& b : merged) {
    if (b.count > max) {
      max = b.count;
    } else if (b.count < max) {
      b.count = max;
    }
  }
  if (merged.size() < 2) return kNaN;
  double observations = merged.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  std::size_t b = 0;
  while (b < merged.size() - 1 && !(merged[b].count >= rank))
    ++b;
  if (b == merged.size() - 1) return merged[merged.size() - 2].upperBound;
  if (b == 0 && merged[0].upperBound <= 0) return merged[0].upperBound;
  double bucketStart = 0;
  double bucketEnd = merged[b].upperBound;
  double count = merged[b].count;
  if (b > 0) {
    bucketStart = merged[b - 1].upperBound;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

}  // namespace pharos::promql
