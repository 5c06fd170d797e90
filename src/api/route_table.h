#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/auth.h"
#include "core/clock.h"
#include "core/config/config.h"
#include "net/http.h"
#include "net/router.h"

namespace pharos::api {

// One route as the table declares it: what it answers, who may call it, what it accepts and
// returns. The gateway enforces it and /openapi.json documents it, from this one place.
struct RouteSpec {
  std::string method;   // "GET"
  std::string pattern;  // "/api/v1/keys/{id}"
  // The scope a caller's role must grant. nullopt = public, allowed only for /healthz,
  // /readyz, /openapi.json, the dashboard's static files and the opt-in public status pages
  // (Gateway::add refuses any other public route).
  std::optional<auth::Scope> scope;
  size_t maxBodyBytes = 0;  // larger bodies get 413 before the handler runs
  bool cacheable = false;   // GET answers may be served from the response cache
  std::string summary;
  std::string tag;
  nlohmann::json requestSchema;   // JSON Schema of the body, or null
  nlohmann::json responseSchema;  // JSON Schema of the success body, or null
  net::Handler handler;
  // Set instead of `handler` by a route that answers about its caller (who am I): the
  // verified key, or nullptr when auth is off.
  std::function<net::HttpResponse(net::HttpRequest&, const auth::Principal*)> callerHandler;
  // A browser (Accept: text/html, no credentials) asking for this route is redirected here
  // instead: someone opening the server's root URL lands on the dashboard, while API clients
  // that probe the same path get the route's answer.
  std::string browserLocation;
  // Cache-invalidation key ("keys"): a successful write invalidates cached GETs of the same
  // resource.
  std::string resource;
  // Writes are audited. Not a route whose path carries a secret and that is called
  // constantly (a heartbeat's token): the audit log would keep the secret and drown in it.
  bool audited = true;
  // Calls spend the caller's rate-limit budget. Not the log ingest routes: a shipper sends
  // many requests a second, and ingest pushes back on its own (429 once the processing
  // backlog is full).
  bool rateLimited = true;
  // For the OpenAPI document: the success status and its media type.
  int successStatus = 200;
  std::string responseContentType = "application/json";
};

// A module's routes under one OpenAPI tag and cache resource, built one add() at a time.
class RouteList {
 public:
  RouteList(std::string tag, std::string resource)
      : tag_(std::move(tag)), resource_(std::move(resource)) {}
  // The spec added, to set its body limit, success status or schemas.
  RouteSpec& add(std::string method, std::string pattern, auth::Scope scope, std::string summary,
                 net::Handler handler);
  std::vector<RouteSpec> take() { return std::move(specs_); }

 private:
  std::string tag_;
  std::string resource_;
  std::vector<RouteSpec> specs_;
};

class Cors;
class RateLimiter;
class ResponseCache;

// The route table and the layers every request passes, outermost first:
//   CORS (preflight OPTIONS for every path; Access-Control-Allow-Origin on answers)
//   -> authentication (401 `unauthenticated`, 403 `forbidden`; failures audited)
//   -> rate limiting (per key id, or per client address for public routes; 429 `rate_limited`)
//   -> body limit (413) -> response cache (cacheable GETs) -> handler
//   -> audit (every request that is not GET/HEAD/OPTIONS) and cache invalidation.
//
// With `authEnabled` false, callers are anonymous and scopes are not checked: only the dev
// environment may run like that (config validation requires auth in staging and prod).
//
// Build it at start-up: add() every spec, then install() into the router once. The gateway
// must outlive the router it was installed into. Requests may then run on any thread.
class Gateway {
 public:
  Gateway(auth::ApiKeys& keys, auth::AuditLog& audit, Clock& clock, config::ApiConfig config,
          bool authEnabled);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Throws std::invalid_argument for a public route outside the allowed ones, an empty
  // handler, or a duplicate method+pattern; std::logic_error after install(). All are
  // programming errors, found at start-up.
  void add(RouteSpec spec);
  void add(std::vector<RouteSpec> specs);

  // In the order added.
  const std::vector<RouteSpec>& specs() const { return specs_; }

  // Registers every spec, wrapped in the layers above, plus an OPTIONS route per path.
  void install(net::Router& router);

 private:
  net::HttpResponse handle(const RouteSpec& spec, net::HttpRequest& request);
  net::HttpResponse authorizedHandle(const RouteSpec& spec, net::HttpRequest& request,
                                     const auth::Principal* principal);
  net::HttpResponse runHandler(const RouteSpec& spec, net::HttpRequest& request,
                               const auth::Principal* principal);
  void audit(const RouteSpec& spec, const net::HttpRequest& request, std::string keyId,
             std::string action, std::string outcome);

  auth::ApiKeys& keys_;
  auth::AuditLog& audit_;
  Clock& clock_;
  const config::ApiConfig config_;
  const bool authEnabled_;
  std::unique_ptr<Cors> cors_;
  std::unique_ptr<RateLimiter> keyLimiter_;
  std::unique_ptr<RateLimiter> ipLimiter_;
  std::unique_ptr<ResponseCache> cache_;
  std::vector<RouteSpec> specs_;
  bool installed_ = false;
};

}  // namespace pharos::api
