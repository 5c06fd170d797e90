#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/clock.h"
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

// RFC 3339 in UTC with milliseconds: "2024-05-01T12:00:00.000Z".
std::string formatTime(WallTime t);

// `value` as JSON text; invalid UTF-8 (which only a bug could put there) becomes U+FFFD
// instead of an exception.
std::string dumpJson(const nlohmann::json& value);

}  // namespace pharos::api
