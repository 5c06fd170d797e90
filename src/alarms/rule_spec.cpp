#include "alarms/rule_spec.h"

#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "core/config/node_json.h"
#include "core/text.h"
#include "health/maintenance.h"
#include "promql/parser.h"

namespace pharos::alarms {
namespace {

using config::Node;

constexpr std::string_view kFields[] = {
    "name", "kind",  "severity", "labels",   "annotations", "interval",
    "for",  "expr",  "op",       "value",    "clear",       "keep_firing_for",
    "slo",  "check", "checks",   "selector", "sensitivity", "window"};

constexpr std::string_view kKinds = "threshold, slo_burn, check, absence or anomaly";

// The series the analysis module writes for each series it scores: one sample per scored
// point in [0, 1], labelled with the original's labels and metric="<its metric name>" (the
// original's own `metric` label moved to `exported_metric`). Named here rather than taken
// from analysis so a rule reads only the stored series, whoever wrote them.
constexpr std::string_view kAnomalyScoreMetric = "pharos_anomaly_score";
constexpr std::string_view kAnomalyMetricLabel = "metric";
constexpr std::string_view kAnomalyExportedMetricLabel = "exported_metric";

constexpr Millis kMaxDuration{7LL * 86'400'000};

bool isValidRuleName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == ':';
  });
}

std::optional<RuleKind> parseKind(std::string_view s) {
  if (s == "threshold") return RuleKind::kThreshold;
  if (s == "slo_burn") return RuleKind::kSloBurn;
  if (s == "check") return RuleKind::kCheck;
  if (s == "absence") return RuleKind::kAbsence;
  if (s == "anomaly") return RuleKind::kAnomaly;
  return std::nullopt;
}

std::optional<CompareOp> parseOp(std::string_view s) {
  if (s == ">") return CompareOp::kGreater;
  if (s == ">=") return CompareOp::kGreaterEqual;
  if (s == "<") return CompareOp::kLess;
  if (s == "<=") return CompareOp::kLessEqual;
  if (s == "==") return CompareOp::kEqual;
  if (s == "!=") return CompareOp::kNotEqual;
  return std::nullopt;
}

// Fields that mean something only for some kinds; given for another, they are a mistake.
bool fieldAppliesTo(std::string_view key, RuleKind k) {
  using enum RuleKind;
  if (key == "expr") return k == kThreshold || k == kAbsence;
  if (key == "op" || key == "value" || key == "clear") return k == kThreshold;
  if (key == "slo") return k == kSloBurn;
  if (key == "check" || key == "checks") return k == kCheck;
  if (key == "selector" || key == "sensitivity" || key == "window") return k == kAnomaly;
  return true;
}

// "a threshold", "an anomaly": the kind as a problem's sentence names it.
std::string withArticle(RuleKind k) {
  bool vowel = k == RuleKind::kAnomaly || k == RuleKind::kAbsence;
  return fmt::format("{} {}", vowel ? "an" : "a", ruleKindName(k));
}

// Points a problem at byte `offset` of a scalar's text, as the check parser does for
// conditions, so a bad expression is reported at its character in the file.
Node at(const Node& v, std::size_t offset) {
  Node n;
  n.line = v.line;
  n.column = v.column;
  if (v.isScalar()) std::tie(n.line, n.column) = v.positionOf(offset);
  return n;
}

class Reader : public config::NodeReader {
 public:
  using NodeReader::NodeReader;

  void stringMap(const Node& v, const std::string& f, std::map<std::string, std::string>& out,
                 bool labelNames) {
    map(v, f, [&](const std::string& name, const Node& value) {
      std::string lf = fmt::format("{}.{}", f, name);
      std::string text;
      if (!string(value, lf, text)) return;
      if (labelNames && (!isValidLabelName(name) || name.starts_with("__") || name == "alertname" ||
                         name == "severity")) {
        problem(value, lf,
                fmt::format("{}: '{}' cannot be a label name (alertname and severity are set "
                            "from the rule's name and severity)",
                            lf, name));
        return;
      }
      if (!labelNames && !isValidLabelName(name)) {
        problem(value, lf, fmt::format("{}: '{}' is not a valid annotation name", lf, name));
        return;
      }
      if (!isValidUtf8(text)) {
        problem(value, lf, fmt::format("{}: not valid UTF-8", lf));
        return;
      }
      out[name] = std::move(text);
    });
  }
};

void readField(Reader& r, std::string_view key, const Node& v, RuleSpec& s) {
  std::string f = r.field(key);
  if (v.isScalar() && !isValidUtf8(v.scalar)) {
    r.problem(v, f, fmt::format("{}: not valid UTF-8", f));
    return;
  }
  if (key == "name") {
    if (r.string(v, f, s.name) && !isValidRuleName(s.name)) {
      r.problem(v, f,
                fmt::format("{}: '{}' is not a valid rule name (letters, digits, '.', '_', '-', "
                            "':'; at most 128)",
                            f, v.shown()));
    }
  } else if (key == "severity") {
    if (r.string(v, f, s.severity) && (s.severity.empty() || !isValidUtf8(s.severity))) {
      r.problem(v, f, fmt::format("{}: expected a severity (page, ticket, warning, ...)", f));
    }
  } else if (key == "labels") {
    r.stringMap(v, f, s.labels, true);
  } else if (key == "annotations") {
    r.stringMap(v, f, s.annotations, false);
    if (!v.isMap()) return;
    for (const auto& [name, value] : v.members) {
      auto it = s.annotations.find(name);
      if (it == s.annotations.end()) continue;
      auto parsed = Template::parse(it->second);
      if (auto* e = std::get_if<TemplateError>(&parsed)) {
        std::string af = fmt::format("{}.{}", f, name);
        r.problem(at(value, e->offset), af, fmt::format("{}: {}", af, e->message));
      } else {
        s.annotationTemplates[name] = std::get<Template>(std::move(parsed));
      }
    }
  } else if (key == "interval") {
    r.duration(v, f, s.interval, Millis(1'000), Millis(86'400'000));
  } else if (key == "for") {
    r.duration(v, f, s.forDuration, Millis(0), kMaxDuration);
  } else if (key == "keep_firing_for") {
    r.duration(v, f, s.keepFiringFor, Millis(0), kMaxDuration);
  } else if (key == "expr") {
    if (!r.string(v, f, s.exprText)) return;
    auto parsed = promql::parse(s.exprText);
    if (!parsed.ok()) {
      std::size_t offset = promql::errorPosition(parsed.error()).value_or(0);
      r.problem(at(v, offset), f, fmt::format("{}: {}", f, parsed.error().message));
      return;
    }
    promql::ValueType type = (*parsed)->type();
    if (type != promql::ValueType::kVector && type != promql::ValueType::kScalar) {
      r.problem(v, f,
                fmt::format("{}: the expression gives a {}; a rule needs an instant vector or a "
                            "scalar",
                            f, promql::valueTypeName(type)));
      return;
    }
    s.expr = std::shared_ptr<const promql::Expr>(std::move(parsed).value());
  } else if (key == "op") {
    std::string text;
    if (!r.string(v, f, text)) return;
    if (auto op = parseOp(text)) {
      s.op = *op;
    } else {
      r.problem(v, f,
                fmt::format("{}: unknown operator '{}' (>, >=, <, <=, == or !=)", f, v.shown()));
    }
  } else if (key == "value") {
    r.number(v, f, s.threshold, -1e308, 1e308);
  } else if (key == "clear") {
    double clear = 0;
    if (r.number(v, f, clear, -1e308, 1e308)) s.clear = clear;
  } else if (key == "slo") {
    r.string(v, f, s.slo);
  } else if (key == "check") {
    r.string(v, f, s.check);
  } else if (key == "checks") {
    if (!r.string(v, f, s.checksSelector)) return;
    auto matchers = health::parseLabelMatchers(s.checksSelector);
    if (!matchers.ok()) {
      r.problem(v, f, fmt::format("{}: {}", f, matchers.error().message));
    } else if (matchers->empty()) {
      r.problem(v, f, fmt::format("{}: a selector needs at least one matcher", f));
    } else {
      s.checkMatchers = std::move(matchers).value();
    }
  } else if (key == "selector") {
    // Checked and turned into the expression once the window is known (buildAnomalyRule).
    r.string(v, f, s.selector);
  } else if (key == "sensitivity") {
    double sensitivity = 0;
    if (!r.number(v, f, sensitivity, -1e308, 1e308)) return;
    if (sensitivity <= 0 || sensitivity >= 1) {
      r.problem(v, f,
                fmt::format("{}: {} is out of range: between 0 and 1, both excluded (it fires "
                            "on a score of at least 1 - sensitivity)",
                            f, v.shown()));
      return;
    }
    s.sensitivity = sensitivity;
  } else if (key == "window") {
    r.duration(v, f, s.window, Millis(1'000), kMaxDuration);
  }
}

// The `pharos_anomaly_score{...}` selector that stands for an anomaly rule's selector of the
// original metric: its name as metric="NAME", its other matchers as they are, except that a
// matcher on the original's own `metric` label applies to `exported_metric`, where the
// analysis module moves it. A problem (and nullopt) for anything but a plain vector
// selector with a metric name.
std::optional<std::string> anomalyScoreSelector(Reader& r, const Node& v, const std::string& f,
                                                const std::string& selector) {
  auto parsed = promql::parse(selector);
  if (!parsed.ok()) {
    std::size_t offset = promql::errorPosition(parsed.error()).value_or(0);
    r.problem(at(v, offset), f, fmt::format("{}: {}", f, parsed.error().message));
    return std::nullopt;
  }
  const promql::Expr& e = **parsed;
  if (e.kind != promql::Expr::Kind::kVectorSelector) {
    r.problem(v, f,
              fmt::format("{}: expected a series selector of the original metric, such as "
                          "http_request_duration_seconds{{service=\"checkout\"}} (no function, "
                          "range or operator)",
                          f));
    return std::nullopt;
  }
  if (e.offsetMs != 0) {
    r.problem(v, f,
              fmt::format("{}: a selector with an offset cannot be watched for anomalies", f));
    return std::nullopt;
  }
  std::string name = e.text;
  std::vector<const promql::Matcher*> others;
  for (const promql::Matcher& m : e.matchers) {
    if (m.name != Labels::kMetricName) {
      others.push_back(&m);
    } else if (name.empty() && m.type == promql::Matcher::Type::kEqual) {
      name = m.value;  // {__name__="x"}
    } else if (m.value != name || m.type != promql::Matcher::Type::kEqual) {
      name.clear();
      break;
    }
  }
  if (name.empty()) {
    r.problem(v, f,
              fmt::format("{}: an anomaly selector needs one metric name (the scores are kept "
                          "per metric), such as http_request_duration_seconds{{...}}",
                          f));
    return std::nullopt;
  }
  std::string out(kAnomalyScoreMetric);
  out += '{';
  out += kAnomalyMetricLabel;
  out += '=';
  promql::appendPromString(out, name);
  for (const promql::Matcher* m : others) {
    out += ", ";
    if (m->name == kAnomalyMetricLabel) {
      out += kAnomalyExportedMetricLabel;
      out += promql::matcherOperator(m->type);
      promql::appendPromString(out, m->value);
    } else {
      out += m->str();
    }
  }
  out += '}';
  return out;
}

// An anomaly rule as the threshold rule it runs as (see RuleSpec::selector).
void buildAnomalyRule(Reader& r, const Node& node, RuleSpec& s) {
  const Node* window = node.find("window");
  if (s.window < s.interval) {
    r.problem(window ? *window : node, r.field("window"),
              fmt::format("{}: {} is shorter than the rule's interval ({}): scores between two "
                          "evaluations would go unseen",
                          r.field("window"), config::formatDuration(s.window),
                          config::formatDuration(s.interval)));
  }
  const Node* selector = node.find("selector");
  // Not a readable string: its problem is already recorded.
  if (selector == nullptr || !selector->isScalar() || !isValidUtf8(selector->scalar)) return;
  std::string f = r.field("selector");
  std::optional<std::string> scores = anomalyScoreSelector(r, *selector, f, s.selector);
  if (!scores) return;
  s.exprText =
      fmt::format("max_over_time({}[{}])", *scores, promql::formatPromDuration(s.window.count()));
  auto parsed = promql::parse(s.exprText);
  if (!parsed.ok()) {
    // Only a selector the parser read back differently could get here; say what was built.
    r.problem(*selector, f,
              fmt::format("{}: the score query '{}' does not parse: {}", f, s.exprText,
                          parsed.error().message));
    return;
  }
  s.expr = std::shared_ptr<const promql::Expr>(std::move(parsed).value());
  s.op = CompareOp::kGreaterEqual;
  s.threshold = 1 - s.sensitivity;
  if (s.annotations.count("summary") == 0) {
    // Not added to `annotations`: those show the rule as written.
    auto summary =
        Template::parse("anomaly in {{ $labels.metric }} (score {{ $value }} in the last " +
                        config::formatDuration(s.window) + ")");
    if (auto* t = std::get_if<Template>(&summary)) s.annotationTemplates["summary"] = *t;
  }
}

// What a kind needs, once every field is read.
void checkKind(Reader& r, const Node& node, RuleSpec& s) {
  for (const auto& [key, value] : node.members) {
    if (!fieldAppliesTo(key, s.kind)) {
      r.problem(value, r.field(key),
                fmt::format("{}: not a field of {} rule", r.field(key), withArticle(s.kind)));
    }
  }
  auto require = [&](std::string_view key, std::string_view what) {
    if (node.find(key) == nullptr) {
      r.problem(node, r.field(key),
                fmt::format("{}: {} rule needs {}", r.field(key), withArticle(s.kind), what));
    }
  };
  switch (s.kind) {
    case RuleKind::kThreshold:
      require("expr", "an expression (expr)");
      require("op", "an operator (op: >, >=, <, <=, == or !=)");
      require("value", "a threshold (value)");
      if (s.clear) {
        const Node* clear = node.find("clear");
        bool above = s.op == CompareOp::kGreater || s.op == CompareOp::kGreaterEqual;
        bool below = s.op == CompareOp::kLess || s.op == CompareOp::kLessEqual;
        if (!above && !below) {
          r.problem(*clear, r.field("clear"),
                    fmt::format("{}: clear applies to >, >=, < and <= only", r.field("clear")));
        } else if ((above && *s.clear > s.threshold) || (below && *s.clear < s.threshold)) {
          r.problem(*clear, r.field("clear"),
                    fmt::format("{}: clear ({}) must be on the resolved side of value ({}): "
                                "a rule that fires above a value clears at or below it",
                                r.field("clear"), formatValue(*s.clear), formatValue(s.threshold)));
        }
      }
      break;
    case RuleKind::kAbsence:
      require("expr", "an expression (expr)");
      break;
    case RuleKind::kAnomaly:
      require("selector", "a selector of the metric to watch (selector)");
      buildAnomalyRule(r, node, s);
      break;
    case RuleKind::kSloBurn:
      require("slo", "the SLO's id (slo)");
      if (s.severity != "page" && s.severity != "ticket") {
        const Node* sev = node.find("severity");
        r.problem(sev ? *sev : node, r.field("severity"),
                  fmt::format("{}: an slo_burn rule's severity is page or ticket (the burn-rate "
                              "windows it watches)",
                              r.field("severity")));
      }
      break;
    case RuleKind::kCheck:
      if (node.find("check") == nullptr && node.find("checks") == nullptr) {
        r.problem(node, r.field("check"),
                  fmt::format("{}: a check rule needs check (a name) or checks (a selector)",
                              r.field("check")));
      } else if (node.find("check") != nullptr && node.find("checks") != nullptr) {
        r.problem(*node.find("checks"), r.field("checks"),
                  fmt::format("{}: give check or checks, not both", r.field("checks")));
      }
      break;
  }
}

}  // namespace

std::string_view ruleKindName(RuleKind kind) {
  switch (kind) {
    case RuleKind::kThreshold:
      return "threshold";
    case RuleKind::kSloBurn:
      return "slo_burn";
    case RuleKind::kCheck:
      return "check";
    case RuleKind::kAbsence:
      return "absence";
    case RuleKind::kAnomaly:
      return "anomaly";
  }
  return "?";
}

std::string_view compareOpName(CompareOp op) {
  switch (op) {
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kEqual:
      return "==";
    case CompareOp::kNotEqual:
      return "!=";
  }
  return "?";
}

bool compare(double value, CompareOp op, double threshold) {
  switch (op) {
    case CompareOp::kGreater:
      return value > threshold;
    case CompareOp::kGreaterEqual:
      return value >= threshold;
    case CompareOp::kLess:
      return value < threshold;
    case CompareOp::kLessEqual:
      return value <= threshold;
    case CompareOp::kEqual:
      return value == threshold;
    case CompareOp::kNotEqual:
      return value != threshold;
  }
  return false;
}

Labels RuleSpec::identity() const {
  std::vector<Label> out;
  for (const auto& [k, v] : labels)
    out.push_back({k, v});
  out.push_back({"alertname", name});
  out.push_back({"severity", severity});
  return Labels::fromUnsorted(std::move(out));
}

bool RuleSpec::watchesCheck(std::string_view checkName, const Labels& checkLabels) const {
  if (kind != RuleKind::kCheck) return false;
  if (!check.empty()) return check == checkName;
  if (checkMatchers.empty()) return false;
  return std::all_of(checkMatchers.begin(), checkMatchers.end(), [&](const promql::Matcher& m) {
    return m.matches(m.name == "check" ? checkName : checkLabels.get(m.name));
  });
}

ParsedRule parseRuleSpec(const Node& node, std::string_view path) {
  Reader r(path);
  RuleSpec s;
  if (!node.isMap()) {
    r.problem(
        node, std::string(path),
        fmt::format("{}: expected a rule definition (a mapping)", path.empty() ? "body" : path));
    return r.take();
  }
  bool kinded = false;
  for (const auto& [key, value] : node.members) {
    if (!r.knownField(key, value, kFields)) continue;
    if (key == "kind") {
      std::string text;
      if (!r.string(value, r.field(key), text)) continue;
      if (auto k = parseKind(text)) {
        s.kind = *k;
        kinded = true;
      } else {
        r.problem(value, r.field(key),
                  fmt::format("{}: unknown kind '{}' ({})", r.field(key), value.shown(), kKinds));
      }
      continue;
    }
    readField(r, key, value, s);
  }
  if (node.find("name") == nullptr) {
    r.problem(node, r.field("name"), fmt::format("{}: a rule needs a name", r.field("name")));
  }
  if (node.find("kind") == nullptr) {
    r.problem(node, r.field("kind"),
              fmt::format("{}: a rule needs a kind ({})", r.field("kind"), kKinds));
  }
  if (kinded) checkKind(r, node, s);
  if (!r.ok()) return r.take();
  return s;
}

ParsedRules parseRules(const Node& list, std::string_view path) {
  std::vector<config::FieldProblem> problems;
  std::vector<RuleSpec> rules;
  if (list.isNull()) return rules;
  config::NodeReader r("");
  std::set<std::string> names;
  r.list(list, std::string(path), [&](const Node& item, const std::string& f) {
    ParsedRule parsed = parseRuleSpec(item, f);
    if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
      problems.insert(problems.end(), p->begin(), p->end());
      return;
    }
    auto& rule = std::get<RuleSpec>(parsed);
    if (!names.insert(rule.name).second) {
      const Node* name = item.find("name");
      problems.push_back(
          {f + ".name", name ? name->line : item.line, name ? name->column : item.column,
           fmt::format("{}.name: a rule named '{}' is already defined", f, rule.name)});
      return;
    }
    rules.push_back(std::move(rule));
  });
  auto listProblems = r.take();
  problems.insert(problems.begin(), listProblems.begin(), listProblems.end());
  if (!problems.empty()) return problems;
  return rules;
}

ParsedRule parseRuleJson(const nlohmann::json& body) {
  return parseRuleSpec(config::nodeFromJson(body));
}

nlohmann::json ruleSpecToJson(const RuleSpec& s) {
  nlohmann::json j;
  j["name"] = s.name;
  j["kind"] = ruleKindName(s.kind);
  j["severity"] = s.severity;
  j["labels"] = s.labels;
  j["annotations"] = s.annotations;
  j["interval"] = config::formatDuration(s.interval);
  j["for"] = config::formatDuration(s.forDuration);
  j["keep_firing_for"] = config::formatDuration(s.keepFiringFor);
  switch (s.kind) {
    case RuleKind::kThreshold:
      j["expr"] = s.exprText;
      j["op"] = compareOpName(s.op);
      j["value"] = s.threshold;
      if (s.clear) j["clear"] = *s.clear;
      break;
    case RuleKind::kAbsence:
      j["expr"] = s.exprText;
      break;
    case RuleKind::kAnomaly:
      j["selector"] = s.selector;
      j["sensitivity"] = s.sensitivity;
      j["window"] = config::formatDuration(s.window);
      break;
    case RuleKind::kSloBurn:
      j["slo"] = s.slo;
      break;
    case RuleKind::kCheck:
      if (!s.check.empty()) {
        j["check"] = s.check;
      } else {
        j["checks"] = s.checksSelector;
      }
      break;
  }
  return j;
}

nlohmann::json problemsToJson(const std::vector<config::FieldProblem>& problems) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : problems)
    out.push_back({{"field", p.field}, {"message", p.message}});
  return out;
}

}  // namespace pharos::alarms
