#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "alarms/route_matchers.h"
#include "core/config/node.h"
#include "core/config/node_reader.h"
#include "core/labels.h"

namespace pharos::alarms {

// As in Alertmanager: while an alert matching `sourceMatchers` fires, alerts matching
// `targetMatchers` that have the same values for every label in `equal` (absent on both
// sides counts as the same) are not sent. The usual use: a firing `severity="critical"`
// mutes the `severity="warning"` of the same cluster.
struct InhibitRule {
  std::vector<AlertMatcher> sourceMatchers;
  std::vector<AlertMatcher> targetMatchers;
  std::vector<std::string> equal;
};

// One `inhibit_rules:` item (config or JSON body): source_matchers, target_matchers (each a
// list of matcher strings, at least one), equal (label names).
std::variant<InhibitRule, std::vector<config::FieldProblem>> parseInhibitRule(
    const config::Node& node, std::string_view path);

// The firing sources of every rule, kept up to date as alerts change, so the question "is
// this alert inhibited?" costs one hash lookup per rule whose target it matches. Not
// thread-safe: the dispatcher calls it under its own lock.
class Inhibitor {
 public:
  explicit Inhibitor(std::vector<InhibitRule> rules = {});

  // `fingerprint` (Labels::hash()) fires now, or no longer (resolved or forgotten). Both are
  // idempotent.
  void setFiring(std::uint64_t fingerprint, const Labels& labels, bool firing);

  // Whether a firing source other than the alert itself mutes it. An alert that matches both
  // sides of a rule is only muted by sources that do not (Alertmanager's rule), so two
  // critical alerts do not silence each other.
  bool isInhibited(std::uint64_t fingerprint, const Labels& labels) const;

  const std::vector<InhibitRule>& rules() const { return rules_; }

 private:
  struct Source {
    bool alsoTarget = false;  // matches the rule's target matchers too
  };
  // Per rule: the values of its `equal` labels -> the firing sources with them.
  using SourceIndex = std::unordered_map<std::string, std::unordered_map<std::uint64_t, Source>>;

  static std::string equalKey(const InhibitRule& rule, const Labels& labels);

  std::vector<InhibitRule> rules_;
  std::vector<SourceIndex> sources_;
};

}  // namespace pharos::alarms
