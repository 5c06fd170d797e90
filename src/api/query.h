#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pharos::api {

// The parameters of a raw query string ("limit=10&before=42"), percent-decoded ('+' is a
// space), in order. nullopt when an escape is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view query);

}  // namespace pharos::api
