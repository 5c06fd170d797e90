#include "crypto/hex.h"

#include <sodium.h>

namespace pharos::crypto {

std::string hexEncode(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  out.pop_back();  // the terminating NUL
  return out;
}

Result<std::string> hexDecode(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  size_t written = 0;
  const char* end = nullptr;
  if (hex.size() % 2 != 0 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &written, &end) != 0 ||
      end != hex.data() + hex.size()) {
    return makeError(ErrorCode::kInvalidArgument, "not hexadecimal");
  }
  out.resize(written);
  return out;
}

}  // namespace pharos::crypto
