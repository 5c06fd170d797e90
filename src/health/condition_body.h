#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pharos::health {

// A response body parsed as JSON once for all the conditions of a check, or why it is not
// JSON. Internal to the health module (ConditionContext holds one).
struct ParsedBody {
  static constexpr size_t kMaxBytes = size_t{1} << 20;
  static constexpr int kMaxDepth = 64;

  const char* data = nullptr;  // which body this is, to notice a context reused for another
  size_t size = 0;
  std::optional<nlohmann::json> json;
  std::string error;  // when !json: "body is not JSON at byte 7"
};

// Bounded: a body over kMaxBytes or nested deeper than kMaxDepth is refused before parsing,
// so no input makes the parser or the tree's destructor use unbounded memory or stack.
ParsedBody parseJsonBody(std::string_view body);

}  // namespace pharos::health
