#include "objects/object_store.h"

#include <fmt/format.h>

#include "objects/key_context.h"

namespace pharos::objects {
namespace {

constexpr size_t kMaxKeyBytes = 1024;

bool allowedInSegment(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Error invalid(std::string message, std::string_view key) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message), keyContext(key));
}

}  // namespace

Status validateKey(std::string_view key) {
  if (key.empty()) return invalid("key is empty", key);
  if (key.size() > kMaxKeyBytes) {
    return invalid(
        fmt::format("key is {} bytes, more than the {} allowed", key.size(), kMaxKeyBytes), key);
  }
  // The characters that make a key escape the root or mean something else to some file
  // system are named on their own, so the message tells the caller what they did.
  if (key.find('\0') != std::string_view::npos) return invalid("key contains a NUL byte", key);
  if (key.find('\\') != std::string_view::npos) return invalid("key contains a backslash", key);
  if (key.front() == '/') return invalid("key is an absolute path (starts with '/')", key);
  if (key.back() == '/') return invalid("key ends with '/'", key);

  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    if (segment.empty()) return invalid("key has an empty segment ('//')", key);
    if (segment == ".") return invalid("key has a '.' segment", key);
    if (segment == "..") return invalid("key has a '..' segment", key);
    for (size_t i = 0; i < segment.size(); ++i) {
      if (!allowedInSegment(segment[i])) {
        return invalid(fmt::format("key has byte 0x{:02x} at offset {}; allowed are A-Z a-z 0-9 "
                                   ". _ - and '/' between segments",
                                   static_cast<unsigned char>(segment[i]), start + i),
                       key);
      }
    }
    start = end + 1;
  }
  return okStatus();
}

const LifecycleRule* lifecycleRuleFor(std::span<const LifecycleRule> rules, std::string_view key) {
  for (const LifecycleRule& rule : rules) {
    if (key.starts_with(rule.prefix)) return &rule;
  }
  return nullptr;
}

}  // namespace pharos::objects
