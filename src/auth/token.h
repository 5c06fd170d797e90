#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret.h"

// The API key token and its stored form; internal to the auth module.
namespace pharos::auth::token {

// "phk_<id>_<secret>": the prefix lets secret scanners and humans recognise a Pharos key; the
// id (12 chars of lowercase Crockford base32, 60 bits) is public and names the row; the secret
// is 256 bits from libsodium's CSPRNG as 64 lowercase hex digits.
inline constexpr std::string_view kPrefix = "phk_";
inline constexpr size_t kIdLength = 12;
inline constexpr size_t kSecretBytes = 32;
inline constexpr size_t kTokenLength = kPrefix.size() + kIdLength + 1 + 2 * kSecretBytes;
inline constexpr size_t kSaltBytes = 16;
inline constexpr size_t kHashBytes = 32;

struct Generated {
  std::string id;
  Secret token;
};
// Precondition: crypto::initSodium() succeeded.
Generated generate();

// The id of a well-formed token; nullopt for anything else.
std::optional<std::string_view> idOf(std::string_view token);

// A fresh random salt of kSaltBytes.
std::string newSalt();

// BLAKE2b-256 of the whole token (so the hash also binds the id), keyed with the per-key salt.
// A fast hash is right here, unlike for passwords: the secret has 256 bits of entropy, so
// there is nothing to gain from a slow KDF (crypto_pwhash) except a slower request path.
std::string hash(std::string_view token, std::string_view salt);

// Constant-time comparison of two hashes (sodium_memcmp); the length is not secret.
bool sameHash(std::string_view a, std::string_view b);

}  // namespace pharos::auth::token
