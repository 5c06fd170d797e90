#include "dashboard/dashboard_routes.h"

#include <string>
#include <utility>

#include "net/gzip.h"

namespace pharos::dashboard {
namespace {

// Scripts, styles, fonts and API calls from this origin only; data: images for the inline
// favicon; never framed. The dashboard therefore cannot reach any other host, whatever a
// dependency might try.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

void secureHeaders(net::HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
}

net::HttpResponse serve(const Asset& asset, const net::HttpRequest& request) {
  net::HttpResponse r;
  r.headers.emplace_back("ETag", std::string(asset.etag));
  r.headers.emplace_back("Cache-Control",
                         asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("Vary", "Accept-Encoding");
  secureHeaders(r);
  if (request.header("If-None-Match") == asset.etag) {
    r.status = 304;
    r.contentType.clear();
    return r;
  }
  r.contentType = std::string(asset.contentType);
  if (net::acceptsGzip(request.header("Accept-Encoding"))) {
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.body = std::string(asset.gzip);
  } else {
    r.body = std::string(asset.plain);
  }
  return r;
}

const Asset* find(const std::vector<Asset>& files, std::string_view path) {
  for (const Asset& a : files) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

net::HttpResponse notBuilt() {
  return net::HttpResponse::error(404, "not_found",
                                  "this binary was built without the dashboard "
                                  "(-DPHAROS_DASHBOARD=OFF)");
}

api::RouteSpec publicRoute(std::string pattern, std::string summary, net::Handler handler) {
  api::RouteSpec spec;
  spec.method = "GET";
  spec.pattern = std::move(pattern);
  spec.summary = std::move(summary);
  spec.tag = "dashboard";
  spec.handler = std::move(handler);
  spec.responseContentType = "text/html";
  return spec;
}

}  // namespace

std::vector<api::RouteSpec> dashboardRoutes(std::shared_ptr<const StatusPageDeps> status,
                                            const std::vector<Asset>& files) {
  std::vector<api::RouteSpec> routes;
  const Asset* page = find(files, "/ui/");
  auto servePage = [page](net::HttpRequest& request) {
    return page != nullptr ? serve(*page, request) : notBuilt();
  };
  routes.push_back(publicRoute("/ui", "The dashboard (redirects to /ui/)", [](net::HttpRequest&) {
    net::HttpResponse r = net::HttpResponse::text(301, "");
    r.headers.emplace_back("Location", "/ui/");
    return r;
  }));
  routes.push_back(publicRoute("/ui/{path...}", "The dashboard: its page and bundled files",
                               [&files, servePage](net::HttpRequest& request) {
                                 std::string path = "/ui/" + std::string(request.pathParam("path"));
                                 if (const Asset* asset = find(files, path))
                                   return serve(*asset, request);
                                 if (path.starts_with("/ui/assets/")) {
                                   return net::HttpResponse::error(404, "not_found",
                                                                   "no such dashboard file");
                                 }
                                 return servePage(request);
                               }));
  routes.push_back(publicRoute("/status/{group}", "A public status page", servePage));
  api::RouteSpec data =
      publicRoute("/api/v1/status/{group}", "A public status page's checks and uptime",
                  [status](net::HttpRequest& request) {
                    return statusPageJson(*status, request.pathParam("group"));
                  });
  data.responseContentType = "application/json";
  data.cacheable = true;
  data.resource = "status";
  routes.push_back(std::move(data));
  return routes;
}

}  // namespace pharos::dashboard
