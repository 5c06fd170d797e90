#include "slo/slo_spec.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "core/text.h"
#include "health/health_config.h"
#include "health/maintenance.h"
#include "promql/ast.h"
#include "promql/parser.h"

namespace pharos::slo {
namespace {

using config::Node;

constexpr std::string_view kFields[] = {"name",      "description", "labels", "objective", "window",
                                        "sli",       "check",       "checks", "good",      "total",
                                        "histogram", "threshold",   "gauge",  "exclude"};
constexpr std::string_view kExcludeFields[] = {"start", "end", "every", "duration"};

// Excluded periods are checked by health's maintenance rules, as a window covering one
// pseudo-check: the same validation and interval arithmetic, not a second copy of them.
constexpr std::string_view kSelf = "slo";

std::optional<SliKind> parseSliKind(std::string_view s) {
  if (s == "availability") return SliKind::kAvailability;
  if (s == "ratio") return SliKind::kRatio;
  if (s == "latency") return SliKind::kLatency;
  if (s == "gauge") return SliKind::kGauge;
  return std::nullopt;
}

promql::Matcher equal(std::string name, std::string value) {
  // Equality matchers compile nothing and cannot fail.
  return promql::Matcher::make(promql::Matcher::Type::kEqual, std::move(name), std::move(value))
      .value();
}

// `le` spellings of the threshold: exporters write 0.3, 0.30 or 1.0 for the same bound.
std::string leRegex(double threshold) {
  std::string shortest = fmt::format("{}", threshold);
  std::string escaped;
  for (char c : shortest) {
    if (c == '.' || c == '+') escaped += '\\';
    escaped += c;
  }
  bool exponent = shortest.find('e') != std::string::npos;
  if (exponent) return escaped;
  if (shortest.find('.') != std::string::npos) return escaped + "0*";
  // An alternation, not (\.0*)?: the matcher refuses a repeated group that repeats.
  return escaped + "|" + escaped + "\\.0*";
}

class Reader : public config::NodeReader {
 public:
  using NodeReader::NodeReader;

  // A vector selector with a metric name (`m{a="b"}`): its matchers, or a problem pointing at
  // the character in the file. `why` ends the message for anything that is not a selector.
  std::optional<std::vector<promql::Matcher>> selector(const Node& v, const std::string& f,
                                                       std::string_view why) {
    const std::string* text = scalar(v, f);
    if (text == nullptr) return std::nullopt;
    auto parsed = promql::parse(*text);
    if (!parsed.ok()) {
      Node at = v;
      if (auto pos = promql::errorPosition(parsed.error())) {
        std::tie(at.line, at.column) = v.positionOf(*pos);
      }
      problem(at, f, fmt::format("{}: {}", f, parsed.error().message));
      return std::nullopt;
    }
    const promql::Expr& e = **parsed;
    if (e.kind != promql::Expr::Kind::kVectorSelector || e.offsetMs != 0) {
      problem(v, f,
              fmt::format("{}: expected a selector like metric{{label=\"value\"}}, {}", f, why));
      return std::nullopt;
    }
    if (e.text.empty()) {
      problem(v, f, fmt::format("{}: the selector needs a metric name", f));
      return std::nullopt;
    }
    return e.matchers;
  }
};

void readExclude(Reader& r, const Node& item, const std::string& f, SloSpec& s) {
  health::MaintenanceWindow w;
  w.name = f;
  w.checks = {std::string(kSelf)};
  // Problems named under the item's path, then handed to the SLO's reader.
  config::NodeReader nested(f);
  nested.map(item, f, [&](const std::string& key, const Node& v) {
    if (nested.knownField(key, v, kExcludeFields)) {
      health::readWindowTiming(nested, key, v, nested.field(key), w);
    }
  });
  bool ok = nested.ok();
  r.adopt(nested.take());
  if (!item.isMap() || !ok) return;
  if (Status st = health::validateWindow(w); !st.ok()) {
    // "maintenance window 'slos[0].exclude[1]': needs ..." -> "slos[0].exclude[1]: needs ...".
    std::string message = st.error().message;
    std::string prefix = fmt::format("maintenance window '{}': ", f);
    if (message.starts_with(prefix)) message = message.substr(prefix.size());
    r.problem(item, f, fmt::format("{}: {}", f, message));
    return;
  }
  s.exclude.push_back(ExcludedPeriod{w.start, w.end, w.every, w.duration});
}

void readField(Reader& r, std::string_view key, const Node& v, SloSpec& s) {
  std::string f = r.field(key);
  if (key == "name") {
    r.name(v, f, s.name);
  } else if (key == "description") {
    r.string(v, f, s.description);
  } else if (key == "labels") {
    r.map(v, f, [&](const std::string& name, const Node& value) {
      std::string lf = fmt::format("{}.{}", f, name);
      std::string text;
      r.string(value, lf, text);
      if (!isValidLabelName(name) || name.starts_with("__") || name == "slo") {
        r.problem(value, lf,
                  fmt::format("{}: '{}' cannot be a label name (slo is set by Pharos)", lf, name));
      } else if (!isValidUtf8(text)) {
        r.problem(value, lf, fmt::format("{}: not valid UTF-8", lf));
      }
      s.labels[name] = std::move(text);
    });
  } else if (key == "objective") {
    double objective = 0;
    if (!r.number(v, f, objective, -1e308, 1e308)) return;
    if (objective <= 0 || objective >= 100) {
      r.problem(v, f,
                fmt::format("{}: the objective is a percentage of good events above 0 and below "
                            "100 (like 99.9), got {}",
                            f, v.shown()));
      return;
    }
    s.objective = objective;
  } else if (key == "window") {
    std::string text;
    if (!r.string(v, f, text)) return;
    auto window = parseSloWindow(text);
    if (!window.ok()) {
      r.problem(v, f, fmt::format("{}: {}", f, window.error().message));
      return;
    }
    s.window = *window;
  } else if (key == "check") {
    r.string(v, f, s.check);
  } else if (key == "checks") {
    r.string(v, f, s.checks);
  } else if (key == "good") {
    r.string(v, f, s.good);
  } else if (key == "total") {
    r.string(v, f, s.total);
  } else if (key == "histogram") {
    r.string(v, f, s.histogram);
  } else if (key == "threshold") {
    r.number(v, f, s.threshold, -1e308, 1e308);
  } else if (key == "gauge") {
    r.string(v, f, s.gauge);
  } else if (key == "exclude") {
    r.list(v, f, [&](const Node& item, const std::string& itemField) {
      readExclude(r, item, itemField, s);
    });
  }
}

constexpr std::string_view kCountersWhy =
    "not an expression: events are summed from counter increases round by round, which "
    "needs the counters themselves";

// Fills s.query from the SLI fields; reports what is missing or contradictory.
void deriveQuery(Reader& r, const Node& node, SloSpec& s) {
  auto at = [&](std::string_view key) -> const Node& {
    const Node* n = node.find(key);
    return n != nullptr ? *n : node;
  };
  auto need = [&](std::string_view key, std::string_view what) {
    if (!node.find(key)) {
      r.problem(node, r.field(key),
                fmt::format("{}: a {} SLI needs {}", r.field(key), sliKindName(s.sli), what));
      return false;
    }
    return true;
  };
  SliQuery& q = s.query;
  switch (s.sli) {
    case SliKind::kAvailability: {
      q.mode = SliQuery::Mode::kSamples;
      q.checkMaintenance = true;
      q.good = {equal(std::string(Labels::kMetricName), "pharos_check_up"),
                // Results recorded during maintenance carry maintenance="true".
                equal("maintenance", "")};
      if (node.find("check") && node.find("checks")) {
        r.problem(at("checks"), r.field("checks"),
                  fmt::format("{}: give one check by name or several by labels, not both",
                              r.field("checks")));
      } else if (node.find("check")) {
        if (s.check.empty()) {
          r.problem(at("check"), r.field("check"),
                    fmt::format("{}: expected a check name", r.field("check")));
        }
        q.good.push_back(equal("check", s.check));
      } else if (node.find("checks")) {
        auto matchers = health::parseLabelMatchers(s.checks);
        if (!matchers.ok()) {
          r.problem(at("checks"), r.field("checks"),
                    fmt::format("{}: {}", r.field("checks"), matchers.error().message));
        } else {
          q.good.insert(q.good.end(), matchers->begin(), matchers->end());
        }
      }
      break;
    }
    case SliKind::kGauge: {
      q.mode = SliQuery::Mode::kSamples;
      if (!need("gauge", "a selector of a 0/1 gauge, like up{job=\"api\"}")) break;
      if (auto m = r.selector(at("gauge"), r.field("gauge"), "not an expression")) q.good = *m;
      break;
    }
    case SliKind::kRatio: {
      q.mode = SliQuery::Mode::kCounters;
      bool good = need("good", "a counter selector of good events");
      bool total = need("total", "a counter selector of all events");
      if (good) {
        if (auto m = r.selector(at("good"), r.field("good"), kCountersWhy)) q.good = *m;
      }
      if (total) {
        if (auto m = r.selector(at("total"), r.field("total"), kCountersWhy)) q.total = *m;
      }
      break;
    }
    case SliKind::kLatency: {
      q.mode = SliQuery::Mode::kCounters;
      bool histogram = need("histogram", "a histogram, like http_request_duration_seconds");
      need("threshold", "a threshold: one of the histogram's le bucket bounds, in its unit");
      if (!histogram) break;
      auto m = r.selector(at("histogram"), r.field("histogram"), "not an expression");
      if (!m) break;
      std::string name;
      std::vector<promql::Matcher> rest;
      for (const promql::Matcher& matcher : *m) {
        if (matcher.name == Labels::kMetricName) {
          name = matcher.value;
        } else if (matcher.name == "le") {
          r.problem(
              at("histogram"), r.field("histogram"),
              fmt::format("{}: leave out le; threshold picks the bucket", r.field("histogram")));
        } else {
          rest.push_back(matcher);
        }
      }
      for (std::string_view suffix : {"_bucket", "_count", "_sum"}) {
        if (name.ends_with(suffix)) {
          r.problem(at("histogram"), r.field("histogram"),
                    fmt::format("{}: name the histogram without {} (like {})", r.field("histogram"),
                                suffix, name.substr(0, name.size() - suffix.size())));
          break;
        }
      }
      q.good = rest;
      q.good.push_back(equal(std::string(Labels::kMetricName), name + "_bucket"));
      auto le =
          promql::Matcher::make(promql::Matcher::Type::kRegexMatch, "le", leRegex(s.threshold));
      if (!le.ok()) {
        r.problem(at("threshold"), r.field("threshold"),
                  fmt::format("{}: {}", r.field("threshold"), le.error().message));
        break;
      }
      q.good.push_back(std::move(le).value());
      q.total = rest;
      q.total.push_back(equal(std::string(Labels::kMetricName), name + "_count"));
      break;
    }
  }
}

// Which SLI the fields given describe, or a problem when none or several do.
std::optional<SliKind> inferSli(Reader& r, const Node& node) {
  struct Group {
    SliKind kind;
    std::vector<std::string_view> fields;
  };
  const Group groups[] = {{SliKind::kAvailability, {"check", "checks"}},
                          {SliKind::kRatio, {"good", "total"}},
                          {SliKind::kLatency, {"histogram", "threshold"}},
                          {SliKind::kGauge, {"gauge"}}};
  std::vector<SliKind> present;
  for (const Group& g : groups) {
    if (std::any_of(g.fields.begin(), g.fields.end(),
                    [&](std::string_view f) { return node.find(f) != nullptr; })) {
      present.push_back(g.kind);
    }
  }
  std::optional<SliKind> declared;
  if (const Node* sli = node.find("sli")) {
    std::string text;
    if (r.string(*sli, r.field("sli"), text)) {
      declared = parseSliKind(text);
      if (!declared) {
        r.problem(*sli, r.field("sli"),
                  fmt::format("{}: unknown SLI '{}' (expected availability, ratio, latency or "
                              "gauge)",
                              r.field("sli"), sli->shown()));
      }
    }
  }
  if (present.empty()) {
    r.problem(node, r.path().empty() ? "sli" : r.path(),
              fmt::format("{}: an SLO needs an SLI: check or checks (availability), good and "
                          "total (ratio), histogram and threshold (latency), or gauge",
                          r.path().empty() ? "body" : r.path()));
    return std::nullopt;
  }
  if (present.size() > 1) {
    std::string kinds;
    for (SliKind k : present)
      kinds += (kinds.empty() ? "" : ", ") + std::string(sliKindName(k));
    r.problem(node, r.path().empty() ? "sli" : r.path(),
              fmt::format("{}: the fields describe more than one SLI ({}); an SLO has one",
                          r.path().empty() ? "body" : r.path(), kinds));
    return std::nullopt;
  }
  if (declared && *declared != present.front()) {
    r.problem(*node.find("sli"), r.field("sli"),
              fmt::format("{}: is {} but the fields describe a {} SLI", r.field("sli"),
                          sliKindName(*declared), sliKindName(present.front())));
  }
  return present.front();
}

}  // namespace

std::string_view sliKindName(SliKind kind) {
  switch (kind) {
    case SliKind::kAvailability:
      return "availability";
    case SliKind::kRatio:
      return "ratio";
    case SliKind::kLatency:
      return "latency";
    case SliKind::kGauge:
      return "gauge";
  }
  return "?";
}

ParsedSlo parseSloSpec(const Node& node, std::string_view path) {
  Reader r(path);
  SloSpec s;
  if (!node.isMap()) {
    r.problem(
        node, std::string(path),
        fmt::format("{}: expected an SLO definition (a mapping)", path.empty() ? "body" : path));
    return r.take();
  }
  for (const auto& [key, value] : node.members) {
    if (!r.knownField(key, value, kFields)) continue;
    readField(r, key, value, s);
  }
  if (!node.find("name")) {
    r.problem(node, r.field("name"), fmt::format("{}: an SLO needs a name", r.field("name")));
  }
  if (!node.find("objective")) {
    r.problem(
        node, r.field("objective"),
        fmt::format("{}: an SLO needs an objective, a percentage like 99.9", r.field("objective")));
  }
  if (auto kind = inferSli(r, node)) {
    s.sli = *kind;
    deriveQuery(r, node, s);
  }
  if (!r.ok()) return r.take();
  return s;
}

nlohmann::json sloSpecToJson(const SloSpec& s) {
  nlohmann::json j;
  j["name"] = s.name;
  if (!s.description.empty()) j["description"] = s.description;
  j["labels"] = s.labels;
  j["objective"] = s.objective;
  j["window"] = formatSloWindow(s.window);
  j["sli"] = sliKindName(s.sli);
  switch (s.sli) {
    case SliKind::kAvailability:
      if (!s.checks.empty()) {
        j["checks"] = s.checks;
      } else {
        j["check"] = s.check;
      }
      break;
    case SliKind::kRatio:
      j["good"] = s.good;
      j["total"] = s.total;
      break;
    case SliKind::kLatency:
      j["histogram"] = s.histogram;
      j["threshold"] = s.threshold;
      break;
    case SliKind::kGauge:
      j["gauge"] = s.gauge;
      break;
  }
  nlohmann::json exclude = nlohmann::json::array();
  for (const ExcludedPeriod& p : s.exclude) {
    nlohmann::json e;
    if (p.every) {
      e["every"] = p.every->text();
      e["duration"] = config::formatDuration(p.duration);
    } else {
      e["start"] = formatUtc(toUnixMillis(*p.start));
      e["end"] = formatUtc(toUnixMillis(*p.end));
    }
    exclude.push_back(std::move(e));
  }
  j["exclude"] = std::move(exclude);
  return j;
}

std::variant<std::vector<SloSpec>, std::vector<config::Diagnostic>> readSloConfig(
    const Node& slos, const std::string& file) {
  std::vector<SloSpec> out;
  std::vector<config::Diagnostic> problems;
  if (slos.isNull()) return out;
  if (!slos.isList()) {
    problems.push_back({file, slos.line, slos.column, "slos: expected a list of SLOs"});
    return problems;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < slos.items.size(); ++i) {
    const Node& item = slos.items[i];
    ParsedSlo parsed = parseSloSpec(item, fmt::format("slos[{}]", i));
    if (auto* p = std::get_if<std::vector<SpecProblem>>(&parsed)) {
      config::appendDiagnostics(*p, file, problems);
      continue;
    }
    SloSpec& spec = std::get<SloSpec>(parsed);
    if (!names.insert(spec.name).second) {
      const Node* name = item.find("name");
      problems.push_back(
          config::Diagnostic{file, name ? name->line : item.line, name ? name->column : item.column,
                             fmt::format("slos[{}].name: duplicate SLO name '{}'", i, spec.name)});
      continue;
    }
    out.push_back(std::move(spec));
  }
  if (!problems.empty()) return problems;
  return out;
}

}  // namespace pharos::slo
