#include "api/metrics_routes.h"

#include <fmt/format.h>

#include "api/json_body.h"
#include "api/query.h"
#include "core/text.h"
#include "metrics/exposition.h"
#include "promql/api_params.h"
#include "promql/evaluator.h"
#include "promql/parser.h"
#include "promql/render.h"

namespace pharos::api {
namespace {

using nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr std::size_t kImportMaxBytes = 32 << 20;
// The default step of Prometheus' UI is range/250; a client that sends none gets that.
constexpr std::int64_t kDefaultPoints = 250;

net::HttpResponse promError(int status, std::string_view type, std::string_view message) {
  return net::HttpResponse::json(status, promql::renderError(type, message));
}

net::HttpResponse badData(std::string_view message) {
  return promError(400, "bad_data", message);
}

// Query string, plus a form body for POST (Grafana posts its queries).
std::optional<Params> paramsOf(const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return std::nullopt;
  if (request.method == "POST" &&
      istartsWith(request.header("Content-Type"), "application/x-www-form-urlencoded")) {
    auto form = parseQuery(request.body);
    if (!form) return std::nullopt;
    params->insert(params->end(), form->begin(), form->end());
  }
  return params;
}

std::optional<std::string> param(const Params& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return std::nullopt;
}

// A parse error carries its position; the message already says line:column.
net::HttpResponse queryError(const Error& error) {
  if (error.code == ErrorCode::kInvalidArgument) return badData(error.message);
  if (error.code == ErrorCode::kResourceExhausted) {
    return promError(422, "execution", error.message);
  }
  return promError(500, "internal", error.message);
}

Result<std::int64_t> timeParam(const Params& params, std::string_view name, std::int64_t fallback) {
  auto text = param(params, name);
  if (!text || text->empty()) return fallback;
  auto parsed = promql::parseTimeParam(*text);
  if (!parsed.ok()) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid parameter '{}': {}", name, parsed.error().message));
  }
  return *parsed;
}

Result<promql::ExprPtr> exprParam(const Params& params) {
  auto expr = param(params, "expr");
  if (!expr) expr = param(params, "query");
  if (!expr || expr->empty()) {
    return makeError(ErrorCode::kInvalidArgument, "missing parameter 'expr' (or 'query')");
  }
  return promql::parse(*expr);
}

net::HttpResponse instantQuery(const MetricsRoutesDeps& d, const net::HttpRequest& request) {
  auto params = paramsOf(request);
  if (!params) return badData("malformed query string or form body");
  auto expr = exprParam(*params);
  if (!expr.ok()) return queryError(expr.error());
  auto time = timeParam(*params, "time", toUnixMillis(d.clock.now()));
  if (!time.ok()) return queryError(time.error());
  auto result = promql::evaluateInstant(d.store, **expr, *time);
  if (!result.ok()) return queryError(result.error());
  return net::HttpResponse::json(200, promql::renderQueryResult(*result));
}

net::HttpResponse rangeQuery(const MetricsRoutesDeps& d, const net::HttpRequest& request) {
  auto params = paramsOf(request);
  if (!params) return badData("malformed query string or form body");
  auto expr = exprParam(*params);
  if (!expr.ok()) return queryError(expr.error());
  std::int64_t now = toUnixMillis(d.clock.now());
  auto end = timeParam(*params, "end", now);
  if (!end.ok()) return queryError(end.error());
  auto start = timeParam(*params, "start", *end - 3'600'000);
  if (!start.ok()) return queryError(start.error());
  if (*end < *start)
    return badData("invalid parameter 'end': end timestamp must not be before start time");
  std::int64_t step = std::max<std::int64_t>(1'000, (*end - *start) / kDefaultPoints);
  if (auto text = param(*params, "step"); text && !text->empty()) {
    auto parsed = promql::parseDurationParam(*text);
    if (!parsed.ok()) return badData("invalid parameter 'step': " + parsed.error().message);
    if (*parsed <= 0) {
      return badData(
          "zero or negative query resolution step widths are not accepted. Try a "
          "positive integer");
    }
    step = *parsed;
  }
  auto result = promql::evaluateRange(d.store, **expr, *start, *end, step);
  if (!result.ok()) return queryError(result.error());
  return net::HttpResponse::json(200, promql::renderQueryResult(*result));
}

// match[] selectors of /series (and optionally /labels): each parsed as a vector selector.
Result<std::vector<std::vector<promql::Matcher>>> selectorsOf(const Params& params, bool required) {
  std::vector<std::vector<promql::Matcher>> out;
  for (const auto& [k, v] : params) {
    if (k != "match[]") continue;
    PHAROS_ASSIGN_OR_RETURN(promql::ExprPtr expr, promql::parse(v));
    if (expr->kind != promql::Expr::Kind::kVectorSelector) {
      return makeError(ErrorCode::kInvalidArgument,
                       fmt::format("match[] must be a series selector, not '{}'", v));
    }
    out.push_back(expr->matchers);
  }
  if (required && out.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "no match[] parameter provided");
  }
  return out;
}

std::string successJson(const json& data) {
  return json{{"status", "success"}, {"data", data}}.dump();
}

net::HttpResponse seriesQuery(const MetricsRoutesDeps& d, const net::HttpRequest& request) {
  auto params = paramsOf(request);
  if (!params) return badData("malformed query string or form body");
  auto selectors = selectorsOf(*params, true);
  if (!selectors.ok()) return queryError(selectors.error());
  std::vector<Labels> all;
  for (const auto& matchers : *selectors) {
    auto found = d.store.series(matchers);
    all.insert(all.end(), found.begin(), found.end());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  json data = json::array();
  for (const Labels& labels : all) {
    json item = json::object();
    for (const auto& l : labels)
      item[l.name] = l.value;
    data.push_back(std::move(item));
  }
  return net::HttpResponse::json(200, successJson(data));
}

net::HttpResponse labelsQuery(const MetricsRoutesDeps& d) {
  return net::HttpResponse::json(200, successJson(d.store.labelNames()));
}

net::HttpResponse labelValuesQuery(const MetricsRoutesDeps& d, const net::HttpRequest& request) {
  std::string name(request.pathParam("name"));
  if (!isValidLabelName(name)) return badData(fmt::format("invalid label name: \"{}\"", name));
  return net::HttpResponse::json(200, successJson(d.store.labelValues(name)));
}

net::HttpResponse importSamples(const MetricsRoutesDeps& d, const net::HttpRequest& request) {
  auto format = metrics::formatFromContentType(request.header("Content-Type"));
  auto parsed = metrics::parseExposition(request.body, format);
  if (!parsed.ok()) {
    return net::HttpResponse::error(400, "invalid_argument", parsed.error().message);
  }
  std::int64_t now = toUnixMillis(d.clock.now());
  std::vector<metrics::IncomingSample> batch;
  batch.reserve(parsed->samples.size());
  for (auto& s : parsed->samples) {
    batch.push_back({std::move(s.labels), {s.timestampMs.value_or(now), s.value}});
  }
  auto result = d.store.append(batch);
  if (!result.ok()) {
    return net::HttpResponse::error(503, "unavailable",
                                    "cannot store samples: " + result.error().message);
  }
  json out = {{"received", batch.size()},
              {"appended", result->appended},
              {"duplicates", result->duplicates},
              {"createdSeries", result->createdSeries},
              {"rejected",
               {{"outOfOrder", result->outOfOrder},
                {"conflicting", result->conflicting},
                {"outOfBounds", result->outOfBounds},
                {"invalidLabels", result->invalidLabels},
                {"seriesLimit", result->seriesLimited}}},
              {"errors", result->errors}};
  // Some samples refused by a cardinality limit: the client should back off, not retry hot.
  int status = result->seriesLimited > 0 && result->appended == 0 ? 429 : 200;
  net::HttpResponse response = net::HttpResponse::json(status, out.dump());
  if (status == 429) response.headers.emplace_back("Retry-After", "60");
  return response;
}

net::HttpResponse targetsQuery(const MetricsRoutesDeps& d) {
  json active = json::array();
  for (const auto& t : d.targets ? d.targets() : std::vector<metrics::TargetStatus>{}) {
    active.push_back({{"labels", {{"job", t.job}, {"instance", t.instance}}},
                      {"scrapeUrl", t.url},
                      {"health", t.health},
                      {"lastError", t.lastError},
                      {"lastScrape", t.lastScrapeMs > 0 ? formatTime(fromUnixMillis(t.lastScrapeMs))
                                                        : std::string()},
                      {"lastScrapeDuration", t.lastDurationSeconds},
                      {"lastSamples", t.lastSamples}});
  }
  return net::HttpResponse::json(200, successJson({{"activeTargets", active}}));
}

json promEnvelopeSchema() {
  return {{"type", "object"},
          {"required", json::array({"status"})},
          {"properties",
           {{"status", {{"type", "string"}, {"enum", json::array({"success", "error"})}}},
            {"data", json::object()},
            {"warnings", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
}

}  // namespace

std::vector<RouteSpec> metricsRoutes(MetricsRoutesDeps deps) {
  std::vector<RouteSpec> specs;
  auto read = [&](std::string method, std::string pattern, std::string summary,
                  net::Handler handler) {
    for (std::string prefix : {"/api/v1/metrics", "/prometheus/api/v1"}) {
      RouteSpec spec;
      spec.method = method;
      spec.pattern = prefix + pattern;
      spec.scope = auth::Scope::kRead;
      spec.maxBodyBytes = 1 << 20;
      spec.summary = summary;
      spec.tag = "metrics";
      spec.responseSchema = promEnvelopeSchema();
      spec.handler = handler;
      spec.resource = "metrics";
      specs.push_back(std::move(spec));
    }
  };
  auto instant = [deps](net::HttpRequest& r) { return instantQuery(deps, r); };
  auto range = [deps](net::HttpRequest& r) { return rangeQuery(deps, r); };
  read("GET", "/query", "Instant query (PromQL subset; expr or query, time)", instant);
  read("POST", "/query", "Instant query, parameters as a form body", instant);
  read("GET", "/query_range", "Range query (expr or query, start, end, step)", range);
  read("POST", "/query_range", "Range query, parameters as a form body", range);
  read("GET", "/series", "Series matching match[] selectors",
       [deps](net::HttpRequest& r) { return seriesQuery(deps, r); });
  read("GET", "/labels", "Every label name",
       [deps](net::HttpRequest&) { return labelsQuery(deps); });
  read("GET", "/label/{name}/values", "Every value of one label",
       [deps](net::HttpRequest& r) { return labelValuesQuery(deps, r); });
  read("GET", "/targets", "Scrape targets and their health",
       [deps](net::HttpRequest&) { return targetsQuery(deps); });

  RouteSpec import;
  import.method = "POST";
  import.pattern = "/api/v1/metrics/import";
  import.scope = auth::Scope::kIngest;
  import.maxBodyBytes = kImportMaxBytes;
  import.summary = "Push samples in the Prometheus text format or OpenMetrics";
  import.tag = "metrics";
  import.resource = "metrics";
  import.responseSchema = {{"type", "object"},
                           { "properties",
                             { {"received",
                                {
                                  { "type",
                                    "integer" }
                                }},
                               {"appended",
                                {
                                  { "type",
                                    "integer" }
                                }},
                               {"duplicates",
                                {
                                  { "type",
                                    "integer" }
                                }},
                               {"createdSeries",
                                {
                                  { "type",
                                    "integer" }
                                }},
                               {"rejected",
                                {
                                  { "type",
                                    "object" }
                                }},
                               { "errors",
                                 { {"type", "array"},
                                   { "items",
                                     {
                                       { "type",
                                         "string" }
                                     } } } } } }};
  import.handler = [deps](net::HttpRequest & r) { return importSamples(deps, r);
};
specs.push_back(std::move(import));
return specs;
}  // namespace pharos::api

}  // namespace pharos::api
