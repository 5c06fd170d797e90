#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace pharos::crypto {

// Lowercase hexadecimal, for bytes that travel in text (a wrapped key in a JSON manifest).
std::string hexEncode(std::string_view bytes);
// kInvalidArgument for an odd length or a character that is not a hex digit.
Result<std::string> hexDecode(std::string_view hex);

}  // namespace pharos::crypto
