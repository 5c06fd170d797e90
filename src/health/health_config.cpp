#include "health/health_config.h"

#include <set>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "core/config/suggest.h"
#include "promql/api_params.h"

namespace pharos::health {
namespace {

using config::Node;

constexpr std::string_view kWindowFields[] = {"name",     "start",  "end",   "every",
                                              "duration", "checks", "labels"};

SpecProblem problemAt(const Node& at, std::string field, std::string message) {
  return SpecProblem{std::move(field), at.line, at.column, std::move(message)};
}

const std::string* scalarOf(const Node& v, const std::string& field,
                            std::vector<SpecProblem>& problems) {
  if (!v.isScalar()) {
    problems.push_back(problemAt(v, field, fmt::format("{}: expected a single value", field)));
    return nullptr;
  }
  return &v.scalar;
}

void readWindowField(std::string_view key, const Node& v, const std::string& f,
                     MaintenanceWindow& w, std::vector<SpecProblem>& problems) {
  if (key == "name") {
    if (auto* s = scalarOf(v, f, problems)) w.name = *s;
  } else if (key == "start" || key == "end") {
    const std::string* s = scalarOf(v, f, problems);
    if (s == nullptr) return;
    auto t = promql::parseTimeParam(*s);
    if (!t.ok()) {
      problems.push_back(problemAt(
          v, f, fmt::format("{}: expected a time like 2026-12-01T02:00:00Z, got '{}'", f, *s)));
      return;
    }
    (key == "start" ? w.start : w.end) = fromUnixMillis(*t);
  } else if (key == "every") {
    const std::string* s = scalarOf(v, f, problems);
    if (s == nullptr) return;
    auto cron = CronSchedule::parse(*s);
    if (!cron.ok()) {
      problems.push_back(problemAt(v, f, fmt::format("{}: {}", f, cron.error().message)));
      return;
    }
    w.every = std::move(cron).value();
  } else if (key == "duration") {
    const std::string* s = scalarOf(v, f, problems);
    if (s == nullptr) return;
    auto d = config::parseDuration(*s);
    if (!d.ok()) {
      problems.push_back(problemAt(v, f, fmt::format("{}: {}", f, d.error().message)));
      return;
    }
    w.duration = *d;
  } else if (key == "checks" || key == "labels") {
    if (!v.isList()) {
      problems.push_back(problemAt(v, f, fmt::format("{}: expected a list", f)));
      return;
    }
    for (std::size_t i = 0; i < v.items.size(); ++i) {
      std::string itemField = fmt::format("{}[{}]", f, i);
      const std::string* s = scalarOf(v.items[i], itemField, problems);
      if (s == nullptr) continue;
      if (key == "checks") {
        w.checks.push_back(*s);
        continue;
      }
      auto matchers = parseLabelMatchers(*s);
      if (!matchers.ok()) {
        problems.push_back(problemAt(v.items[i], itemField,
                                     fmt::format("{}: {}", itemField, matchers.error().message)));
        continue;
      }
      w.labels.insert(w.labels.end(), matchers->begin(), matchers->end());
    }
  }
}

void addProblems(const std::vector<SpecProblem>& problems, const std::string& file,
                 std::vector<config::Diagnostic>& out) {
  for (const SpecProblem& p : problems)
    out.push_back(config::Diagnostic{file, p.line, p.column, p.message});
}

}  // namespace

std::variant<MaintenanceWindow, std::vector<SpecProblem>> parseMaintenanceWindow(
    const Node& node, std::string_view path) {
  std::vector<SpecProblem> problems;
  MaintenanceWindow w;
  std::string base(path);
  if (!node.isMap()) {
    problems.push_back(problemAt(node, base, fmt::format("{}: expected a mapping", base)));
    return problems;
  }
  for (const auto& [key, value] : node.members) {
    std::string f = base.empty() ? key : fmt::format("{}.{}", base, key);
    if (std::find(std::begin(kWindowFields), std::end(kWindowFields), key) ==
        std::end(kWindowFields)) {
      std::vector<std::string_view> known(std::begin(kWindowFields), std::end(kWindowFields));
      auto hint = config::closestMatch(key, known);
      problems.push_back(problemAt(
          value, f,
          fmt::format("unknown field '{}'{}", f,
                      hint ? fmt::format(" (did you mean '{}'?)", *hint) : std::string())));
      continue;
    }
    readWindowField(key, value, f, w, problems);
  }
  if (problems.empty()) {
    if (Status s = validateWindow(w); !s.ok()) {
      problems.push_back(problemAt(node, base, fmt::format("{}: {}", base, s.error().message)));
    }
  }
  if (!problems.empty()) return problems;
  return w;
}

std::variant<HealthDefinitions, std::vector<config::Diagnostic>> readHealthConfig(
    const config::HealthConfig& config) {
  HealthDefinitions defs;
  std::vector<config::Diagnostic> problems;
  std::set<std::string> names;
  for (std::size_t i = 0; i < config.checks.items.size(); ++i) {
    const Node& item = config.checks.items[i];
    ParsedCheck parsed = parseCheckSpec(item, fmt::format("health.checks[{}]", i));
    if (auto* p = std::get_if<std::vector<SpecProblem>>(&parsed)) {
      addProblems(*p, config.file, problems);
      continue;
    }
    CheckSpec& spec = std::get<CheckSpec>(parsed);
    if (!names.insert(spec.name).second) {
      const Node* name = item.find("name");
      problems.push_back(config::Diagnostic{
          config.file, name ? name->line : item.line, name ? name->column : item.column,
          fmt::format("health.checks[{}].name: duplicate check name '{}'", i, spec.name)});
      continue;
    }
    defs.checks.push_back(std::move(spec));
  }
  std::set<std::string> windows;
  for (std::size_t i = 0; i < config.maintenance.items.size(); ++i) {
    const Node& item = config.maintenance.items[i];
    auto parsed = parseMaintenanceWindow(item, fmt::format("health.maintenance[{}]", i));
    if (auto* p = std::get_if<std::vector<SpecProblem>>(&parsed)) {
      addProblems(*p, config.file, problems);
      continue;
    }
    MaintenanceWindow& w = std::get<MaintenanceWindow>(parsed);
    if (!windows.insert(w.name).second) {
      problems.push_back(config::Diagnostic{
          config.file, item.line, item.column,
          fmt::format("health.maintenance[{}].name: duplicate window name '{}'", i, w.name)});
      continue;
    }
    defs.maintenance.push_back(std::move(w));
  }
  if (!problems.empty()) return problems;
  return defs;
}

}  // namespace pharos::health
