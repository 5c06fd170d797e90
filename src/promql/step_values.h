#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/result.h"
#include "promql/ast.h"

namespace pharos::promql {

// The evaluator's working form: every node is evaluated for all steps of the query at once,
// so a series' labels (and everything derived from them: groups, match signatures) are
// computed once per query rather than once per step.
struct StepSeries {
  Labels labels;
  std::vector<double> v;          // one per step
  std::vector<std::uint8_t> has;  // 1 where the series has a value at that step
};

struct StepValue {
  ValueType type = ValueType::kScalar;
  std::vector<double> scalar;      // kScalar: one per step
  std::vector<StepSeries> series;  // kVector
  std::string text;                // kString
};

// Series with equal labels are merged into one; two values at the same step are an error
// with `message` (Prometheus checks per step, so disjoint series may share labels).
Result<std::vector<StepSeries>> mergeSameLabels(std::vector<StepSeries> series,
                                                std::string_view message);

// Binary operators on evaluated operands (the parser has already checked the types).
Result<StepValue> evalBinary(const Expr& expr, StepValue lhs, StepValue rhs, std::size_t steps);

// Go's math.Max/Min: NaN wins, unlike std::fmax.
double goMax(double a, double b);
double goMin(double a, double b);

}  // namespace pharos::promql
