#include "backup/digest.h"

#include <array>
#include <cstdlib>

namespace pharos::backup {

namespace {
constexpr size_t kDigestBytes = 32;
}

Blake2b::Blake2b() {
  // sodium_init is idempotent and thread-safe; the crypto module calls it too.
  if (sodium_init() < 0) std::abort();
  crypto_generichash_init(&state_, nullptr, 0, kDigestBytes);
}

void Blake2b::update(std::string_view bytes) {
  crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
}

std::string Blake2b::finalHex() {
  std::array<unsigned char, kDigestBytes> digest{};
  crypto_generichash_final(&state_, digest.data(), digest.size());
  std::array<char, kDigestBytes * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data(), kDigestBytes * 2);
}

std::string blake2bHex(std::string_view bytes) {
  Blake2b hash;
  hash.update(bytes);
  return hash.finalHex();
}

}  // namespace pharos::backup
