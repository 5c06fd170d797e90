#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.h"
#include "net/http.h"

namespace pharos::api {

// Cross-origin rules per environment, so the dashboard (or a tool) served from another origin
// can call the API, and nothing else can read its answers from a browser.
//
// A wildcard origin is honoured only without credentials: with credentials, "*" matches
// nothing (config validation rejects that pair; this is the second line of defence, because
// reflecting any origin with credentials would hand every site the user's session).
class Cors {
 public:
  explicit Cors(config::CorsConfig config);

  // The Access-Control-Allow-Origin value for `origin`; nullopt when it may not read answers.
  std::optional<std::string> allowOrigin(std::string_view origin) const;

  // `response` with the CORS headers an actual (not preflight) request gets: none unless the
  // request carries an allowed Origin.
  net::HttpResponse decorate(const net::HttpRequest& request, net::HttpResponse response) const;

  // The answer to OPTIONS on a path whose routes accept `methods`. Without an Origin it is a
  // plain OPTIONS (204 with Allow); from an allowed origin, 204 with the Access-Control-Allow-*
  // headers; from any other origin, 403 `forbidden`.
  net::HttpResponse preflight(const net::HttpRequest& request,
                              const std::vector<std::string>& methods) const;

 private:
  config::CorsConfig config_;
  bool wildcard_ = false;
};

}  // namespace pharos::api
