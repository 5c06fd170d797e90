#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "alarms/rule_template.h"
#include "core/clock.h"
#include "core/config/node.h"
#include "core/config/node_reader.h"
#include "core/labels.h"
#include "promql/ast.h"
#include "promql/matcher.h"

namespace pharos::alarms {

enum class RuleKind { kThreshold, kSloBurn, kCheck, kAbsence, kAnomaly };

std::string_view ruleKindName(RuleKind kind);

enum class CompareOp { kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual };

std::string_view compareOpName(CompareOp op);  // ">", ">=", ...
bool compare(double value, CompareOp op, double threshold);

// One alerting rule as defined, in the config's `rules:` list or an API body: the same fields
// in both, read by one parser (parseRuleSpec). Immutable once parsed; the engine shares it.
struct RuleSpec {
  std::string name;  // the alertname; unique; [A-Za-z0-9._:-], 1 to 128 characters
  RuleKind kind = RuleKind::kThreshold;
  std::string severity = "warning";
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;       // raw text, as written
  std::map<std::string, Template> annotationTemplates;  // the same, parsed
  Millis interval{30'000};
  Millis forDuration{0};
  Millis keepFiringFor{0};

  // threshold, absence, anomaly: the PromQL expression (parsed at load) and its text. An
  // anomaly rule's is built from its selector and window, not written.
  std::string exprText;
  std::shared_ptr<const promql::Expr> expr;
  // threshold: fires while `value op threshold`; once pending or firing it stays so while
  // `value op clear` (hysteresis: a clear below a `>` threshold keeps a flapping series
  // firing until it is really back down). No clear: the threshold itself.
  CompareOp op = CompareOp::kGreater;
  double threshold = 0;
  std::optional<double> clear;

  // anomaly: the analysis module's scores of the series `selector` picks (in the original
  // metric's terms, as written), breaching while the highest score within `window` is at least
  // 1 - sensitivity. Parsing turns this into a threshold rule: expr is
  // max_over_time(pharos_anomaly_score{metric="NAME", ...}[window]), op >=, threshold
  // 1 - sensitivity; so each scored series is its own instance, with its labels.
  std::string selector;
  double sensitivity = 0.75;
  Millis window{300'000};

  // slo_burn: the SLO's id; `severity` (page or ticket) picks its burn-window pairs.
  std::string slo;

  // check: one check by name, or every check whose labels match.
  std::string check;
  std::string checksSelector;  // as written
  std::vector<promql::Matcher> checkMatchers;

  // The labels every instance of this rule carries: the rule's labels, alertname, severity.
  Labels identity() const;
  // Whether a check with these labels (its identity: check, type, its labels) is one this
  // check rule watches.
  bool watchesCheck(std::string_view checkName, const Labels& checkLabels) const;
};

using SharedRule = std::shared_ptr<const RuleSpec>;
using ParsedRule = std::variant<RuleSpec, std::vector<config::FieldProblem>>;
using ParsedRules = std::variant<std::vector<RuleSpec>, std::vector<config::FieldProblem>>;

// Reads one rule. `path` prefixes field names in problems ("rules[3]"); empty for an API body.
ParsedRule parseRuleSpec(const config::Node& node, std::string_view path = {});

// Reads the config's `rules:` list (every problem of every rule, and duplicate names).
ParsedRules parseRules(const config::Node& list, std::string_view path = "rules");

// A JSON body (POST /api/v1/rules) as a rule: nodeFromJson + parseRuleSpec.
ParsedRule parseRuleJson(const nlohmann::json& body);

// The definition as the API shows it: the same field names the parser reads.
nlohmann::json ruleSpecToJson(const RuleSpec& spec);

// The problems as the API's 400 body lists them: [{"field", "message"}].
nlohmann::json problemsToJson(const std::vector<config::FieldProblem>& problems);

}  // namespace pharos::alarms
