#include "core/config/expand.h"

#include <cstdlib>

#include <fmt/format.h>

namespace pharos::config {

std::optional<std::string> processEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Result<std::string> expandEnv(const std::string& raw, const EnvLookup& lookup) {
  std::string out;
  size_t i = 0;
  while (i < raw.size()) {
    size_t start = raw.find("${", i);
    if (start == std::string::npos) {
      out.append(raw, i);
      break;
    }
    out.append(raw, i, start - i);
    size_t end = raw.find('}', start);
    if (end == std::string::npos) {
      return makeError(ErrorCode::kInvalidArgument, fmt::format("unterminated ${{ in '{}'", raw));
    }
    std::string name = raw.substr(start + 2, end - start - 2);
    auto value = lookup ? lookup(name) : processEnv(name);
    if (!value)
      return makeError(ErrorCode::kInvalidArgument,
                       fmt::format("environment variable {} is not set", name));
    out += *value;
    i = end + 1;
  }
  return out;
}

std::string hideExpansion(std::string message, const std::string& raw, const EnvLookup& lookup) {
  if (raw.find("${") == std::string::npos) return message;
  auto expanded = expandEnv(raw, lookup);
  if (!expanded.ok() || expanded->empty() || *expanded == raw) return message;
  for (size_t pos = message.find(*expanded); pos != std::string::npos;
       pos = message.find(*expanded, pos + raw.size())) {
    message.replace(pos, expanded->size(), raw);
  }
  return message;
}

}  // namespace pharos::config
