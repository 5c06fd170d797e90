#pragma once

#include <cstdint>

namespace pharos {

// One point of a time series: Unix milliseconds and a float64 value, as in Prometheus.
struct Sample {
  std::int64_t t = 0;
  double v = 0;
};

}  // namespace pharos
