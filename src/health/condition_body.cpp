#include "health/condition_body.h"

#include <fmt/format.h>

namespace pharos::health {
namespace {

// The byte offset at which brackets outside strings first nest deeper than `limit`, if any.
std::optional<size_t> tooDeepAt(std::string_view s, int limit) {
  int depth = 0;
  bool inString = false;
  bool escaped = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

}  // namespace

ParsedBody parseJsonBody(std::string_view body) {
  ParsedBody parsed;
  parsed.data = body.data();
  parsed.size = body.size();
  if (body.empty()) {
    parsed.error = "body is empty, not JSON";
    return parsed;
  }
  if (body.size() > ParsedBody::kMaxBytes) {
    parsed.error =
        fmt::format("body is over {} bytes, too large to parse as JSON", ParsedBody::kMaxBytes);
    return parsed;
  }
  if (auto at = tooDeepAt(body, ParsedBody::kMaxDepth)) {
    parsed.error =
        fmt::format("body JSON nests deeper than {} at byte {}", ParsedBody::kMaxDepth, *at);
    return parsed;
  }
  try {
    parsed.json = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::parse_error& e) {
    parsed.error = fmt::format("body is not JSON at byte {}", e.byte);
  } catch (const nlohmann::json::exception&) {
    // Well-formed but not representable: a number like 1e400 overflows a double.
    parsed.error = "body JSON has a number out of range";
  }
  return parsed;
}

}  // namespace pharos::health
