#include "api/analysis_routes.h"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "api/error_response.h"
#include "api/json_body.h"
#include "api/query.h"
#include "promql/api_params.h"

namespace pharos::api {
namespace {

using nlohmann::json;

constexpr std::size_t kDefaultLimit = 100;

// `start` and `end` as the log routes read them; either may be absent (no bound).
Status readRange(const QueryParams& params, std::optional<int64_t>& fromMs,
                 std::optional<int64_t>& toMs) {
  if (auto s = queryParam(params, "start")) {
    auto ms = promql::parseTimeParam(*s);
    if (!ms.ok()) return makeError(ErrorCode::kInvalidArgument, "start: " + ms.error().message);
    fromMs = *ms;
  }
  if (auto e = queryParam(params, "end")) {
    auto ms = promql::parseTimeParam(*e);
    if (!ms.ok()) return makeError(ErrorCode::kInvalidArgument, "end: " + ms.error().message);
    toMs = *ms + 1;  // the store's range is half-open; `end` is inclusive, as for logs
  }
  if (fromMs && toMs && *fromMs >= *toMs) {
    return makeError(ErrorCode::kInvalidArgument, "start must not be after end");
  }
  return okStatus();
}

std::string kindNames() {
  std::string names;
  for (auto k : {analysis::AnomalyKind::kMetric, analysis::AnomalyKind::kNewTemplate,
                 analysis::AnomalyKind::kTemplateRate, analysis::AnomalyKind::kErrorShare,
                 analysis::AnomalyKind::kCheckFailure}) {
    names += (names.empty() ? "" : ", ") + std::string(analysis::anomalyKindName(k));
  }
  return names;
}

net::HttpResponse listAnomalies(const AnalysisRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  analysis::AnomalyQuery q;
  if (Status s = readRange(*params, q.fromMs, q.toMs); !s.ok()) return errorResponse(s.error());
  q.service = queryParam(*params, "service").value_or("");
  if (auto kind = queryParam(*params, "kind")) {
    q.kind = analysis::parseAnomalyKind(*kind);
    if (!q.kind) return badRequest(fmt::format("kind: expected one of {}", kindNames()));
  }
  auto limit = queryLimit(*params, kDefaultLimit, analysis::AnomalyStore::kMaxLimit);
  if (!limit.ok()) return errorResponse(limit.error());
  q.limit = *limit;
  q.cursor = queryParam(*params, "cursor").value_or("");
  auto page = d.anomalies.listAnomalies(q);
  if (!page.ok()) return errorResponse(page.error());
  json data = json::array();
  for (const analysis::AnomalyEvent& e : page->items)
    data.push_back(analysis::toJson(e));
  return okJson(json{{"data", std::move(data)}, {"next_cursor", page->nextCursor}});
}

net::HttpResponse listFindings(const AnalysisRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  analysis::FindingQuery q;
  if (Status s = readRange(*params, q.fromMs, q.toMs); !s.ok()) return errorResponse(s.error());
  auto limit = queryLimit(*params, kDefaultLimit, analysis::AnomalyStore::kMaxLimit);
  if (!limit.ok()) return errorResponse(limit.error());
  q.limit = *limit;
  q.cursor = queryParam(*params, "cursor").value_or("");
  auto page = d.anomalies.listFindings(q);
  if (!page.ok()) return errorResponse(page.error());
  json data = json::array();
  for (const analysis::Finding& f : page->items)
    data.push_back(analysis::toJson(f));
  return okJson(json{{"data", std::move(data)}, {"next_cursor", page->nextCursor}});
}

json eventSchema() {
  return {
      {"type", "object"},
      {"required", json::array({"id", "kind", "service", "signal", "start_ms", "end_ms", "score"})},
      {"properties",
       {{"id", {{"type", "string"}}},
        {"kind",
         {{"type", "string"},
          {"enum", json::array({"metric", "new_template", "template_rate", "error_share",
                                "check_failure"})}}},
        {"service", {{"type", "string"}}},
        {"signal", {{"type", "string"}}},
        {"start_ms", {{"type", "integer"}}},
        {"end_ms", {{"type", "integer"}}},
        {"score", {{"type", "number"}}},
        {"baseline", {{"type", "number"}}},
        {"observed", {{"type", "number"}}},
        {"unit", {{"type", "string"}}}}}};
}

json findingSchema() {
  return {{"type", "object"},
          {"required", json::array({"id", "start_ms", "end_ms", "strength", "summary", "events"})},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"start_ms", {{"type", "integer"}}},
            {"end_ms", {{"type", "integer"}}},
            {"strength", {{"type", "number"}}},
            {"summary", {{"type", "string"}}},
            {"dropped_events", {{"type", "integer"}}},
            {"events", {{"type", "array"}, {"items", eventSchema()}}}}}};
}

json pageSchema(json item) {
  return {{"type", "object"},
          {"required", json::array({"data", "next_cursor"})},
          {"properties",
           {{"data", {{"type", "array"}, {"items", std::move(item)}}},
            {"next_cursor", {{"type", "string"}}}}}};
}

}  // namespace

std::vector<RouteSpec> analysisRoutes(const AnalysisRoutesDeps& deps) {
  RouteList routes("analysis", "analysis");
  auto d = std::make_shared<const AnalysisRoutesDeps>(deps);
  routes
      .add("GET", "/api/v1/anomalies", auth::Scope::kRead,
           "Anomaly events, newest first (start, end, service, kind, limit, cursor)",
           [d](net::HttpRequest& r) { return listAnomalies(*d, r); })
      .responseSchema = pageSchema(eventSchema());
  routes
      .add("GET", "/api/v1/findings", auth::Scope::kRead,
           "Findings: anomalies grouped in time with a summary, newest first (start, end, limit, "
           "cursor)",
           [d](net::HttpRequest& r) { return listFindings(*d, r); })
      .responseSchema = pageSchema(findingSchema());
  routes
      .add("GET", "/api/v1/findings/{id}", auth::Scope::kRead, "One finding with its events",
           [d](net::HttpRequest& r) {
             auto f = d->anomalies.finding(r.pathParam("id"));
             if (!f.ok()) return errorResponse(f.error());
             return okJson(analysis::toJson(*f));
           })
      .responseSchema = findingSchema();
  return routes.take();
}

Result<json> findingsBetween(analysis::AnomalyStore& anomalies, int64_t fromMs, int64_t toMs,
                             std::size_t limit) {
  analysis::FindingQuery q;
  q.fromMs = fromMs;
  q.toMs = toMs + 1;
  q.limit = limit;
  PHAROS_ASSIGN_OR_RETURN(analysis::FindingPage page, anomalies.listFindings(q));
  analysis::rankFindings(page.items);
  json out = json::array();
  for (const analysis::Finding& f : page.items) {
    out.push_back({{"id", f.id},
                   {"summary", f.summary},
                   {"strength", f.strength},
                   {"start_ms", f.startMs},
                   {"end_ms", f.endMs}});
  }
  return out;
}

}  // namespace pharos::api
