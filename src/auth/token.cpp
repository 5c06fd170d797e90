#include "auth/token.h"

#include <sodium.h>

namespace pharos::auth::token {
namespace {

constexpr char kIdAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford, lowercase
static_assert(sizeof kIdAlphabet - 1 == 32);

bool isIdChar(char c) {
  for (size_t i = 0; i < 32; ++i) {
    if (kIdAlphabet[i] == c) return true;
  }
  return false;
}

bool isLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

Generated generate() {
  Generated g;
  g.id.resize(kIdLength);
  for (char& c : g.id)
    c = kIdAlphabet[randombytes_uniform(32)];
  unsigned char secret[kSecretBytes];
  randombytes_buf(secret, sizeof secret);
  char hex[2 * kSecretBytes + 1];
  sodium_bin2hex(hex, sizeof hex, secret, sizeof secret);
  sodium_memzero(secret, sizeof secret);
  std::string text;
  text.reserve(kTokenLength);
  text.append(kPrefix).append(g.id).append("_").append(hex, 2 * kSecretBytes);
  sodium_memzero(hex, sizeof hex);
  g.token = Secret(std::move(text));
  return g;
}

std::optional<std::string_view> idOf(std::string_view token) {
  if (token.size() != kTokenLength || token.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  std::string_view id = token.substr(kPrefix.size(), kIdLength);
  for (char c : id) {
    if (!isIdChar(c)) return std::nullopt;
  }
  if (token[kPrefix.size() + kIdLength] != '_') return std::nullopt;
  for (char c : token.substr(kPrefix.size() + kIdLength + 1)) {
    if (!isLowerHex(c)) return std::nullopt;
  }
  return id;
}

std::string newSalt() {
  std::string salt(kSaltBytes, '\0');
  randombytes_buf(salt.data(), salt.size());
  return salt;
}

std::string hash(std::string_view token, std::string_view salt) {
  static_assert(kSaltBytes >= crypto_generichash_KEYBYTES_MIN);
  static_assert(kHashBytes >= crypto_generichash_BYTES_MIN);
  std::string out(kHashBytes, '\0');
  int rc = crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                              reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                              reinterpret_cast<const unsigned char*>(salt.data()), salt.size());
  // Only a salt of an impossible size fails; an empty hash then matches nothing.
  if (rc != 0) return {};
  return out;
}

bool sameHash(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace pharos::auth::token
