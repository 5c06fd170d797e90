#include "api/alerting_routes.h"

#include "api/error_response.h"
#include "api/json_body.h"
#include "slo/slo_spec.h"
#include "slo/slo_status.h"

namespace pharos::api {
namespace {

using nlohmann::json;

constexpr std::size_t kSloBodyLimit = 64 * 1024;

json sloJson(const AlertingRoutesDeps& d, const slo::OwnedSlo& owned, bool withSeries) {
  auto status = d.sloEngine.status(owned.spec.name);
  json j = status ? slo::sloStatusToJson(*status) : json::object();
  j["name"] = owned.spec.name;
  j["spec"] = slo::sloSpecToJson(owned.spec);
  j["owner"] = slo::sloOwnerName(owned.owner);
  if (withSeries) {
    auto series = d.sloEngine.budgetSeries(owned.spec.name);
    j["budget_over_time"] = series ? slo::budgetSeriesToJson(*series) : json(nullptr);
  }
  return j;
}

std::variant<slo::SloSpec, net::HttpResponse> readSlo(const net::HttpRequest& request) {
  return readDefinition<slo::SloSpec>(
      request, [](const config::Node& node) { return slo::parseSloSpec(node); });
}

net::HttpResponse getSlo(const AlertingRoutesDeps& d, const std::string& name, int status = 200) {
  auto owned = d.sloCatalog.find(name);
  if (!owned) return net::HttpResponse::error(404, "not_found", "no such SLO");
  return net::HttpResponse::json(status, dumpJson(sloJson(d, *owned, true)));
}

net::HttpResponse listSlos(const AlertingRoutesDeps& d) {
  json out = json::array();
  for (const slo::OwnedSlo& owned : d.sloCatalog.all())
    out.push_back(sloJson(d, owned, false));
  return net::HttpResponse::json(200, dumpJson(json{{"slos", std::move(out)}}));
}

net::HttpResponse createSlo(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto read = readSlo(request);
  if (auto* error = std::get_if<net::HttpResponse>(&read)) return std::move(*error);
  slo::SloSpec spec = std::get<slo::SloSpec>(std::move(read));
  std::string name = spec.name;
  if (Status s = d.sloCatalog.create(std::move(spec)); !s.ok()) return errorResponse(s.error());
  net::HttpResponse r = getSlo(d, name, 201);
  r.headers.emplace_back("Location", "/api/v1/slos/" + name);
  return r;
}

net::HttpResponse replaceSlo(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto read = readSlo(request);
  if (auto* error = std::get_if<net::HttpResponse>(&read)) return std::move(*error);
  slo::SloSpec spec = std::get<slo::SloSpec>(std::move(read));
  std::string name(request.pathParam("name"));
  if (spec.name != name) {
    return net::HttpResponse::error(400, "invalid_argument",
                                    "name: an SLO cannot be renamed; the body's name must match");
  }
  if (Status s = d.sloCatalog.replace(std::move(spec)); !s.ok()) return errorResponse(s.error());
  return getSlo(d, name);
}

}  // namespace

std::vector<RouteSpec> sloRoutes(const AlertingRoutesDeps& deps) {
  RouteList routes("slos", "slos");
  auto d = std::make_shared<const AlertingRoutesDeps>(deps);
  routes.add("GET", "/api/v1/slos", auth::Scope::kRead, "Every SLO with its budget and burn rates",
             [d](net::HttpRequest&) { return listSlos(*d); });
  RouteSpec& create = routes.add("POST", "/api/v1/slos", auth::Scope::kEdit, "Create an SLO",
                                 [d](net::HttpRequest& r) { return createSlo(*d, r); });
  create.maxBodyBytes = kSloBodyLimit;
  create.successStatus = 201;
  routes.add("GET", "/api/v1/slos/{name}", auth::Scope::kRead,
             "One SLO: budget, burn rates and budget over time",
             [d](net::HttpRequest& r) { return getSlo(*d, std::string(r.pathParam("name"))); });
  routes
      .add("PUT", "/api/v1/slos/{name}", auth::Scope::kEdit,
           "Replace an SLO defined through the API",
           [d](net::HttpRequest& r) { return replaceSlo(*d, r); })
      .maxBodyBytes = kSloBodyLimit;
  routes
      .add("DELETE", "/api/v1/slos/{name}", auth::Scope::kEdit,
           "Delete an SLO defined through the API",
           [d](net::HttpRequest& r) {
             if (Status s = d->sloCatalog.remove(r.pathParam("name")); !s.ok()) {
               return errorResponse(s.error());
             }
             return net::HttpResponse::text(204, "");
           })
      .successStatus = 204;
  return routes.take();
}

}  // namespace pharos::api
