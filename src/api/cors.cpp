#include "api/cors.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace pharos::api {
namespace {

// What a browser script may read besides the simple headers: throttling and cache state.
constexpr std::string_view kExposedHeaders =
    "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Cache";

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

bool contains(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace

Cors::Cors(config::CorsConfig config)
    : config_(std::move(config)),
      wildcard_(contains(config_.allowedOrigins, "*") && !config_.allowCredentials) {}

std::optional<std::string> Cors::allowOrigin(std::string_view origin) const {
  if (origin.empty()) return std::nullopt;
  if (wildcard_) return std::string("*");
  if (origin != "*" && contains(config_.allowedOrigins, origin)) return std::string(origin);
  return std::nullopt;
}

net::HttpResponse Cors::decorate(const net::HttpRequest& request,
                                 net::HttpResponse response) const {
  std::optional<std::string> allowed = allowOrigin(request.header("Origin"));
  if (!allowed) return response;
  if (*allowed != "*") response.headers.emplace_back("Vary", "Origin");
  response.headers.emplace_back("Access-Control-Allow-Origin", std::move(*allowed));
  if (config_.allowCredentials) {
    response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  }
  response.headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposedHeaders));
  return response;
}

net::HttpResponse Cors::preflight(const net::HttpRequest& request,
                                  const std::vector<std::string>& methods) const {
  std::vector<std::string> offered;
  for (const std::string& m : methods) {
    if (!contains(offered, m)) offered.push_back(m);
  }
  if (contains(offered, "GET") && !contains(offered, "HEAD")) offered.push_back("HEAD");
  offered.push_back("OPTIONS");

  std::string_view origin = request.header("Origin");
  if (origin.empty()) {
    net::HttpResponse r = net::HttpResponse::text(204, "");
    r.headers.emplace_back("Allow", joined(offered));
    return r;
  }
  std::optional<std::string> allowed = allowOrigin(origin);
  if (!allowed) {
    return net::HttpResponse::error(403, "forbidden",
                                    "cross-origin requests from this origin "
                                    "are not allowed");
  }
  // Only methods both the route and the environment allow.
  std::vector<std::string> permitted;
  for (const std::string& m : offered) {
    if (contains(config_.allowedMethods, m) || m == "HEAD" || m == "OPTIONS") {
      permitted.push_back(m);
    }
  }
  net::HttpResponse r = net::HttpResponse::text(204, "");
  if (*allowed != "*") r.headers.emplace_back("Vary", "Origin");
  r.headers.emplace_back("Access-Control-Allow-Origin", std::move(*allowed));
  r.headers.emplace_back("Access-Control-Allow-Methods", joined(permitted));
  r.headers.emplace_back("Access-Control-Allow-Headers", joined(config_.allowedHeaders));
  r.headers.emplace_back(
      "Access-Control-Max-Age",
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(config_.maxAge).count()));
  if (config_.allowCredentials) {
    r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  }
  return r;
}

}  // namespace pharos::api
