#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.h"

namespace pharos::net {

// What a route may set beyond its handler.
struct RouteOptions {
  // The largest request body this route accepts (after gzip inflation); the server's
  // ServerOptions::maxBodyBytes when empty. Larger bodies get 413 before the handler runs.
  std::optional<size_t> maxBodyBytes;
};

// One registered route, as a later OpenAPI generator sees it.
struct RouteInfo {
  std::string method;   // "GET"
  std::string pattern;  // "/api/v1/keys/{id}"
  RouteOptions options;
};

// Maps (method, path) to a handler. Patterns are literal segments, `{name}` segments that
// capture one non-empty segment into request.pathParams, and an optional last segment
// `{name...}` that captures the rest of the path (possibly empty, slashes included).
//
// When several patterns match a path, the most specific wins whatever the order of
// registration: at the first segment where they differ, a literal beats `{name}`, which
// beats `{name...}`. So "/keys/new" and "/keys/{id}" can be registered in either order.
//
// Build the router fully at start-up, then share it as `const`: dispatch() is thread-safe,
// add() is not.
class Router {
 public:
  // Registers `handler` for `method` (case-sensitive, "GET") and `pattern` ("/a/{id}").
  // Throws std::invalid_argument on a malformed pattern or when the same method already has a
  // pattern of the same shape: both are programming errors, found at start-up.
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  // Runs the matching handler and returns its response. Unknown path: 404 `not_found`. Known
  // path, other methods: 405 `method_not_allowed` with an `Allow` header. HEAD runs the GET
  // handler when no HEAD route exists; the response keeps its body so its length is known,
  // and the server leaves the body out on the wire. Handler exceptions propagate.
  HttpResponse dispatch(HttpRequest& request) const;

  // The body limit of the route dispatch() would run for (method, path), if that route sets
  // one; std::nullopt for no such route or no limit of its own. `path` is percent-decoded,
  // as in HttpRequest::path. Thread-safe like dispatch(); the server asks this once it has a
  // request's header, before it reads the body.
  std::optional<size_t> bodyLimitFor(std::string_view method, std::string_view path) const;

  // Every route in registration order.
  std::vector<RouteInfo> routes() const;

 private:
  enum class SegmentKind { kLiteral, kParam, kRest };  // ordered from most to least specific
  struct Segment {
    SegmentKind kind;
    std::string text;  // the literal, or the parameter's name
  };
  struct Route {
    RouteInfo info;
    std::vector<Segment> segments;
    Handler handler;
  };

  static bool matches(const Route& route, const std::vector<std::string_view>& parts);
  // The route dispatch() runs for `method` on `parts`, or nullptr; `pathKnown` tells whether
  // any method has a route for the path.
  const Route* find(std::string_view method, const std::vector<std::string_view>& parts,
                    bool& pathKnown) const;
  static bool moreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace pharos::net
