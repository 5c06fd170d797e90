#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace pharos::api {

// The parameters of a raw query string ("limit=10&before=42"), percent-decoded ('+' is a
// space), in order. nullopt when an escape is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view query);

using QueryParams = std::vector<std::pair<std::string, std::string>>;
// The first value of a parameter, nullopt when absent.
std::optional<std::string> queryParam(const QueryParams& params, std::string_view name);
// Parameter `name`: an integer from `min` to `max`, `fallback` when absent;
// kInvalidArgument naming the parameter and the range otherwise.
Result<std::int64_t> queryInt(const QueryParams& params, std::string_view name,
                              std::int64_t fallback, std::int64_t min, std::int64_t max);
// `limit`: an integer from 1 to `max`, `fallback` when absent; kInvalidArgument otherwise.
Result<std::size_t> queryLimit(const QueryParams& params, std::size_t fallback, std::size_t max);

}  // namespace pharos::api
