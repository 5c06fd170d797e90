#include "bus/names.h"

#include <fmt/format.h>

namespace pharos::bus {
namespace {

constexpr size_t kMaxNameLength = 128;

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

}  // namespace

Status validateName(std::string_view name, std::string_view what) {
  if (name.empty())
    return makeError(ErrorCode::kInvalidArgument, fmt::format("empty {} name", what));
  if (name.size() > kMaxNameLength) {
    return makeError(
        ErrorCode::kInvalidArgument,
        fmt::format("{} name is {} bytes, at most {} allowed", what, name.size(), kMaxNameLength));
  }
  for (char c : name) {
    if (!isNameChar(c)) {
      // The name itself may be binary junk, so it is not echoed back.
      return makeError(ErrorCode::kInvalidArgument,
                       fmt::format("{} name may only contain A-Z a-z 0-9 _ . - (got byte 0x{:02x})",
                                   what, static_cast<unsigned char>(c)));
    }
  }
  return okStatus();
}

}  // namespace pharos::bus
