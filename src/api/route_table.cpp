#include "api/route_table.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <exception>
#include <map>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "api/cors.h"
#include "api/rate_limiter.h"
#include "api/response_cache.h"
#include "core/log.h"
#include "core/text.h"

namespace pharos::api {

RouteSpec& RouteList::add(std::string method, std::string pattern, auth::Scope scope,
                          std::string summary, net::Handler handler) {
  RouteSpec s;
  s.method = std::move(method);
  s.pattern = std::move(pattern);
  s.scope = scope;
  s.summary = std::move(summary);
  s.tag = tag_;
  s.resource = resource_;
  s.handler = std::move(handler);
  specs_.push_back(std::move(s));
  return specs_.back();
}
namespace {

// The only routes anyone may call without a key: probes and the API description.
constexpr std::array<std::string_view, 7> kPublicPatterns = {
    "/healthz", "/readyz", "/openapi.json",
    // The dashboard's files hold no data (the page asks for a key before it calls the API),
    // and the status pages show only groups their config marks public.
    "/ui", "/ui/{path...}", "/status/{group}", "/api/v1/status/{group}"};

// One message for a missing, malformed, unknown and revoked key alike, so an answer never
// tells which keys exist.
constexpr std::string_view kUnauthenticatedMessage =
    "a valid API key is required (Authorization: Bearer <key>, or X-API-Key)";

const logging::Logger& log() {
  static const logging::Logger logger("api");
  return logger;
}

// The password part of base64("<user>:<password>"), or the whole decoded text without a
// colon; empty when it is not base64.
std::string secretOfBase64Pair(std::string_view encoded) {
  std::string decoded(encoded.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        encoded.data(), encoded.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return {};
  }
  decoded.resize(length);
  auto colon = decoded.find(':');
  return colon == std::string::npos ? decoded : decoded.substr(colon + 1);
}

// The API key of a request, in each form API clients and log shippers send one:
//   Authorization: Bearer <key>
//   Authorization: Basic base64(<any user>:<key>)  (Loki and Elasticsearch clients' user and
//                                                   password: the password is the key)
//   Authorization: ApiKey base64(<id>:<key>)       (Elasticsearch clients' api_key)
//   X-API-Key: <key>
std::string tokenOf(const net::HttpRequest& request) {
  std::string_view authz = trimSpaces(request.header("Authorization"));
  for (std::string_view scheme : {"bearer ", "basic ", "apikey "}) {
    if (authz.size() > scheme.size() && istartsWith(authz, scheme)) {
      std::string_view credential = trimSpaces(authz.substr(scheme.size()));
      if (scheme == "bearer ") return std::string(credential);
      return secretOfBase64Pair(credential);
    }
  }
  return std::string(trimSpaces(request.header("X-API-Key")));
}

// A browser navigating (not a client calling the API): it asks for HTML and sends no key.
bool wantsPage(const net::HttpRequest& request) {
  return (request.method == "GET" || request.method == "HEAD") &&
         request.header("Accept").find("text/html") != std::string_view::npos &&
         request.header("Authorization").empty() && request.header("X-API-Key").empty();
}

bool isRead(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

std::string statusClass(int status) {
  return fmt::format("{}xx", status / 100);
}

// What an audit entry names as the target: the path parameters' values.
std::string targetOf(const net::HttpRequest& request) {
  if (request.pathParams.size() == 1) return request.pathParams.front().second;
  std::string out;
  for (const auto& [name, value] : request.pathParams) {
    if (!out.empty()) out += ',';
    out += name + '=' + value;
  }
  return out;
}

int64_t ceilSeconds(Millis ms) {
  return (ms.count() + 999) / 1000;
}

void addRateHeaders(net::HttpResponse& response, const RateLimitDecision& d) {
  response.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.limit));
  response.headers.emplace_back("X-RateLimit-Remaining", std::to_string(d.remaining));
  response.headers.emplace_back("X-RateLimit-Reset", std::to_string(ceilSeconds(d.resetAfter)));
}

// The cache key part that stands for who asks: two callers whose roles grant the same scopes
// see the same answers.
std::string scopeSetOf(const auth::Principal* principal, bool authEnabled) {
  if (!authEnabled) return "*";
  if (principal == nullptr) return "-";
  std::string out;
  for (auth::Scope s : auth::scopesOf(principal->role)) {
    if (!out.empty()) out += ',';
    out += auth::scopeName(s);
  }
  return out;
}

net::HttpResponse rateLimited(const RateLimitDecision& limit) {
  net::HttpResponse r = net::HttpResponse::error(
      429, "rate_limited", "too many requests; retry after the time in Retry-After");
  r.headers.emplace_back("Retry-After",
                         std::to_string(std::max<int64_t>(1, ceilSeconds(limit.retryAfter))));
  addRateHeaders(r, limit);
  return r;
}

}  // namespace

Gateway::Gateway(auth::ApiKeys& keys, auth::AuditLog& audit, Clock& clock, config::ApiConfig config,
                 bool authEnabled)
    : keys_(keys),
      audit_(audit),
      clock_(clock),
      config_(std::move(config)),
      authEnabled_(authEnabled),
      cors_(std::make_unique<Cors>(config_.cors)),
      keyLimiter_(std::make_unique<RateLimiter>(clock_, config_.keyRateLimit.rate,
                                                config_.keyRateLimit.burst)),
      ipLimiter_(std::make_unique<RateLimiter>(clock_, config_.ipRateLimit.rate,
                                               config_.ipRateLimit.burst)),
      cache_(std::make_unique<ResponseCache>(
          clock_, config_.cacheTtl,
          static_cast<size_t>(std::max<int64_t>(config_.cacheMaxBytes, 0)))) {}

Gateway::~Gateway() = default;

void Gateway::add(RouteSpec spec) {
  if (installed_) throw std::logic_error("Gateway::add after install: " + spec.pattern);
  if (!spec.handler && !spec.callerHandler)
    throw std::invalid_argument("route " + spec.pattern + ": empty handler");
  if (!spec.scope && std::find(kPublicPatterns.begin(), kPublicPatterns.end(), spec.pattern) ==
                         kPublicPatterns.end()) {
    throw std::invalid_argument(
        "route " + spec.pattern +
        ": only /healthz, /readyz, /openapi.json, the dashboard and status pages "
        "may be public");
  }
  for (const RouteSpec& other : specs_) {
    if (other.method == spec.method && other.pattern == spec.pattern) {
      throw std::invalid_argument("route " + spec.method + " " + spec.pattern + " added twice");
    }
  }
  specs_.push_back(std::move(spec));
}

void Gateway::add(std::vector<RouteSpec> specs) {
  for (RouteSpec& spec : specs)
    add(std::move(spec));
}

void Gateway::install(net::Router& router) {
  if (installed_) throw std::logic_error("Gateway::install called twice");
  installed_ = true;
  // specs_ no longer changes, so handlers may point into it.
  std::map<std::string, std::vector<std::string>> methodsByPattern;
  std::vector<std::string> patterns;
  for (const RouteSpec& spec : specs_) {
    // The server applies the same limit before it reads the body, so an oversized upload
    // costs no memory; the gateway checks again for callers that dispatch directly.
    router.add(
        spec.method, spec.pattern,
        [this, &spec](net::HttpRequest& request) { return handle(spec, request); },
        net::RouteOptions{spec.maxBodyBytes});
    auto [it, inserted] = methodsByPattern.try_emplace(spec.pattern);
    if (inserted) patterns.push_back(spec.pattern);
    it->second.push_back(spec.method);
  }
  for (const std::string& pattern : patterns) {
    const std::vector<std::string>& methods = methodsByPattern[pattern];
    if (std::find(methods.begin(), methods.end(), "OPTIONS") != methods.end()) continue;
    router.add("OPTIONS", pattern, [this, methods](net::HttpRequest& request) {
      return cors_->preflight(request, methods);
    });
  }
}

net::HttpResponse Gateway::handle(const RouteSpec& spec, net::HttpRequest& request) {
  net::HttpResponse response;
  if (!spec.browserLocation.empty() && wantsPage(request)) {
    response = net::HttpResponse::text(302, "");
    response.headers.emplace_back("Location", spec.browserLocation);
  } else if (!spec.scope || !authEnabled_) {
    response = authorizedHandle(spec, request, nullptr);
  } else {
    std::string token = tokenOf(request);
    Result<auth::Principal> principal =
        token.empty() ? Result<auth::Principal>(makeError(ErrorCode::kUnauthenticated, "no key"))
                      : keys_.authenticate(token);
    if (!principal.ok() && principal.error().code != ErrorCode::kUnauthenticated) {
      // The key store failed: not the caller's fault, and not a verdict on the key.
      log().warn("cannot verify API key", {{"error", principal.error().toString()}});
      net::HttpResponse r =
          net::HttpResponse::error(503, "unavailable", "cannot verify the API key now; retry");
      r.headers.emplace_back("Retry-After", "1");
      response = std::move(r);
    } else if (!principal.ok()) {
      // A failed attempt spends the address's anonymous budget: a client guessing keys (or a
      // misconfigured one) is slowed down and cannot flood the audit log.
      RateLimitDecision limit = ipLimiter_->take("ip:" + request.remoteAddress);
      if (!limit.allowed) {
        response = rateLimited(limit);
      } else {
        audit(spec, request, "", "auth.failed", "unauthenticated");
        response = net::HttpResponse::error(401, "unauthenticated", kUnauthenticatedMessage);
        response.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="pharos")");
      }
    } else if (!auth::hasScope(principal->role, *spec.scope)) {
      audit(spec, request, principal->keyId, spec.method + " " + spec.pattern, "denied");
      response = net::HttpResponse::error(
          403, "forbidden",
          fmt::format("this key's role does not grant the '{}' scope this route requires",
                      auth::scopeName(*spec.scope)));
    } else {
      response = authorizedHandle(spec, request, &*principal);
    }
  }
  return cors_->decorate(request, std::move(response));
}

net::HttpResponse Gateway::authorizedHandle(const RouteSpec& spec, net::HttpRequest& request,
                                            const auth::Principal* principal) {
  std::optional<RateLimitDecision> limit;
  if (spec.rateLimited) {
    limit = principal != nullptr ? keyLimiter_->take("key:" + principal->keyId)
                                 : ipLimiter_->take("ip:" + request.remoteAddress);
    if (!limit->allowed) return rateLimited(*limit);
  }

  net::HttpResponse response;
  bool readOnly = isRead(request.method);
  if (spec.cacheable && (request.method == "GET" || request.method == "HEAD")) {
    std::string key =
        "GET " + request.path + "?" + request.query + " " + scopeSetOf(principal, authEnabled_);
    if (std::optional<net::HttpResponse> hit = cache_->get(key)) {
      response = std::move(*hit);
      response.headers.emplace_back("X-Cache", "HIT");
    } else {
      uint64_t generation = cache_->generation(spec.resource);
      response = runHandler(spec, request, principal);
      if (response.status == 200) cache_->put(key, spec.resource, generation, response);
      response.headers.emplace_back("X-Cache", "MISS");
    }
  } else {
    response = runHandler(spec, request, principal);
  }

  if (!readOnly) {
    if (response.status >= 200 && response.status < 300 && !spec.resource.empty()) {
      cache_->invalidate(spec.resource);
    }
    if (spec.audited) {
      audit(spec, request, principal != nullptr ? principal->keyId : "",
            spec.method + " " + spec.pattern, statusClass(response.status));
    }
  }
  if (limit) addRateHeaders(response, *limit);
  return response;
}

net::HttpResponse Gateway::runHandler(const RouteSpec& spec, net::HttpRequest& request,
                                      const auth::Principal* principal) {
  if (request.body.size() > spec.maxBodyBytes) {
    return net::HttpResponse::error(
        413, "body_too_large",
        fmt::format("the request body exceeds this route's limit of {} bytes", spec.maxBodyBytes));
  }
  try {
    return spec.callerHandler ? spec.callerHandler(request, principal) : spec.handler(request);
  } catch (const std::exception& e) {
    // A handler bug must cost one request, not the server; the message stays in the log.
    log().error("handler threw",
                {{"route", spec.method + " " + spec.pattern}, {"error", e.what()}});
    return net::HttpResponse::error(500, "internal", "internal error; see the server log");
  }
}

void Gateway::audit(const RouteSpec& spec, const net::HttpRequest& request, std::string keyId,
                    std::string action, std::string outcome) {
  auth::AuditEntry entry;
  entry.keyId = std::move(keyId);
  entry.action = std::move(action);
  // An auth failure names the route it was refused; a write names what it touched, unless
  // its path carries a secret.
  entry.target = entry.action == "auth.failed" || !spec.audited ? spec.method + " " + spec.pattern
                                                                : targetOf(request);
  entry.remoteAddress = request.remoteAddress;
  entry.outcome = std::move(outcome);
  if (Status s = audit_.record(entry); !s.ok()) {
    log().error("cannot write audit entry",
                {{"action", entry.action}, {"error", s.error().toString()}});
  }
}

}  // namespace pharos::api
