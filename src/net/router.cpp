#include "net/router.h"

#include <algorithm>
#include <stdexcept>

namespace pharos::net {
namespace {

// Splits "/a/b" into {"a", "b"}; "/" into {}; "/a/" into {"a", ""}. Views into `path`.
std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return parts;
  parts.reserve(8);
  for (;;) {
    size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

bool isParamName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

[[noreturn]] void badPattern(std::string_view pattern, std::string_view why) {
  throw std::invalid_argument("route pattern '" + std::string(pattern) + "': " + std::string(why));
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (method.empty()) badPattern(pattern, "empty method");
  if (pattern.empty() || pattern.front() != '/') badPattern(pattern, "must start with '/'");
  if (!handler) badPattern(pattern, "empty handler");

  std::vector<Segment> segments;
  std::vector<std::string_view> parts = splitPath(pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      std::string_view name = part.substr(1, part.size() - 2);
      SegmentKind kind = SegmentKind::kParam;
      if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
        name.remove_suffix(3);
        kind = SegmentKind::kRest;
        if (i + 1 != parts.size()) badPattern(pattern, "{name...} must be the last segment");
      }
      if (!isParamName(name)) badPattern(pattern, "bad parameter name");
      for (const Segment& s : segments) {
        if (s.kind != SegmentKind::kLiteral && s.text == name) {
          badPattern(pattern, "duplicate parameter name");
        }
      }
      segments.push_back({kind, std::string(name)});
    } else {
      if (part.find_first_of("{}") != std::string_view::npos) {
        badPattern(pattern, "a parameter must be a whole segment");
      }
      segments.push_back({SegmentKind::kLiteral, std::string(part)});
    }
  }

  for (const Route& other : routes_) {
    if (other.info.method != method || other.segments.size() != segments.size()) continue;
    bool sameShape = std::equal(segments.begin(), segments.end(), other.segments.begin(),
                                [](const Segment& a, const Segment& b) {
                                  return a.kind == b.kind &&
                                         (a.kind != SegmentKind::kLiteral || a.text == b.text);
                                });
    if (sameShape) badPattern(pattern, "conflicts with '" + other.info.pattern + "'");
  }

  routes_.push_back(Route{RouteInfo{std::move(method), std::move(pattern), options},
                          std::move(segments), std::move(handler)});
}

bool Router::matches(const Route& route, const std::vector<std::string_view>& parts) {
  const auto& segs = route.segments;
  bool rest = !segs.empty() && segs.back().kind == SegmentKind::kRest;
  size_t fixed = rest ? segs.size() - 1 : segs.size();
  if (rest ? parts.size() < fixed : parts.size() != fixed) return false;
  for (size_t i = 0; i < fixed; ++i) {
    if (segs[i].kind == SegmentKind::kLiteral) {
      if (segs[i].text != parts[i]) return false;
    } else if (parts[i].empty()) {
      return false;
    }
  }
  return true;
}

bool Router::moreSpecific(const Route& a, const Route& b) {
  size_t n = std::min(a.segments.size(), b.segments.size());
  for (size_t i = 0; i < n; ++i) {
    if (a.segments[i].kind != b.segments[i].kind) {
      return a.segments[i].kind < b.segments[i].kind;
    }
  }
  // Equal up to here: only a trailing {rest...} can make one longer, and the exact one wins.
  return a.segments.size() < b.segments.size();
}

const Router::Route* Router::find(std::string_view method,
                                  const std::vector<std::string_view>& parts,
                                  bool& pathKnown) const {
  const Route* best = nullptr;
  bool bestExact = false;
  pathKnown = false;
  for (const Route& route : routes_) {
    if (!matches(route, parts)) continue;
    pathKnown = true;
    bool exact = route.info.method == method;
    if (!exact && !(method == "HEAD" && route.info.method == "GET")) continue;
    if (best == nullptr || moreSpecific(route, *best) ||
        (exact && !bestExact && !moreSpecific(*best, route))) {
      best = &route;
      bestExact = exact;
    }
  }
  return best;
}

std::optional<size_t> Router::bodyLimitFor(std::string_view method, std::string_view path) const {
  if (path.empty()) path = "/";
  bool pathKnown = false;
  const Route* route = find(method, splitPath(path), pathKnown);
  return route == nullptr ? std::nullopt : route->info.options.maxBodyBytes;
}

HttpResponse Router::dispatch(HttpRequest& request) const {
  std::string_view path = request.path.empty() ? std::string_view("/") : request.path;
  std::vector<std::string_view> parts = splitPath(path);

  bool pathKnown = false;
  const Route* best = find(request.method, parts, pathKnown);

  if (best == nullptr) {
    if (!pathKnown) {
      return HttpResponse::error(404, "not_found", "no route for " + std::string(path));
    }
    std::vector<std::string_view> allowed;
    for (const Route& route : routes_) {
      if (!matches(route, parts)) continue;
      if (std::find(allowed.begin(), allowed.end(), route.info.method) == allowed.end()) {
        allowed.push_back(route.info.method);
      }
    }
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end() &&
        std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end()) {
      allowed.push_back("HEAD");
    }
    std::string allow;
    for (std::string_view m : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += m;
    }
    HttpResponse response = HttpResponse::error(
        405, "method_not_allowed", request.method + " is not allowed on " + std::string(path));
    response.headers.emplace_back("Allow", std::move(allow));
    return response;
  }

  request.pathParams.clear();
  for (size_t i = 0; i < best->segments.size(); ++i) {
    const Segment& seg = best->segments[i];
    if (seg.kind == SegmentKind::kParam) {
      request.pathParams.emplace_back(seg.text, parts[i]);
    } else if (seg.kind == SegmentKind::kRest) {
      std::string_view rest;
      if (i < parts.size()) rest = path.substr(static_cast<size_t>(parts[i].data() - path.data()));
      request.pathParams.emplace_back(seg.text, rest);
    }
  }
  return best->handler(request);
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const Route& route : routes_)
    out.push_back(route.info);
  return out;
}

}  // namespace pharos::net
