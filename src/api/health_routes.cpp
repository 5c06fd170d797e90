#include "api/health_routes.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "api/error_response.h"
#include "api/json_body.h"
#include "api/query.h"
#include "core/config/duration.h"
#include "core/text.h"
#include "health/maintenance.h"
#include "health/uptime.h"
#include "promql/api_params.h"

namespace pharos::api {
namespace {

using nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kCheckBodyLimit = 64 * 1024;
constexpr std::int64_t kDefaultResultsRangeMs = 86'400'000;
constexpr std::size_t kMaxResults = 1000;

json timeOrNull(const std::optional<WallTime>& t) {
  return t ? json(formatTime(*t)) : json(nullptr);
}

json checkJson(const health::OwnedCheck& owned, const std::optional<health::CheckView>& known) {
  json j = health::checkSpecToJson(owned.spec);
  j["owner"] = health::checkOwnerName(owned.owner);
  // A reload puts a new check in the catalog a moment before the engine has it (on shared
  // backends, after the last states of the checks this process gains are read): until then it is
  // what it will be at first, unknown and never run, so a check always has a state.
  const health::CheckView fresh;
  const health::CheckView* view = known ? &*known : &fresh;
  j["state"] = {{"status", health::checkStatusName(view->status)},
                {"consecutive_failures", view->consecutiveFailures},
                {"consecutive_successes", view->consecutiveSuccesses},
                {"last_run", timeOrNull(view->lastRun)},
                {"last_ok", view->lastOk},
                {"last_latency_ms", view->lastLatencyMs},
                {"last_error", view->lastError},
                {"next_run", timeOrNull(view->nextRun)},
                {"in_maintenance", view->inMaintenance},
                {"circuit_open", view->circuitOpen}};
  if (owned.spec.type == health::CheckType::kHeartbeat) {
    j["state"]["last_beat"] = timeOrNull(view->lastBeat);
  }
  // Another health process runs it (docs/OPERATIONS.md, "Several processes"): this state is
  // as of its last run here; ask that process for the live one.
  if (!view->runsHere) j["state"]["runs_elsewhere"] = true;
  return j;
}

// The check in a request body, or the 400 naming every wrong field.
std::variant<health::CheckSpec, net::HttpResponse> readCheck(const net::HttpRequest& request) {
  return readDefinition<health::CheckSpec>(
      request, [](const config::Node& node) { return health::parseCheckSpec(node); });
}

// The create-time check of the outbound policy: a target the policy refuses is a 400 naming
// the rule, rather than a check that fails forever.
std::optional<net::HttpResponse> refusedTarget(net::OutboundClient& client,
                                               const health::CheckSpec& spec) {
  std::string target;
  switch (spec.type) {
    case health::CheckType::kHttp:
      target = spec.url;
      break;
    case health::CheckType::kTcp:
    case health::CheckType::kTls:
      target = fmt::format("{}:{}", spec.host, spec.port);
      break;
    case health::CheckType::kDns:
      target = spec.server.find(':') == std::string::npos ? spec.server + ":53" : spec.server;
      break;
    case health::CheckType::kHeartbeat:
      return std::nullopt;
  }
  auto checked = client.validateTarget(target, net::OutboundPurpose::kChecks, Millis(3'000));
  if (checked.ok()) return std::nullopt;
  // A name that does not resolve yet is allowed: the check will say so when it runs.
  if (checked.error().code == ErrorCode::kUnavailable) return std::nullopt;
  return badRequest(checked.error().message);
}

net::HttpResponse listChecks(const HealthRoutesDeps& d) {
  std::map<std::string, health::CheckView> views;
  for (health::CheckView& v : d.engine.checks())
    views.emplace(v.spec->name, std::move(v));
  json out = json::array();
  for (const health::OwnedCheck& c : d.catalog.all()) {
    auto it = views.find(c.spec.name);
    out.push_back(checkJson(c, it == views.end() ? std::nullopt : std::optional(it->second)));
  }
  return net::HttpResponse::json(200, dumpJson(json{{"checks", std::move(out)}}));
}

net::HttpResponse getCheck(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  std::string name(request.pathParam("name"));
  auto owned = d.catalog.find(name);
  if (!owned) return net::HttpResponse::error(404, "not_found", "no such check");
  return net::HttpResponse::json(200, dumpJson(checkJson(*owned, d.engine.check(name))));
}

net::HttpResponse createCheck(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  auto read = readCheck(request);
  if (auto* error = std::get_if<net::HttpResponse>(&read)) return std::move(*error);
  health::CheckSpec spec = std::get<health::CheckSpec>(std::move(read));
  if (!spec.token.empty()) {
    return badRequest("token: the server makes a heartbeat check's token; do not send one");
  }
  if (auto refused = refusedTarget(d.outbound, spec)) return std::move(*refused);
  std::string name = spec.name;
  auto created = d.catalog.create(std::move(spec));
  if (!created.ok()) return errorResponse(created.error());
  auto owned = d.catalog.find(name);
  if (!owned) return net::HttpResponse::error(500, "internal", "check vanished after create");
  json out = checkJson(*owned, d.engine.check(name));
  net::HttpResponse r;
  if (*created) {
    out["token"] = **created;  // shown once, here, and nowhere else
    out["heartbeat_url"] = "/api/v1/heartbeats/" + **created;
  }
  r = net::HttpResponse::json(201, dumpJson(out));
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Location", "/api/v1/checks/" + name);
  return r;
}

net::HttpResponse replaceCheck(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  auto read = readCheck(request);
  if (auto* error = std::get_if<net::HttpResponse>(&read)) return std::move(*error);
  health::CheckSpec spec = std::get<health::CheckSpec>(std::move(read));
  if (spec.name != request.pathParam("name")) {
    return badRequest("name: a check cannot be renamed; the body's name must match the path");
  }
  if (!spec.token.empty()) return badRequest("token: a heartbeat check keeps its token");
  if (auto refused = refusedTarget(d.outbound, spec)) return std::move(*refused);
  std::string name = spec.name;
  if (Status s = d.catalog.replace(std::move(spec)); !s.ok()) return errorResponse(s.error());
  return getCheck(d, request);
}

net::HttpResponse deleteCheck(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  if (Status s = d.catalog.remove(std::string(request.pathParam("name"))); !s.ok()) {
    return errorResponse(s.error());
  }
  return net::HttpResponse::text(204, "");
}

struct Range {
  std::int64_t from;
  std::int64_t to;
};

Result<Range> rangeOf(const Params& params, std::int64_t now, std::int64_t defaultSpan) {
  Range r{now - defaultSpan, now + 1};
  if (auto to = queryParam(params, "to")) {
    PHAROS_ASSIGN_OR_RETURN(r.to, promql::parseTimeParam(*to));
  }
  if (auto from = queryParam(params, "from")) {
    PHAROS_ASSIGN_OR_RETURN(r.from, promql::parseTimeParam(*from));
  } else {
    r.from = r.to - defaultSpan;
  }
  if (r.from >= r.to) return makeError(ErrorCode::kInvalidArgument, "from must be before to");
  return r;
}

Result<promql::Matcher> equal(std::string name, std::string value) {
  return promql::Matcher::make(promql::Matcher::Type::kEqual, std::move(name), std::move(value));
}

// One series' samples by timestamp.
Result<std::map<std::int64_t, std::pair<double, bool>>> samplesOf(promql::Queryable& q,
                                                                  const std::string& metric,
                                                                  const std::string& check,
                                                                  Range range) {
  PHAROS_ASSIGN_OR_RETURN(promql::Matcher m1, equal("__name__", metric));
  PHAROS_ASSIGN_OR_RETURN(promql::Matcher m2, equal("check", check));
  PHAROS_ASSIGN_OR_RETURN(auto series, q.select({m1, m2}, range.from, range.to - 1));
  std::map<std::int64_t, std::pair<double, bool>> out;
  for (const auto& s : series) {
    bool maintenance = s.labels.get("maintenance") == "true";
    for (const Sample& sample : s.samples)
      out[sample.t] = {sample.v, maintenance};
  }
  return out;
}

net::HttpResponse checkResults(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  std::string name(request.pathParam("name"));
  if (!d.catalog.find(name)) return net::HttpResponse::error(404, "not_found", "no such check");
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto range = rangeOf(*params, toUnixMillis(d.clock.now()), kDefaultResultsRangeMs);
  if (!range.ok()) return errorResponse(range.error());
  auto limit = queryLimit(*params, 100, kMaxResults);
  if (!limit.ok()) return errorResponse(limit.error());
  if (auto before = queryParam(*params, "before")) {
    auto t = promql::parseTimeParam(*before);
    if (!t.ok()) return errorResponse(t.error());
    range->to = std::min(range->to, *t);
  }
  auto up = samplesOf(d.metrics, "pharos_check_up", name, *range);
  auto latency = samplesOf(d.metrics, "pharos_check_duration_seconds", name, *range);
  auto status = samplesOf(d.metrics, "pharos_check_http_status", name, *range);
  if (!up.ok() || !latency.ok() || !status.ok()) {
    return errorResponse(!up.ok() ? up.error() : !latency.ok() ? latency.error() : status.error());
  }
  auto failures =
      d.recorder.failures(name, fromUnixMillis(range->from), fromUnixMillis(range->to), *limit);
  if (!failures.ok()) return errorResponse(failures.error());
  std::map<std::int64_t, std::string> reasons;
  for (const auto& f : *failures)
    reasons[toUnixMillis(f.at)] = f.reason;
  // ok=false: failed runs only (the last failures' reasons, however many runs passed since).
  auto okParam = queryParam(*params, "ok");
  if (okParam && *okParam != "true" && *okParam != "false") {
    return badRequest("ok: expected true or false");
  }
  json runs = json::array();
  std::optional<std::int64_t> next;
  std::int64_t lastListed = 0;
  for (auto it = up->rbegin(); it != up->rend(); ++it) {
    auto [t, value] = *it;
    if (okParam && (value.first > 0.5) != (*okParam == "true")) continue;
    if (runs.size() == *limit) {
      next = lastListed;
      break;
    }
    lastListed = t;
    json run{{"at", formatTime(fromUnixMillis(t))},
             {"ok", value.first > 0.5},
             {"maintenance", value.second}};
    if (auto l = latency->find(t); l != latency->end()) run["latency_ms"] = l->second.first * 1000;
    if (auto s = status->find(t); s != status->end()) {
      run["status"] = static_cast<int>(s->second.first);
    }
    if (auto r = reasons.find(t); r != reasons.end()) run["error"] = r->second;
    runs.push_back(std::move(run));
  }
  json out{{"check", name}, {"results", std::move(runs)}};
  out["next_before"] = next ? json(formatTime(fromUnixMillis(*next))) : json(nullptr);
  return net::HttpResponse::json(200, dumpJson(out));
}

net::HttpResponse checkTransitions(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  std::string name(request.pathParam("name"));
  if (!d.catalog.find(name)) return net::HttpResponse::error(404, "not_found", "no such check");
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto range = rangeOf(*params, toUnixMillis(d.clock.now()), 30 * kDefaultResultsRangeMs);
  if (!range.ok()) return errorResponse(range.error());
  auto limit = queryLimit(*params, 100, kMaxResults);
  if (!limit.ok()) return errorResponse(limit.error());
  auto rows =
      d.recorder.transitions(name, fromUnixMillis(range->from), fromUnixMillis(range->to), *limit);
  if (!rows.ok()) return errorResponse(rows.error());
  json out = json::array();
  for (const auto& t : *rows) {
    out.push_back({{"at", formatTime(t.at)},
                   {"from", health::checkStatusName(t.from)},
                   {"to", health::checkStatusName(t.to)},
                   {"reason", t.reason},
                   {"maintenance", t.maintenance}});
  }
  return net::HttpResponse::json(200, dumpJson(json{{"check", name}, {"transitions", out}}));
}

json uptimeJson(const health::UptimeFigures& f) {
  auto ratio = f.ratio();
  return {{"uptime", ratio ? json(*ratio) : json(nullptr)},
          {"runs", f.runs},
          {"failed_runs", f.runs - f.upRuns},
          {"maintenance_runs", f.maintenanceRuns}};
}

net::HttpResponse checkUptime(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  std::string name(request.pathParam("name"));
  if (!d.catalog.find(name)) return net::HttpResponse::error(404, "not_found", "no such check");
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  std::int64_t window = 30 * kDefaultResultsRangeMs;
  if (auto w = queryParam(*params, "window")) {
    auto parsed = promql::parseDurationParam(*w);
    if (!parsed.ok() || *parsed <= 0) return badRequest("window: expected a duration like 30d");
    window = *parsed;
  }
  WallTime now = d.clock.now();
  auto matcher = equal("check", name);
  if (!matcher.ok()) return errorResponse(matcher.error());
  auto figures = d.uptimeDays.uptime(d.metrics, {*matcher}, std::set<std::string>{name},
                                     now - Millis(window), now);
  if (!figures.ok()) return errorResponse(figures.error());
  json out = uptimeJson((*figures)[name]);
  out["check"] = name;
  out["window"] = config::formatDuration(Millis(window));
  return net::HttpResponse::json(200, dumpJson(out));
}

Result<std::vector<promql::Matcher>> labelSelector(const Params& params) {
  auto text = queryParam(params, "labels");
  if (!text || text->empty()) return std::vector<promql::Matcher>{};
  auto matchers = health::parseLabelMatchers(*text);
  if (!matchers.ok()) {
    return makeError(ErrorCode::kInvalidArgument, "labels: " + matchers.error().message);
  }
  return matchers;
}

// The checks a label selector picks, by their current definitions (nullopt: no selector, so
// every check, including removed ones that still have history).
std::optional<std::set<std::string>> checksMatching(const HealthRoutesDeps& d,
                                                    const std::vector<promql::Matcher>& selector) {
  if (selector.empty()) return std::nullopt;
  return d.catalog.namesMatching(selector);
}

std::string csvField(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

net::HttpResponse uptimeReport(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto period = health::parseReportPeriod(queryParam(*params, "period").value_or("month"));
  if (!period.ok()) return errorResponse(period.error());
  WallTime at = d.clock.now();
  if (auto a = queryParam(*params, "at")) {
    auto t = promql::parseTimeParam(*a);
    if (!t.ok()) return errorResponse(t.error());
    at = fromUnixMillis(*t);
  }
  auto selector = labelSelector(*params);
  if (!selector.ok()) return errorResponse(selector.error());
  auto [start, end] = health::periodBounds(*period, at);
  WallTime until = std::min(end, d.clock.now());
  auto figures = d.uptimeDays.uptime(d.metrics, *selector, checksMatching(d, *selector), start,
                                     std::max(until, start));
  if (!figures.ok()) return errorResponse(figures.error());
  std::map<std::string, Millis> intervals;
  for (const health::OwnedCheck& c : d.catalog.all())
    intervals[c.spec.name] = c.spec.interval;
  std::string format = queryParam(*params, "format").value_or("json");
  if (format == "csv") {
    std::string csv = "check,uptime_percent,runs,failed_runs,maintenance_runs,downtime_seconds\n";
    for (const auto& [check, f] : *figures) {
      auto ratio = f.ratio();
      auto interval = intervals.find(check);
      std::int64_t downtime =
          interval == intervals.end()
              ? 0
              : static_cast<std::int64_t>(f.runs - f.upRuns) * interval->second.count() / 1000;
      csv += fmt::format("{},{},{},{},{},{}\n", csvField(check),
                         ratio ? fmt::format("{:.4f}", *ratio * 100) : std::string(), f.runs,
                         f.runs - f.upRuns, f.maintenanceRuns, downtime);
    }
    net::HttpResponse r = net::HttpResponse::text(200, std::move(csv), "text/csv; charset=utf-8");
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"uptime.csv\"");
    return r;
  }
  if (format != "json") return badRequest("format: expected json or csv");
  json checks = json::array();
  for (const auto& [check, f] : *figures) {
    json row = uptimeJson(f);
    row["check"] = check;
    if (auto interval = intervals.find(check); interval != intervals.end()) {
      row["downtime_seconds"] = (f.runs - f.upRuns) * interval->second.count() / 1000;
    }
    checks.push_back(std::move(row));
  }
  json out{{"period", queryParam(*params, "period").value_or("month")},
           {"start", formatTime(start)},
           {"end", formatTime(end)},
           {"checks", std::move(checks)}};
  return net::HttpResponse::json(200, dumpJson(out));
}

// Each check's uptime per UTC day over the last `days` (default 90, at most 400), today last:
// the bars of the checks page and the status pages.
net::HttpResponse dailyUptime(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto days = queryInt(*params, "days", 90, 1, 400);
  if (!days.ok()) return errorResponse(days.error());
  auto selector = labelSelector(*params);
  if (!selector.ok()) return errorResponse(selector.error());
  WallTime now = d.clock.now();
  auto daily = d.uptimeDays.daily(d.metrics, *selector, checksMatching(d, *selector),
                                  static_cast<int>(*days), now);
  if (!daily.ok()) return errorResponse(daily.error());
  json checks = json::object();
  for (const auto& [check, values] : *daily) {
    json row = json::array();
    for (const auto& v : values)
      row.push_back(v ? json(*v) : json(nullptr));
    checks[check] = std::move(row);
  }
  std::int64_t today = toUnixMillis(now) / 86'400'000 * 86'400'000;
  json out{{"first_day", formatTime(fromUnixMillis(today - (*days - 1) * 86'400'000))},
           {"days", *days},
           {"checks", std::move(checks)}};
  return net::HttpResponse::json(200, dumpJson(out));
}

// A shields.io-style badge: a grey label and a coloured value.
std::string badgeSvg(std::string_view label, std::string_view value, std::string_view colour) {
  auto width = [](std::string_view s) { return static_cast<int>(s.size()) * 7 + 10; };
  int lw = width(label);
  int vw = width(value);
  return fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="20" role="img" aria-label="{3}: {4}">)"
      R"(<title>{3}: {4}</title><rect width="{1}" height="20" fill="#555"/>)"
      R"(<rect x="{1}" width="{2}" height="20" fill="{5}"/>)"
      R"(<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">)"
      R"(<text x="5" y="14">{3}</text><text x="{6}" y="14">{4}</text></g></svg>)",
      lw + vw, lw, vw, htmlEscape(label), htmlEscape(value), colour, lw + 5);
}

net::HttpResponse svgResponse(std::string svg) {
  net::HttpResponse r = net::HttpResponse::text(200, std::move(svg), "image/svg+xml");
  r.headers.emplace_back("Cache-Control", "max-age=30");
  return r;
}

std::pair<std::string, std::string> uptimeBadgeValue(std::optional<double> ratio) {
  std::string colour = !ratio            ? "#9f9f9f"
                       : *ratio >= 0.999 ? "#4c1"
                       : *ratio >= 0.99  ? "#dfb317"
                                         : "#e05d44";
  return {ratio ? fmt::format("{:.2f}%", *ratio * 100) : "no data", colour};
}

net::HttpResponse checkBadge(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  std::string name(request.pathParam("name"));
  if (!d.catalog.find(name)) return net::HttpResponse::error(404, "not_found", "no such check");
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  std::string value;
  std::string colour;
  if (auto w = queryParam(*params, "window")) {
    auto window = promql::parseDurationParam(*w);
    if (!window.ok() || *window <= 0) return badRequest("window: expected a duration like 30d");
    auto matcher = equal("check", name);
    if (!matcher.ok()) return errorResponse(matcher.error());
    WallTime now = d.clock.now();
    auto figures = d.uptimeDays.uptime(d.metrics, {*matcher}, std::set<std::string>{name},
                                       now - Millis(*window), now);
    if (!figures.ok()) return errorResponse(figures.error());
    std::tie(value, colour) = uptimeBadgeValue((*figures)[name].ratio());
  } else {
    auto view = d.engine.check(name);
    health::CheckStatus s = view ? view->status : health::CheckStatus::kUnknown;
    value = health::checkStatusName(s);
    if (view && view->inMaintenance) value = "maintenance";
    colour = s == health::CheckStatus::kUp     ? "#4c1"
             : s == health::CheckStatus::kDown ? "#e05d44"
                                               : "#9f9f9f";
  }
  return svgResponse(badgeSvg(name, value, colour));
}

// A badge for a group of checks chosen by label matchers: "3/3 up" (or how many are down),
// or with window= the group's uptime (all their runs together).
net::HttpResponse groupBadge(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto selector = labelSelector(*params);
  if (!selector.ok()) return errorResponse(selector.error());
  if (selector->empty()) return badRequest("labels: give the group's label matchers");
  std::string label = queryParam(*params, "label").value_or("checks");
  std::string value;
  std::string colour;
  if (auto w = queryParam(*params, "window")) {
    auto window = promql::parseDurationParam(*w);
    if (!window.ok() || *window <= 0) return badRequest("window: expected a duration like 30d");
    WallTime now = d.clock.now();
    auto figures = d.uptimeDays.uptime(d.metrics, *selector, checksMatching(d, *selector),
                                       now - Millis(*window), now);
    if (!figures.ok()) return errorResponse(figures.error());
    health::UptimeFigures all;
    for (const auto& [check, f] : *figures) {
      all.runs += f.runs;
      all.upRuns += f.upRuns;
    }
    std::tie(value, colour) = uptimeBadgeValue(all.ratio());
  } else {
    int total = 0;
    int down = 0;
    for (const health::CheckView& v : d.engine.checks()) {
      if (!promql::matchesAll(*selector, v.spec->identity())) continue;
      ++total;
      if (v.status == health::CheckStatus::kDown) ++down;
    }
    value = total == 0  ? "no checks"
            : down == 0 ? fmt::format("{}/{} up", total, total)
                        : fmt::format("{} down", down);
    colour = total == 0 ? "#9f9f9f" : down == 0 ? "#4c1" : "#e05d44";
  }
  return svgResponse(badgeSvg(label, value, colour));
}

net::HttpResponse heartbeat(const HealthRoutesDeps& d, const net::HttpRequest& request) {
  auto check = d.catalog.checkForToken(request.pathParam("token"));
  if (!check)
    return net::HttpResponse::error(404, "not_found", "no heartbeat check has that token");
  if (Status s = d.engine.heartbeat(*check); !s.ok()) return errorResponse(s.error());
  return net::HttpResponse::json(200, dumpJson(json{{"check", *check}, {"ok", true}}));
}

net::HttpResponse reload(const HealthRoutesDeps& d) {
  auto outcome = d.reloadConfig();
  if (!outcome.ok()) return errorResponse(outcome.error());
  return net::HttpResponse::json(200, dumpJson(json{{"reloaded", true}, {"message", *outcome}}));
}

json checkSchema() {
  return {{"type", "object"},
          {"required", json::array({"name", "type"})},
          {"description", "The fields of a check in the YAML config (docs/CONFIG.md, health)"}};
}

}  // namespace

std::vector<RouteSpec> healthRoutes(HealthRoutesDeps deps) {
  RouteList routes("health", "checks");
  auto add = [&](auto&&... args) -> RouteSpec& {
    return routes.add(std::forward<decltype(args)>(args)...);
  };
  auto d = std::make_shared<HealthRoutesDeps>(std::move(deps));
  add("GET", "/api/v1/checks", auth::Scope::kRead, "Every check with its owner and state",
      [d](net::HttpRequest&) { return listChecks(*d); });
  RouteSpec& create = add("POST", "/api/v1/checks", auth::Scope::kEdit,
                          "Create a check (a heartbeat check's token is returned once)",
                          [d](net::HttpRequest& r) { return createCheck(*d, r); });
  create.maxBodyBytes = kCheckBodyLimit;
  create.successStatus = 201;
  create.requestSchema = checkSchema();
  add("GET", "/api/v1/checks/{name}", auth::Scope::kRead, "One check with its state",
      [d](net::HttpRequest& r) { return getCheck(*d, r); });
  RouteSpec& replace = add("PUT", "/api/v1/checks/{name}", auth::Scope::kEdit,
                           "Replace a check defined through the API",
                           [d](net::HttpRequest& r) { return replaceCheck(*d, r); });
  replace.maxBodyBytes = kCheckBodyLimit;
  replace.requestSchema = checkSchema();
  add("DELETE", "/api/v1/checks/{name}", auth::Scope::kEdit,
      "Delete a check defined through the API",
      [d](net::HttpRequest& r) { return deleteCheck(*d, r); })
      .successStatus = 204;
  add("GET", "/api/v1/checks/{name}/results", auth::Scope::kRead,
      "Runs of a check, newest first (from, to, limit, before)",
      [d](net::HttpRequest& r) { return checkResults(*d, r); });
  add("GET", "/api/v1/checks/{name}/transitions", auth::Scope::kRead,
      "State changes of a check, newest first",
      [d](net::HttpRequest& r) { return checkTransitions(*d, r); });
  add("GET", "/api/v1/checks/{name}/uptime", auth::Scope::kRead,
      "Uptime over a window (window=30d), maintenance excluded",
      [d](net::HttpRequest& r) { return checkUptime(*d, r); });
  RouteSpec& badge = add("GET", "/api/v1/checks/{name}/badge", auth::Scope::kRead,
                         "An SVG status badge (or uptime with window=)",
                         [d](net::HttpRequest& r) { return checkBadge(*d, r); });
  badge.responseContentType = "image/svg+xml";
  RouteSpec& group = add("GET", "/api/v1/badges", auth::Scope::kRead,
                         "An SVG badge for the checks matching labels= (how many are up, or "
                         "their uptime with window=)",
                         [d](net::HttpRequest& r) { return groupBadge(*d, r); });
  group.responseContentType = "image/svg+xml";
  RouteSpec& report = add("GET", "/api/v1/reports/uptime", auth::Scope::kRead,
                          "Uptime per check over a calendar period (day, week, month, quarter, "
                          "year), maintenance excluded; format=csv for CSV",
                          [d](net::HttpRequest& r) { return uptimeReport(*d, r); });
  report.resource = "reports";
  add("GET", "/api/v1/reports/uptime/daily", auth::Scope::kRead,
      "Uptime per check per UTC day over the last `days` (default 90), today last",
      [d](net::HttpRequest& r) { return dailyUptime(*d, r); })
      .cacheable = true;
  RouteSpec& beat = add("POST", "/api/v1/heartbeats/{token}", auth::Scope::kIngest,
                        "A heartbeat for the check the token belongs to",
                        [d](net::HttpRequest& r) { return heartbeat(*d, r); });
  beat.maxBodyBytes = 4096;
  beat.resource = "heartbeats";
  beat.audited = false;
  RouteSpec& reloadRoute = add("POST", "/api/v1/config/reload", auth::Scope::kAdmin,
                               "Re-read health checks and maintenance windows from the config file",
                               [d](net::HttpRequest&) { return reload(*d); });
  reloadRoute.resource = "config";
  return routes.take();
}

}  // namespace pharos::api
