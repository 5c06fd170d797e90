#include "health/health_config.h"

#include <set>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "promql/api_params.h"

namespace pharos::health {
namespace {

using config::Node;

constexpr std::string_view kWindowFields[] = {"name",     "start",  "end",   "every",
                                              "duration", "checks", "labels"};

void readWindowField(std::string_view key, const Node& v, const std::string& f,
                     MaintenanceWindow& w, config::NodeReader& r) {
  if (key == "name") {
    r.string(v, f, w.name);
  } else if (key == "start" || key == "end" || key == "every" || key == "duration") {
    readWindowTiming(r, key, v, f, w);
  } else if (key == "checks") {
    r.strings(v, f, w.checks);
  } else if (key == "labels") {
    r.list(v, f, [&](const Node& item, const std::string& itemField) {
      std::string s;
      if (!r.string(item, itemField, s)) return;
      auto matchers = parseLabelMatchers(s);
      if (!matchers.ok()) {
        r.problem(item, itemField, fmt::format("{}: {}", itemField, matchers.error().message));
        return;
      }
      w.labels.insert(w.labels.end(), matchers->begin(), matchers->end());
    });
  }
}

}  // namespace

bool readWindowTiming(config::NodeReader& r, std::string_view key, const Node& v,
                      const std::string& f, MaintenanceWindow& w) {
  if (key == "duration") return r.duration(v, f, w.duration, Millis(0), Millis::max());
  std::string s;
  if (!r.string(v, f, s)) return false;
  if (key == "every") {
    auto cron = CronSchedule::parse(s);
    if (!cron.ok()) {
      r.problem(v, f, fmt::format("{}: {}", f, cron.error().message));
      return false;
    }
    w.every = std::move(cron).value();
    return true;
  }
  auto t = promql::parseTimeParam(s);
  // From 1970 to what WallTime holds (its nanoseconds end in 2262): a later time would
  // overflow on conversion.
  if (!t.ok() || *t < 0 || *t >= toUnixMillis(WallTime::max())) {
    r.problem(v, f, fmt::format("{}: expected a time like 2026-12-01T02:00:00Z, got '{}'", f, s));
    return false;
  }
  (key == "start" ? w.start : w.end) = fromUnixMillis(*t);
  return true;
}

std::variant<MaintenanceWindow, std::vector<SpecProblem>> parseMaintenanceWindow(
    const Node& node, std::string_view path) {
  config::NodeReader r(path);
  MaintenanceWindow w;
  r.map(node, r.path(), [&](const std::string& key, const Node& value) {
    if (r.knownField(key, value, kWindowFields)) readWindowField(key, value, r.field(key), w, r);
  });
  if (r.ok()) {
    if (Status s = validateWindow(w); !s.ok()) {
      r.problem(node, r.path(), fmt::format("{}: {}", r.path(), s.error().message));
    }
  }
  if (!r.ok()) return r.take();
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
      config::appendDiagnostics(*p, config.file, problems);
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
      config::appendDiagnostics(*p, config.file, problems);
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
