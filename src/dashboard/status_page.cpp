#include "dashboard/status_page.h"

#include <array>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "health/maintenance.h"

namespace pharos::dashboard {
namespace {

using nlohmann::json;

constexpr int kDays = 90;
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::array<std::string_view, 5> kFields = {"name", "title", "description", "labels",
                                                     "public"};

std::string overallStatus(int up, int down, int total) {
  if (total == 0 || up + down == 0) return "unknown";
  if (down == 0) return "operational";
  return down == total ? "outage" : "degraded";
}

}  // namespace

std::vector<StatusPageSpec> readStatusPages(const config::Node& pages,
                                            std::vector<config::FieldProblem>& problems) {
  std::vector<StatusPageSpec> out;
  if (pages.isNull()) return out;
  config::NodeReader r("status_pages");
  std::set<std::string> names;
  r.list(pages, "status_pages", [&](const config::Node& item, const std::string& at) {
    config::NodeReader ir(at);  // names fields "status_pages[2].labels"
    StatusPageSpec spec;
    ir.map(item, at, [&](const std::string& key, const config::Node& v) {
      if (!ir.knownField(key, v, kFields)) return;
      std::string f = ir.field(key);
      if (key == "name") ir.name(v, f, spec.name);
      if (key == "title") ir.string(v, f, spec.title);
      if (key == "description") ir.string(v, f, spec.description);
      if (key == "public") ir.boolean(v, f, spec.isPublic);
      if (key == "labels" && ir.string(v, f, spec.labels)) {
        auto selector = health::parseLabelMatchers(spec.labels);
        if (selector.ok()) {
          spec.selector = std::move(*selector);
        } else {
          ir.problem(v, f, fmt::format("{}: {}", f, selector.error().message));
        }
      }
    });
    bool named = !spec.name.empty();
    if (!named && item.isMap() && item.find("name") == nullptr) {
      ir.problem(item, ir.field("name"), ir.field("name") + ": required");
    }
    if (named && !names.insert(spec.name).second) {
      ir.problem(item, ir.field("name"),
                 fmt::format("{}: '{}' is used twice", ir.field("name"), spec.name));
    }
    bool ok = ir.ok();
    r.adopt(ir.take());
    if (!ok) return;
    if (spec.title.empty()) spec.title = spec.name;
    out.push_back(std::move(spec));
  });
  for (auto& p : r.take())
    problems.push_back(std::move(p));
  return out;
}

net::HttpResponse statusPageJson(const StatusPageDeps& d, std::string_view group) {
  const StatusPageSpec* page = nullptr;
  for (const StatusPageSpec& p : d.pages) {
    if (p.name == group && p.isPublic) page = &p;
  }
  if (page == nullptr) {
    return net::HttpResponse::error(404, "not_found", "no public status page by that name");
  }
  std::set<std::string> names = d.catalog.namesMatching(page->selector);
  std::map<std::string, health::CheckStatus> states;
  for (const health::CheckView& v : d.engine.checks()) {
    if (names.contains(v.spec->name)) states[v.spec->name] = v.status;
  }
  WallTime now = d.clock.now();
  auto daily = d.uptimeDays.daily(d.metrics, page->selector, names, kDays, now);
  auto window =
      d.uptimeDays.uptime(d.metrics, page->selector, names, now - Millis(kDays * kDayMs), now);
  if (!daily.ok() || !window.ok()) {
    return net::HttpResponse::error(503, "unavailable", "uptime is not readable now; retry");
  }
  json checks = json::array();
  int up = 0;
  int down = 0;
  for (const std::string& name : names) {
    health::CheckStatus status =
        states.contains(name) ? states[name] : health::CheckStatus::kUnknown;
    if (status == health::CheckStatus::kUp) ++up;
    if (status == health::CheckStatus::kDown) ++down;
    json days = json::array();
    if (auto it = daily->find(name); it != daily->end()) {
      for (const auto& v : it->second)
        days.push_back(v ? json(*v) : json(nullptr));
    }
    auto ratio = (*window)[name].ratio();
    checks.push_back({{"name", name},
                      {"status", health::checkStatusName(status)},
                      {"uptime_90d", ratio ? json(*ratio) : json(nullptr)},
                      {"days", std::move(days)}});
  }
  std::int64_t today = toUnixMillis(now) / kDayMs * kDayMs;
  json out = {{"name", page->name},
              {"title", page->title},
              {"description", page->description},
              {"status", overallStatus(up, down, static_cast<int>(names.size()))},
              {"updated_at", api::formatTime(now)},
              {"first_day", api::formatTime(fromUnixMillis(today - (kDays - 1) * kDayMs))},
              {"checks", std::move(checks)}};
  return api::okJson(out);
}

}  // namespace pharos::dashboard
