#include "api/keys_routes.h"

#include <string>
#include <utility>

#include <fmt/format.h>

#include "api/error_response.h"
#include "api/json_body.h"

namespace pharos::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxNameLength = 100;
constexpr size_t kMaxIdLength = 128;
constexpr size_t kCreateBodyLimit = 4096;

json keySchema() {
  json nullableTime = {{"type", json::array({"string", "null"})}, {"format", "date-time"}};
  return {{"type", "object"},
          {"required", json::array({"id", "name", "role", "createdAt"})},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"name", {{"type", "string"}}},
            {"role",
             {{"type", "string"}, {"enum", json::array({"viewer", "ingest", "editor", "admin"})}}},
            {"createdAt", {{"type", "string"}, {"format", "date-time"}}},
            {"lastUsedAt", nullableTime},
            {"revokedAt", nullableTime}}}};
}

json toJson(const std::optional<WallTime>& t) {
  return t ? json(formatTime(*t)) : json(nullptr);
}

json toJson(const auth::ApiKeyInfo& k) {
  return {{"id", k.id},
          {"name", k.name},
          {"role", std::string(auth::roleName(k.role))},
          {"createdAt", formatTime(k.createdAt)},
          {"lastUsedAt", toJson(k.lastUsedAt)},
          {"revokedAt", toJson(k.revokedAt)}};
}

bool hasControlCharacters(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  }
  return false;
}

net::HttpResponse listKeys(auth::ApiKeys& keys) {
  Result<std::vector<auth::ApiKeyInfo>> list = keys.list();
  if (!list.ok()) return errorResponse(list.error());
  json out = json::array();
  for (const auth::ApiKeyInfo& k : *list)
    out.push_back(toJson(k));
  return net::HttpResponse::json(200, dumpJson(json{{"keys", std::move(out)}}));
}

net::HttpResponse createKey(auth::ApiKeys& keys, const net::HttpRequest& request) {
  JsonBody parsed = parseJsonObject(request.body);
  if (auto* error = std::get_if<net::HttpResponse>(&parsed)) return std::move(*error);
  const json& body = std::get<json>(parsed);
  if (auto field = unknownField(body, {"name", "role"})) {
    return net::HttpResponse::error(
        400, "invalid_argument", fmt::format("unknown field '{}' (expected: name, role)", *field));
  }
  auto name = body.find("name");
  if (name == body.end() || !name->is_string()) {
    return net::HttpResponse::error(400, "invalid_argument",
                                    "'name' is required and must be a string");
  }
  const std::string& nameText = name->get_ref<const std::string&>();
  if (nameText.empty() || nameText.size() > kMaxNameLength || hasControlCharacters(nameText)) {
    return net::HttpResponse::error(
        400, "invalid_argument",
        fmt::format("'name' must be 1 to {} characters without control characters",
                    kMaxNameLength));
  }
  auto role = body.find("role");
  if (role == body.end() || !role->is_string()) {
    return net::HttpResponse::error(400, "invalid_argument",
                                    "'role' is required and must be a string");
  }
  Result<auth::Role> parsedRole = auth::parseRole(role->get_ref<const std::string&>());
  if (!parsedRole.ok()) {
    return net::HttpResponse::error(400, "invalid_argument",
                                    "'role' must be one of viewer, ingest, editor, admin");
  }
  Result<auth::CreatedKey> created = keys.create(nameText, *parsedRole);
  if (!created.ok()) return errorResponse(created.error());
  json out = toJson(created->info);
  out["token"] = created->token.reveal();  // shown once, here, and nowhere else
  net::HttpResponse r = net::HttpResponse::json(201, dumpJson(out));
  // Neither a browser nor a proxy may keep the token.
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Location", "/api/v1/keys/" + created->info.id);
  return r;
}

net::HttpResponse revokeKey(auth::ApiKeys& keys, const net::HttpRequest& request) {
  std::string_view id = request.pathParam("id");
  if (id.size() > kMaxIdLength) {
    return net::HttpResponse::error(404, "not_found", "no such key");
  }
  if (Status s = keys.revoke(id); !s.ok()) {
    if (s.error().code == ErrorCode::kNotFound) {
      return net::HttpResponse::error(404, "not_found", "no such key");
    }
    return errorResponse(s.error());
  }
  return net::HttpResponse::text(204, "");
}

// The caller's key as the gateway verified it, so a client (the dashboard) can show who is
// logged in and hide what the role may not do. With auth off, the anonymous caller may do
// everything.
net::HttpResponse whoami(const auth::Principal* principal) {
  json scopes = json::array();
  auth::Role role = principal != nullptr ? principal->role : auth::Role::kAdmin;
  for (auth::Scope scope : auth::scopesOf(role))
    scopes.push_back(std::string(auth::scopeName(scope)));
  json out = {{"key_id", principal != nullptr ? principal->keyId : ""},
              {"name", principal != nullptr ? principal->keyName : "anonymous"},
              {"role", std::string(auth::roleName(role))},
              {"scopes", std::move(scopes)},
              {"auth", principal != nullptr}};
  return net::HttpResponse::json(200, dumpJson(out));
}

}  // namespace

std::vector<RouteSpec> keysRoutes(auth::ApiKeys& keys) {
  std::vector<RouteSpec> specs;

  RouteSpec me;
  me.method = "GET";
  me.pattern = "/api/v1/whoami";
  me.scope = auth::Scope::kRead;
  me.summary = "The calling key's id, name, role and scopes";
  me.tag = "keys";
  me.callerHandler = [](net::HttpRequest&, const auth::Principal* principal) {
    return whoami(principal);
  };
  specs.push_back(std::move(me));

  RouteSpec list;
  list.method = "GET";
  list.pattern = "/api/v1/keys";
  list.scope = auth::Scope::kAdmin;
  list.cacheable = true;
  list.resource = "keys";
  list.summary = "List API keys";
  list.tag = "keys";
  list.responseSchema = {{"type", "object"},
                         {"required", json::array({"keys"})},
                         {"properties", {{"keys", {{"type", "array"}, {"items", keySchema()}}}}}};
  list.handler = [&keys](net::HttpRequest&) { return listKeys(keys); };
  specs.push_back(std::move(list));

  RouteSpec create;
  create.method = "POST";
  create.pattern = "/api/v1/keys";
  create.scope = auth::Scope::kAdmin;
  create.maxBodyBytes = kCreateBodyLimit;
  create.resource = "keys";
  create.summary = "Create an API key; the token is returned once";
  create.tag = "keys";
  create.successStatus = 201;
  create.requestSchema = {
      {"type", "object"},
      {"required", json::array({"name", "role"})},
      {"additionalProperties", false},
      {"properties",
       {{"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", kMaxNameLength}}},
        {"role",
         {{"type", "string"}, {"enum", json::array({"viewer", "ingest", "editor", "admin"})}}}}}};
  json createdSchema = keySchema();
  createdSchema["properties"]["token"] = {{"type", "string"}};
  createdSchema["required"].push_back("token");
  create.responseSchema = std::move(createdSchema);
  create.handler = [&keys](net::HttpRequest& request) { return createKey(keys, request); };
  specs.push_back(std::move(create));

  RouteSpec revoke;
  revoke.method = "DELETE";
  revoke.pattern = "/api/v1/keys/{id}";
  revoke.scope = auth::Scope::kAdmin;
  revoke.resource = "keys";
  revoke.summary = "Revoke an API key";
  revoke.tag = "keys";
  revoke.successStatus = 204;
  revoke.handler = [&keys](net::HttpRequest& request) { return revokeKey(keys, request); };
  specs.push_back(std::move(revoke));
  return specs;
}

}  // namespace pharos::api
