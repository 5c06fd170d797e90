#include "api/alerting_routes.h"

#include "alarms/silence_json.h"
#include "api/analysis_routes.h"
#include "api/error_response.h"
#include "api/json_body.h"
#include "api/query.h"

namespace pharos::api {
namespace {

using nlohmann::json;

constexpr std::size_t kSmallBodyLimit = 64 * 1024;

net::HttpResponse history(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto query = alarms::historyQueryFromParams(*params);
  if (!query.ok()) return errorResponse(query.error());
  auto page = d.rules.history(*query);
  if (!page.ok()) return errorResponse(page.error());
  return okJson(alarms::toJson(*page));
}

net::HttpResponse rules(const AlertingRoutesDeps& d) {
  json out = json::array();
  for (const alarms::RuleStatus& s : d.rules.ruleStatuses())
    out.push_back(alarms::toJson(s));
  return okJson(json{{"data", std::move(out)}});
}

net::HttpResponse listIncidents(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  alarms::IncidentListQuery q;
  if (auto status = queryParam(*params, "status")) {
    q.status = alarms::parseIncidentStatus(*status);
    if (!q.status) return badRequest("status: expected open, acknowledged or resolved");
  }
  auto limit = queryLimit(*params, 50, 500);
  if (!limit.ok()) return errorResponse(limit.error());
  q.limit = *limit;
  q.cursor = queryParam(*params, "cursor").value_or("");
  auto page = d.rules.incidents().list(q);
  if (!page.ok()) return errorResponse(page.error());
  return okJson(alarms::toJson(*page));
}

net::HttpResponse getIncident(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto incident = d.rules.incidents().get(request.pathParam("id"));
  if (!incident.ok()) return errorResponse(incident.error());
  json out = alarms::toJson(*incident);
  if (d.anomalies != nullptr) {
    // What the analysis found from a while before the incident opened until it ended: joined
    // here at read time, so findings made after the incident opened are included.
    int64_t from = toUnixMillis(incident->openedAt) - kIncidentFindingsLeadMs;
    int64_t to = toUnixMillis(incident->resolvedAt.value_or(d.clock.now()));
    auto findings = findingsBetween(*d.anomalies, from, to);
    if (!findings.ok()) return errorResponse(findings.error());
    out["findings"] = std::move(*findings);
  }
  return okJson(out);
}

// acknowledge, resolve and notes: {"who", "text"}; a note needs its text. With auth on, `who`
// is the calling key's name whatever the body says: the timeline is an audit trail.
template <typename Act>
net::HttpResponse incidentAction(const AlertingRoutesDeps& d, const net::HttpRequest& request,
                                 const auth::Principal* caller, bool textRequired, Act act) {
  JsonBody parsed = parseJsonObject(request.body.empty() ? "{}" : request.body);
  if (auto* error = std::get_if<net::HttpResponse>(&parsed)) return std::move(*error);
  auto action = alarms::parseIncidentAction(std::get<json>(parsed), textRequired);
  if (!action.ok()) return errorResponse(action.error());
  if (caller != nullptr) action->who = caller->keyName;
  std::string id(request.pathParam("id"));
  if (Status s = act(id, *action, d.clock.now()); !s.ok()) return errorResponse(s.error());
  return getIncident(d, request);
}

net::HttpResponse listSilences(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  std::optional<alarms::SilenceStatus> status;
  if (auto s = queryParam(*params, "status")) {
    for (auto candidate : {alarms::SilenceStatus::kActive, alarms::SilenceStatus::kPending,
                           alarms::SilenceStatus::kExpired}) {
      if (alarms::silenceStatusName(candidate) == *s) status = candidate;
    }
    if (!status) return badRequest("status: expected active, pending or expired");
  }
  WallTime now = d.clock.now();
  json out = json::array();
  for (const alarms::Silence& s : d.silences.list(status))
    out.push_back(alarms::silenceToJson(s, now));
  return okJson(json{{"data", std::move(out)}});
}

net::HttpResponse createSilence(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  WallTime now = d.clock.now();
  auto read = readDefinition<alarms::Silence>(
      request, [now](const config::Node& node) { return alarms::parseSilence(node, "", now); });
  if (auto* error = std::get_if<net::HttpResponse>(&read)) return std::move(*error);
  auto created = d.silences.create(std::get<alarms::Silence>(std::move(read)));
  if (!created.ok()) return errorResponse(created.error());
  net::HttpResponse r =
      net::HttpResponse::json(201, dumpJson(alarms::silenceToJson(*created, now)));
  r.headers.emplace_back("Location", "/api/v1/silences/" + created->id);
  return r;
}

}  // namespace

std::vector<RouteSpec> alertRoutes(const AlertingRoutesDeps& deps) {
  RouteList routes("alerts", "alerts");
  auto d = std::make_shared<const AlertingRoutesDeps>(deps);
  routes.add("GET", "/api/v1/alerts", auth::Scope::kRead,
             "Pending, firing and just-resolved alerts",
             [d](net::HttpRequest&) { return okJson(alarms::toJson(d->rules.activeAlerts())); });
  routes.add("GET", "/api/v1/alerts/history", auth::Scope::kRead,
             "Every alert state change, newest first (rule, state, match, from, to, cursor)",
             [d](net::HttpRequest& r) { return history(*d, r); });
  routes.add("GET", "/api/v1/rules", auth::Scope::kRead, "Alert rules with their last evaluation",
             [d](net::HttpRequest&) { return rules(*d); });
  routes.add("GET", "/api/v1/incidents", auth::Scope::kRead, "Incidents, newest first",
             [d](net::HttpRequest& r) { return listIncidents(*d, r); });
  routes.add("GET", "/api/v1/incidents/{id}", auth::Scope::kRead,
             "One incident with its alerts and timeline",
             [d](net::HttpRequest& r) { return getIncident(*d, r); });
  auto incidentRoute = [&](std::string path, std::string summary, bool textRequired, auto act) {
    RouteSpec& spec =
        routes.add("POST", std::move(path), auth::Scope::kEdit, std::move(summary), nullptr);
    spec.maxBodyBytes = kSmallBodyLimit;
    spec.callerHandler = [d, textRequired, act](net::HttpRequest& r,
                                                const auth::Principal* caller) {
      return incidentAction(*d, r, caller, textRequired,
                            [&](auto& id, auto& a, WallTime at) { return act(*d, id, a, at); });
    };
  };
  incidentRoute("/api/v1/incidents/{id}/acknowledge", "Acknowledge an incident ({who, text})",
                false, [](const AlertingRoutesDeps& d, auto& id, auto& a, WallTime at) {
                  return d.rules.incidents().acknowledge(id, a.who, a.text, at);
                });
  incidentRoute("/api/v1/incidents/{id}/resolve", "Resolve an incident ({who, text})", false,
                [](const AlertingRoutesDeps& d, auto& id, auto& a, WallTime at) {
                  return d.rules.incidents().resolve(id, a.who, a.text, at);
                });
  incidentRoute("/api/v1/incidents/{id}/notes",
                "Add a note to an incident's timeline ({who, text})", true,
                [](const AlertingRoutesDeps& d, auto& id, auto& a, WallTime at) {
                  return d.rules.incidents().addNote(id, a.who, a.text, at);
                });

  routes.add("GET", "/api/v1/silences", auth::Scope::kRead,
             "Silences (status=active|pending|expired)",
             [d](net::HttpRequest& r) { return listSilences(*d, r); });
  RouteSpec& create =
      routes.add("POST", "/api/v1/silences", auth::Scope::kEdit,
                 "Create a silence: matchers with an end, or recurring (every + duration)",
                 [d](net::HttpRequest& r) { return createSilence(*d, r); });
  create.maxBodyBytes = kSmallBodyLimit;
  create.successStatus = 201;
  routes.add("GET", "/api/v1/silences/{id}", auth::Scope::kRead, "One silence",
             [d](net::HttpRequest& r) {
               auto s = d->silences.get(r.pathParam("id"));
               if (!s.ok()) return errorResponse(s.error());
               return okJson(alarms::silenceToJson(*s, d->clock.now()));
             });
  routes.add("DELETE", "/api/v1/silences/{id}", auth::Scope::kEdit, "Expire a silence now",
             [d](net::HttpRequest& r) {
               auto s = d->silences.expire(r.pathParam("id"));
               if (!s.ok()) return errorResponse(s.error());
               return okJson(alarms::silenceToJson(*s, d->clock.now()));
             });
  return routes.take();
}

}  // namespace pharos::api
