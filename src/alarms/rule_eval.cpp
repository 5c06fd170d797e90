#include "alarms/rule_eval.h"

#include <algorithm>
#include <cmath>

namespace pharos::alarms {

Labels instanceLabels(const RuleSpec& rule, const Labels& base) {
  std::vector<Label> out;
  out.reserve(base.size() + rule.labels.size() + 2);
  for (const Label& l : base) {
    if (l.name != Labels::kMetricName) out.push_back(l);
  }
  // fromUnsorted keeps the later of two equal names: the rule's own labels win.
  for (const auto& [k, v] : rule.labels)
    out.push_back({k, v});
  out.push_back({"alertname", rule.name});
  out.push_back({"severity", rule.severity});
  return Labels::fromUnsorted(std::move(out));
}

Result<std::vector<Observation>> observeQuery(const RuleSpec& rule, promql::Queryable& queryable,
                                              WallTime now, const promql::EvalOptions& options) {
  if (!rule.expr) return makeError(ErrorCode::kInternal, "rule without an expression", rule.name);
  PHAROS_ASSIGN_OR_RETURN(
      promql::QueryResult result,
      promql::evaluateInstant(queryable, *rule.expr, toUnixMillis(now), options));
  std::vector<Observation> out;
  if (rule.kind == RuleKind::kAbsence) {
    bool empty = std::none_of(result.series.begin(), result.series.end(),
                              [](const promql::ResultSeries& s) { return !s.points.empty(); });
    out.push_back(Observation{rule.identity(), empty ? 1.0 : 0.0, empty, empty});
    return out;
  }
  out.reserve(result.series.size());
  for (const promql::ResultSeries& s : result.series) {
    if (s.points.empty()) continue;
    double v = s.points.back().v;
    Observation o;
    o.labels = instanceLabels(rule, s.labels);
    o.value = v;
    // NaN compares false both ways: a series without a value neither fires nor clears.
    o.breachingWhenIdle = compare(v, rule.op, rule.threshold);
    o.breachingWhenActive = compare(v, rule.op, rule.clear.value_or(rule.threshold));
    out.push_back(std::move(o));
  }
  return out;
}

Result<std::vector<Observation>> observeSlo(const RuleSpec& rule, const BurnSource& burns) {
  if (!burns) return makeError(ErrorCode::kFailedPrecondition, "no SLO source", rule.name);
  std::optional<std::vector<BurnPair>> pairs = burns(rule.slo);
  if (!pairs) return makeError(ErrorCode::kNotFound, "no such SLO: " + rule.slo, rule.name);
  bool breaching = false;
  double value = 0;
  double breachingValue = 0;
  for (const BurnPair& p : *pairs) {
    if (p.severity != rule.severity) continue;
    value = std::max(value, p.longBurn);
    if (p.breaching) {
      breaching = true;
      breachingValue = std::max(breachingValue, p.longBurn);
    }
  }
  Labels labels = rule.identity().with("slo", rule.slo);
  return std::vector<Observation>{
      Observation{std::move(labels), breaching ? breachingValue : value, breaching, breaching}};
}

Observation observeCheck(const RuleSpec& rule, const CheckStateView& check) {
  bool breaching = check.down && !check.maintenance;
  return Observation{instanceLabels(rule, check.labels), check.down ? 1.0 : 0.0, breaching,
                     breaching};
}

}  // namespace pharos::alarms
