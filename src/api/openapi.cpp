#include "api/openapi.h"

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "api/json_body.h"

namespace pharos::api {
namespace {

using nlohmann::json;

// Error responses every operation may give, with the component each one names.
struct ErrorResponse {
  const char* status;
  const char* component;
  const char* description;
};
constexpr ErrorResponse kBadRequest{"400", "BadRequest", "The request is malformed."};
constexpr ErrorResponse kUnauthorized{"401", "Unauthorized",
                                      "No API key, or one that is not valid."};
constexpr ErrorResponse kForbidden{"403", "Forbidden", "The key's role lacks the scope."};
constexpr ErrorResponse kNotFound{"404", "NotFound", "No such resource."};
constexpr ErrorResponse kTooLarge{"413", "PayloadTooLarge", "The body exceeds the route's limit."};
constexpr ErrorResponse kTooMany{"429", "TooManyRequests", "Rate limited; see Retry-After."};
constexpr ErrorResponse kUnavailable{"503", "Unavailable",
                                     "A dependency is unavailable; see Retry-After."};
constexpr ErrorResponse kAllErrors[] = {kBadRequest, kUnauthorized, kForbidden,  kNotFound,
                                        kTooLarge,   kTooMany,      kUnavailable};

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// "GET /api/v1/keys/{id}" -> "getApiV1KeysById"; unique because method+pattern is.
std::string operationId(const RouteSpec& spec) {
  std::string out = lower(spec.method);
  bool upper = true;
  for (size_t i = 0; i < spec.pattern.size(); ++i) {
    char c = spec.pattern[i];
    if (c == '{') {
      out += "By";
      upper = true;
      continue;
    }
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      upper = true;
      continue;
    }
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    out += c;
    upper = false;
  }
  return out;
}

// Names of the `{param}` and `{rest...}` segments, in order; the router's rest form is
// written as a plain `{rest}` in OpenAPI, which has no multi-segment parameters.
std::pair<std::string, std::vector<std::string>> openApiPath(const std::string& pattern) {
  std::string path;
  std::vector<std::string> params;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      size_t end = pattern.find('}', i);
      if (end == std::string::npos) break;
      std::string name = pattern.substr(i + 1, end - i - 1);
      if (name.size() > 3 && name.compare(name.size() - 3, 3, "...") == 0)
        name.resize(name.size() - 3);
      params.push_back(name);
      path += '{' + name + '}';
      i = end + 1;
    } else {
      path += pattern[i++];
    }
  }
  return {path, params};
}

json refTo(std::string_view where) {
  return json{{"$ref", std::string(where)}};
}

json components() {
  json error = {
      {"type", "object"},
      {"required", json::array({"error"})},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", json::array({"code", "message"})},
          {"properties",
           {{"code", {{"type", "string"}, {"description", "Machine-readable, e.g. forbidden."}}},
            {"message", {{"type", "string"}}}}}}}}}};
  json responses = json::object();
  for (const ErrorResponse& e : kAllErrors) {
    json r = {
        {"description", e.description},
        {"content", {{"application/json", {{"schema", refTo("#/components/schemas/Error")}}}}}};
    std::string status = e.status;
    if (status == "429" || status == "503") {
      r["headers"]["Retry-After"] = refTo("#/components/headers/RetryAfter");
    }
    responses[e.component] = std::move(r);
  }
  auto intHeader = [](const char* description) {
    return json{{"description", description}, {"schema", {{"type", "integer"}}}};
  };
  return {
      {"schemas", {{"Error", error}}},
      {"responses", responses},
      {"headers",
       {{"RetryAfter", intHeader("Seconds to wait before retrying.")},
        {"RateLimitLimit", intHeader("Bucket size (burst).")},
        {"RateLimitRemaining", intHeader("Requests left in the bucket.")},
        {"RateLimitReset", intHeader("Seconds until the bucket is full.")}}},
      {"securitySchemes",
       {{"bearerAuth",
         {{"type", "http"}, {"scheme", "bearer"}, {"description", "An API key: Bearer phk_..."}}},
        {"apiKeyHeader", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}}}}};
}

json operation(const RouteSpec& spec, bool hasPathParams) {
  json op = {{"operationId", operationId(spec)}, {"summary", spec.summary}};
  if (!spec.tag.empty()) op["tags"] = json::array({spec.tag});
  if (spec.scope) {
    std::string scope(auth::scopeName(*spec.scope));
    // OpenAPI 3.1 lets non-OAuth schemes list role names; we list the scope there too.
    json bearer = json::object();
    bearer["bearerAuth"] = json::array({scope});
    json header = json::object();
    header["apiKeyHeader"] = json::array({scope});
    op["security"] = json::array({bearer, header});
    op["x-pharos-scope"] = scope;
    op["description"] = fmt::format("Requires an API key whose role grants the `{}` scope.", scope);
  } else {
    op["security"] = json::array();
    op["description"] = "Public: no API key needed.";
  }
  if (!spec.requestSchema.is_null()) {
    op["requestBody"] = {{"required", true},
                         {"content", {{"application/json", {{"schema", spec.requestSchema}}}}}};
  }

  json rateHeaders = {{"X-RateLimit-Limit", refTo("#/components/headers/RateLimitLimit")},
                      {"X-RateLimit-Remaining", refTo("#/components/headers/RateLimitRemaining")},
                      {"X-RateLimit-Reset", refTo("#/components/headers/RateLimitReset")}};
  json success = {{"description", spec.summary.empty() ? std::string("Success") : spec.summary},
                  {"headers", rateHeaders}};
  if (spec.successStatus != 204) {
    json media = json::object();
    if (!spec.responseSchema.is_null()) media["schema"] = spec.responseSchema;
    success["content"] = {{spec.responseContentType, media}};
  }
  json responses = {{std::to_string(spec.successStatus), success}};
  bool hasBody = !spec.requestSchema.is_null();
  for (const ErrorResponse& e : kAllErrors) {
    std::string status = e.status;
    if (status == "400" && !spec.scope && !hasBody && !hasPathParams) continue;
    if ((status == "401" || status == "403") && !spec.scope) continue;
    if (status == "404" && !hasPathParams) continue;
    if (status == "413" && spec.maxBodyBytes == 0 && !hasBody) continue;
    responses[status] = refTo(std::string("#/components/responses/") + e.component);
  }
  op["responses"] = std::move(responses);
  return op;
}

}  // namespace

json buildOpenApi(const std::vector<RouteSpec>& specs, const std::string& version) {
  json paths = json::object();
  std::set<std::string> tags;
  for (const RouteSpec& spec : specs) {
    auto [path, params] = openApiPath(spec.pattern);
    json& item = paths[path];
    if (!params.empty() && !item.contains("parameters")) {
      json declared = json::array();
      for (const std::string& name : params) {
        declared.push_back(
            {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
      }
      item["parameters"] = std::move(declared);
    }
    item[lower(spec.method)] = operation(spec, !params.empty());
    if (!spec.tag.empty()) tags.insert(spec.tag);
  }
  json tagList = json::array();
  for (const std::string& t : tags)
    tagList.push_back({{"name", t}});
  return {{"openapi", "3.1.0"},
          {"info",
           {{"title", "Pharos API"},
            {"version", version},
            {"description",
             "Monitoring platform API. Every route except /healthz, /readyz and /openapi.json "
             "needs an API key whose role grants the route's scope. Errors use "
             "{\"error\":{\"code\":...,\"message\":...}}."}}},
          {"tags", tagList},
          {"paths", paths},
          {"components", components()}};
}

RouteSpec openApiRoute(const Gateway& gateway, std::string version) {
  struct Rendered {
    std::once_flag once;
    std::string body;
  };
  auto rendered = std::make_shared<Rendered>();
  RouteSpec spec;
  spec.method = "GET";
  spec.pattern = "/openapi.json";
  spec.summary = "This API's OpenAPI 3.1 description";
  spec.tag = "system";
  spec.responseSchema = {{"type", "object"}};
  spec.handler = [&gateway, rendered, version = std::move(version)](net::HttpRequest&) {
    std::call_once(rendered->once,
                   [&] { rendered->body = dumpJson(buildOpenApi(gateway.specs(), version)); });
    return net::HttpResponse::json(200, rendered->body);
  };
  return spec;
}

}  // namespace pharos::api
