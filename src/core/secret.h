#pragma once

#include <string>
#include <string_view>

namespace pharos {

// A value that must never be printed: a password, a token, a key. It has no conversion to
// string and no stream operator; formatting it in a log line or error message shows
// "[redacted]". Code that needs the bytes calls reveal(), which grep can find.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  static constexpr std::string_view kRedacted = "[redacted]";

 private:
  std::string value_;
};

}  // namespace pharos
