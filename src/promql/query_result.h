#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/labels.h"

namespace pharos::promql {

struct Point {
  std::int64_t t = 0;  // ms
  double v = 0;
};

struct ResultSeries {
  Labels labels;
  std::vector<Point> points;
};

// What a query returns, shaped like Prometheus' HTTP API data: a matrix (range query, or an
// instant query of a range selector), a vector (one point per series), a scalar (one
// unlabelled series with one point) or a string (`text`, at `time`).
struct QueryResult {
  enum class Type { kMatrix, kVector, kScalar, kString };
  Type type = Type::kVector;
  std::vector<ResultSeries> series;  // sorted by labels
  std::string text;
  std::int64_t time = 0;
  std::vector<std::string> warnings;
};

}  // namespace pharos::promql
