#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/config/node_json.h"
#include "core/config/node_reader.h"
#include "net/http.h"

namespace pharos::api {

// A parsed JSON object, or the 400 to answer instead.
using JsonBody = std::variant<nlohmann::json, net::HttpResponse>;

// Parses a request body that must be one JSON object: `invalid_json` naming the byte offset
// when it does not parse (or is not valid UTF-8), `invalid_argument` when it is another type.
// Never throws.
JsonBody parseJsonObject(std::string_view body);

// The first member of `object` whose name is not in `allowed`; nullopt when there is none.
// Unknown fields are refused rather than ignored so a typo ("rol") is not silently dropped.
std::optional<std::string> unknownField(const nlohmann::json& object,
                                        std::initializer_list<std::string_view> allowed);

// The 400 for a definition with wrong fields: every problem, each naming its field, in
// `error.fields` ([{"field", "message"}]).
net::HttpResponse fieldProblemsResponse(const std::vector<config::FieldProblem>& problems);

// The definition in a request body, read by `parse` (the module's one parser for config files
// and API bodies: Node -> variant<T, vector<FieldProblem>>), or the 400 to answer instead.
template <typename T, typename Parse>
std::variant<T, net::HttpResponse> readDefinition(const net::HttpRequest& request, Parse&& parse) {
  JsonBody parsed = parseJsonObject(request.body);
  if (auto* error = std::get_if<net::HttpResponse>(&parsed)) return std::move(*error);
  auto read = parse(config::nodeFromJson(std::get<nlohmann::json>(parsed)));
  if (auto* problems = std::get_if<std::vector<config::FieldProblem>>(&read)) {
    return fieldProblemsResponse(*problems);
  }
  return std::get<T>(std::move(read));
}

// RFC 3339 in UTC with milliseconds: "2024-05-01T12:00:00.000Z".
std::string formatTime(WallTime t);

// `value` as JSON text; invalid UTF-8 (which only a bug could put there) becomes U+FFFD
// instead of an exception.
std::string dumpJson(const nlohmann::json& value);

// A 200 with `body` as JSON.
net::HttpResponse okJson(const nlohmann::json& body);

}  // namespace pharos::api
