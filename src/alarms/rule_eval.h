#pragma once

#include <vector>

#include "alarms/alert_state.h"
#include "alarms/rule_inputs.h"
#include "alarms/rule_spec.h"
#include "core/clock.h"
#include "core/labels.h"
#include "core/result.h"
#include "promql/evaluator.h"
#include "promql/queryable.h"

namespace pharos::alarms {

// What one evaluation says of one instance of a rule. Two answers, because a threshold rule
// with `clear` judges an instance that is already PENDING or FIRING against `clear` instead
// of `value`; every other rule gives the same answer twice.
struct Observation {
  Labels labels;  // the instance's identity: its series' (or check's) labels + rule identity
  double value = 0;
  bool breachingWhenIdle = false;    // OK or RESOLVED
  bool breachingWhenActive = false;  // PENDING or FIRING
  bool breaching(AlertState current) const {
    return isActive(current) ? breachingWhenActive : breachingWhenIdle;
  }
};

// threshold and absence rules: runs the expression at `now`. Threshold: one observation per
// series (the metric name dropped, as Prometheus drops it from alert labels). Absence: one
// observation for the rule, breaching when the expression returns nothing.
Result<std::vector<Observation>> observeQuery(const RuleSpec& rule, promql::Queryable& queryable,
                                              WallTime now,
                                              const promql::EvalOptions& options = {});

// slo_burn: one observation, breaching while any pair of the rule's severity is; its value
// is the highest long-window burn among them (among all the severity's pairs when none
// breaches). kNotFound when the source knows no such SLO.
Result<std::vector<Observation>> observeSlo(const RuleSpec& rule, const BurnSource& burns);

// check: one observation of one check, breaching while it is down outside maintenance.
Observation observeCheck(const RuleSpec& rule, const CheckStateView& check);

// The instance labels of a rule over labels from a series or a check: `base` without its
// metric name, with the rule's identity (labels, alertname, severity) on top.
Labels instanceLabels(const RuleSpec& rule, const Labels& base);

}  // namespace pharos::alarms
