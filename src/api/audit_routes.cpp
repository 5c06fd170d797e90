#include "api/audit_routes.h"

#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "api/error_response.h"
#include "api/json_body.h"
#include "api/query.h"

namespace pharos::api {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;

std::optional<int64_t> parseInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

net::HttpResponse listAudit(auth::AuditLog& audit, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) {
    return net::HttpResponse::error(400, "invalid_argument", "malformed query string");
  }
  int64_t limit = kDefaultLimit;
  std::optional<int64_t> before;
  for (const auto& [name, value] : *params) {
    if (name == "limit") {
      std::optional<int64_t> v = parseInt(value);
      if (!v || *v < 1 || *v > kMaxLimit) {
        return net::HttpResponse::error(
            400, "invalid_argument",
            fmt::format("'limit' must be an integer from 1 to {}", kMaxLimit));
      }
      limit = *v;
    } else if (name == "before") {
      before = parseInt(value);
      if (!before || *before < 1) {
        return net::HttpResponse::error(400, "invalid_argument",
                                        "'before' must be a positive integer (an entry id)");
      }
    } else {
      return net::HttpResponse::error(
          400, "invalid_argument",
          fmt::format("unknown query parameter '{}' (expected: limit, before)", name));
    }
  }
  Result<std::vector<auth::AuditEntry>> entries = audit.list(static_cast<size_t>(limit), before);
  if (!entries.ok()) return errorResponse(entries.error());
  json out = json::array();
  for (const auth::AuditEntry& e : *entries) {
    out.push_back({{"id", e.id},
                   {"at", formatTime(e.at)},
                   {"keyId", e.keyId},
                   {"action", e.action},
                   {"target", e.target},
                   {"remoteAddress", e.remoteAddress},
                   {"outcome", e.outcome}});
  }
  // A full page may have a successor; a short one is the last.
  json next = nullptr;
  if (static_cast<int64_t>(entries->size()) == limit && !entries->empty()) {
    next = entries->back().id;
  }
  return net::HttpResponse::json(200, dumpJson(json{{"entries", std::move(out)}, {"next", next}}));
}

}  // namespace

std::vector<RouteSpec> auditRoutes(auth::AuditLog& audit) {
  RouteSpec list;
  list.method = "GET";
  list.pattern = "/api/v1/audit";
  list.scope = auth::Scope::kAdmin;
  list.summary = "Audit entries, newest first (query: limit, before)";
  list.tag = "audit";
  json entry = {{"type", "object"},
                {"properties",
                 {{"id", {{"type", "integer"}}},
                  {"at", {{"type", "string"}, {"format", "date-time"}}},
                  {"keyId", {{"type", "string"}}},
                  {"action", {{"type", "string"}}},
                  {"target", {{"type", "string"}}},
                  {"remoteAddress", {{"type", "string"}}},
                  {"outcome", {{"type", "string"}}}}}};
  list.responseSchema = {{"type", "object"},
                         {"required", json::array({"entries", "next"})},
                         {"properties",
                          {{"entries", {{"type", "array"}, {"items", entry}}},
                           {"next", {{"type", json::array({"integer", "null"})}}}}}};
  list.handler = [&audit](net::HttpRequest& request) { return listAudit(audit, request); };
  std::vector<RouteSpec> specs;
  specs.push_back(std::move(list));
  return specs;
}

}  // namespace pharos::api
