// Prometheus' binary operator semantics (engine.go: scalarBinop, VectorscalarBinop,
// VectorBinop, VectorAnd/Or/Unless) over step-major values.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/error.h"
#include "promql/step_values.h"

namespace pharos::promql {
namespace {

bool dropsMetricName(BinaryOp op) {
  return op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul ||
         op == BinaryOp::kDiv || op == BinaryOp::kMod || op == BinaryOp::kPow;
}

// Returns the value and whether a comparison keeps the element; `lhs` is what a comparison
// passes through.
std::pair<double, bool> apply(BinaryOp op, double lhs, double rhs) {
  switch (op) {
    case BinaryOp::kAdd:
      return {lhs + rhs, true};
    case BinaryOp::kSub:
      return {lhs - rhs, true};
    case BinaryOp::kMul:
      return {lhs * rhs, true};
    case BinaryOp::kDiv:
      return {lhs / rhs, true};
    case BinaryOp::kMod:
      return {std::fmod(lhs, rhs), true};
    case BinaryOp::kPow:
      return {std::pow(lhs, rhs), true};
    case BinaryOp::kEq:
      return {lhs, lhs == rhs};
    case BinaryOp::kNe:
      return {lhs, lhs != rhs};
    case BinaryOp::kGt:
      return {lhs, lhs > rhs};
    case BinaryOp::kLt:
      return {lhs, lhs < rhs};
    case BinaryOp::kGe:
      return {lhs, lhs >= rhs};
    case BinaryOp::kLe:
      return {lhs, lhs <= rhs};
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
    case BinaryOp::kUnless:
      break;
  }
  return {lhs, true};
}

Labels removeNames(const Labels& labels, const std::vector<std::string>& names) {
  std::vector<Label> kept;
  kept.reserve(labels.size());
  for (const auto& l : labels) {
    if (std::find(names.begin(), names.end(), l.name) == names.end()) kept.push_back(l);
  }
  return Labels::fromUnsorted(std::move(kept));
}

// The labels two sides are matched on: the on() labels, or all but the ignoring() labels
// and the metric name.
Labels signature(const Expr& e, const Labels& labels) {
  return e.matchOn ? labels.keepOnly(e.matching) : labels.dropping(e.matching);
}

// Maps each series to a dense id of its signature.
std::vector<std::size_t> signatureIds(const Expr& e, const std::vector<StepSeries>& series,
                                      std::unordered_map<Labels, std::size_t, LabelsHash>& ids,
                                      std::vector<Labels>& sigs) {
  std::vector<std::size_t> out;
  out.reserve(series.size());
  for (const auto& s : series) {
    Labels sig = signature(e, s.labels);
    auto [it, inserted] = ids.try_emplace(sig, ids.size());
    if (inserted) sigs.push_back(std::move(sig));
    out.push_back(it->second);
  }
  return out;
}

StepValue scalarScalar(const Expr& e, StepValue lhs, const StepValue& rhs, std::size_t steps) {
  for (std::size_t i = 0; i < steps; ++i) {
    auto [v, keep] = apply(e.binaryOp, lhs.scalar[i], rhs.scalar[i]);
    if (isComparison(e.binaryOp)) v = keep ? 1 : 0;
    lhs.scalar[i] = v;
  }
  return lhs;
}

Result<StepValue> vectorScalar(const Expr& e, StepValue vec, const StepValue& scalar,
                               bool scalarOnLeft, std::size_t steps) {
  bool comparison = isComparison(e.binaryOp);
  for (auto& s : vec.series) {
    for (std::size_t i = 0; i < steps; ++i) {
      if (!s.has[i]) continue;
      double lv = s.v[i];
      double rv = scalar.scalar[i];
      if (scalarOnLeft) std::swap(lv, rv);
      auto [v, keep] = apply(e.binaryOp, lv, rv);
      // A comparison always passes the vector's value through, whichever side it is on.
      if (comparison && scalarOnLeft) v = rv;
      if (e.returnBool) {
        v = keep ? 1 : 0;
        keep = true;
      }
      if (keep) {
        s.v[i] = v;
      } else {
        s.has[i] = 0;
      }
    }
    if (dropsMetricName(e.binaryOp) || e.returnBool) s.labels = s.labels.without("__name__");
  }
  PHAROS_ASSIGN_OR_RETURN(vec.series,
                          mergeSameLabels(std::move(vec.series),
                                          "vector cannot contain metrics with the same labelset"));
  return vec;
}

Result<StepValue> setOperation(const Expr& e, StepValue lhs, StepValue rhs, std::size_t steps) {
  std::unordered_map<Labels, std::size_t, LabelsHash> ids;
  std::vector<Labels> sigs;
  auto lhsIds = signatureIds(e, lhs.series, ids, sigs);
  auto rhsIds = signatureIds(e, rhs.series, ids, sigs);
  // For each signature, the last step (+1) at which the other side had it.
  std::vector<std::size_t> seenAt(ids.size(), 0);
  auto mark = [&](const std::vector<StepSeries>& side, const std::vector<std::size_t>& sideIds,
                  std::size_t i) {
    for (std::size_t k = 0; k < side.size(); ++k) {
      if (side[k].has[i]) seenAt[sideIds[k]] = i + 1;
    }
  };
  for (std::size_t i = 0; i < steps; ++i) {
    if (e.binaryOp == BinaryOp::kOr) {
      mark(lhs.series, lhsIds, i);
      for (std::size_t k = 0; k < rhs.series.size(); ++k) {
        if (rhs.series[k].has[i] && seenAt[rhsIds[k]] == i + 1) rhs.series[k].has[i] = 0;
      }
    } else {
      mark(rhs.series, rhsIds, i);
      bool keepMatched = e.binaryOp == BinaryOp::kAnd;
      for (std::size_t k = 0; k < lhs.series.size(); ++k) {
        if (!lhs.series[k].has[i]) continue;
        bool matched = seenAt[lhsIds[k]] == i + 1;
        if (matched != keepMatched) lhs.series[k].has[i] = 0;
      }
    }
  }
  if (e.binaryOp == BinaryOp::kOr) {
    for (auto& s : rhs.series)
      lhs.series.push_back(std::move(s));
  }
  PHAROS_ASSIGN_OR_RETURN(lhs.series,
                          mergeSameLabels(std::move(lhs.series),
                                          "vector cannot contain metrics with the same labelset"));
  return lhs;
}

Result<StepValue> vectorVector(const Expr& e, StepValue lhs, StepValue rhs, std::size_t steps) {
  std::unordered_map<Labels, std::size_t, LabelsHash> ids;
  std::vector<Labels> sigs;
  auto lhsIds = signatureIds(e, lhs.series, ids, sigs);
  auto rhsIds = signatureIds(e, rhs.series, ids, sigs);
  std::vector<std::vector<std::size_t>> rhsBySig(ids.size());
  for (std::size_t k = 0; k < rhs.series.size(); ++k)
    rhsBySig[rhsIds[k]].push_back(k);
  std::vector<std::size_t> crowded;  // signatures with several rhs series: check per step
  for (std::size_t g = 0; g < rhsBySig.size(); ++g) {
    if (rhsBySig[g].size() > 1) crowded.push_back(g);
  }

  StepValue out;
  out.type = ValueType::kVector;
  out.series.resize(lhs.series.size());
  for (std::size_t k = 0; k < lhs.series.size(); ++k) {
    Labels labels = lhs.series[k].labels;
    if (dropsMetricName(e.binaryOp)) labels = labels.without("__name__");
    labels = e.matchOn ? labels.keepOnly(e.matching) : removeNames(labels, e.matching);
    if (e.returnBool) labels = labels.without("__name__");
    out.series[k].labels = std::move(labels);
    out.series[k].v.assign(steps, 0);
    out.series[k].has.assign(steps, 0);
  }
  std::vector<std::size_t> matchedAt(ids.size(), 0);  // step + 1 of the last match
  auto anyAt = [](const std::vector<StepSeries>& side, std::size_t i) {
    return std::any_of(side.begin(), side.end(), [i](const StepSeries& s) { return s.has[i]; });
  };
  for (std::size_t i = 0; i < steps; ++i) {
    // Like Prometheus, nothing is checked when one side is empty at this step.
    if (!anyAt(lhs.series, i) || !anyAt(rhs.series, i)) continue;
    for (std::size_t g : crowded) {
      const StepSeries* first = nullptr;
      for (std::size_t k : rhsBySig[g]) {
        if (!rhs.series[k].has[i]) continue;
        if (first) {
          return makeError(ErrorCode::kInvalidArgument,
                           "found duplicate series for the match group " + sigs[g].str() +
                               " on the right hand-side of the operation: [" +
                               rhs.series[k].labels.str() + ", " + first->labels.str() +
                               "];many-to-many matching not allowed: matching labels must be "
                               "unique on one side");
        }
        first = &rhs.series[k];
      }
    }
    for (std::size_t k = 0; k < lhs.series.size(); ++k) {
      const StepSeries& l = lhs.series[k];
      if (!l.has[i]) continue;
      std::size_t g = lhsIds[k];
      const StepSeries* r = nullptr;
      for (std::size_t c : rhsBySig[g]) {
        if (rhs.series[c].has[i]) r = &rhs.series[c];
      }
      if (!r) continue;
      auto [v, keep] = apply(e.binaryOp, l.v[i], r->v[i]);
      if (e.returnBool) {
        v = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) continue;
      if (matchedAt[g] == i + 1) {
        return makeError(ErrorCode::kInvalidArgument,
                         "multiple matches for labels: many-to-one matching must be explicit "
                         "(group_left/group_right)");
      }
      matchedAt[g] = i + 1;
      out.series[k].v[i] = v;
      out.series[k].has[i] = 1;
    }
  }
  PHAROS_ASSIGN_OR_RETURN(out.series,
                          mergeSameLabels(std::move(out.series),
                                          "vector cannot contain metrics with the same labelset"));
  return out;
}

}  // namespace

double goMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  if (a == 0 && b == 0) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

double goMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  if (a == 0 && b == 0) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

Result<std::vector<StepSeries>> mergeSameLabels(std::vector<StepSeries> series,
                                                std::string_view message) {
  // Keyed by hash, not by a copy of the labels: this runs on every function's output.
  std::unordered_multimap<std::uint64_t, std::size_t> index;
  index.reserve(series.size());
  std::vector<StepSeries> out;
  out.reserve(series.size());
  for (auto& s : series) {
    std::uint64_t h = s.labels.hash();
    StepSeries* into = nullptr;
    auto [first, last] = index.equal_range(h);
    for (auto it = first; it != last && !into; ++it) {
      if (out[it->second].labels == s.labels) into = &out[it->second];
    }
    if (!into) {
      index.emplace(h, out.size());
      out.push_back(std::move(s));
      continue;
    }
    for (std::size_t i = 0; i < s.has.size(); ++i) {
      if (!s.has[i]) continue;
      if (into->has[i]) return makeError(ErrorCode::kInvalidArgument, std::string(message));
      into->has[i] = 1;
      into->v[i] = s.v[i];
    }
  }
  return out;
}

Result<StepValue> evalBinary(const Expr& expr, StepValue lhs, StepValue rhs, std::size_t steps) {
  bool ls = lhs.type == ValueType::kScalar;
  bool rs = rhs.type == ValueType::kScalar;
  if (ls && rs) return scalarScalar(expr, std::move(lhs), rhs, steps);
  if (rs) return vectorScalar(expr, std::move(lhs), rhs, false, steps);
  if (ls) return vectorScalar(expr, std::move(rhs), lhs, true, steps);
  if (isSetOperator(expr.binaryOp)) {
    return setOperation(expr, std::move(lhs), std::move(rhs), steps);
  }
  return vectorVector(expr, std::move(lhs), std::move(rhs), steps);
}

}  // namespace pharos::promql
