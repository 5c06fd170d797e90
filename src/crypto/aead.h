#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/key_bytes.h"

// One-shot authenticated encryption, the primitive under envelopes and wrapped data keys;
// internal to the crypto module.
namespace pharos::crypto::aead {

// XChaCha20-Poly1305-IETF: a 192-bit nonce is large enough to be drawn at random for every
// message with no risk of reuse, so no nonce state has to be kept anywhere.
inline constexpr size_t kNonceBytes = 24;
inline constexpr size_t kTagBytes = 16;

// Appends nonce || ciphertext || tag for `plaintext` to `out`, with `ad` authenticated but not
// stored: the opener must present the same `ad`.
void sealAppend(KeyView key, std::string_view ad, std::string_view plaintext, std::string& out);

// Decrypts nonce || ciphertext || tag into `out` (resized to the plaintext's size). False if
// the input is too short or does not authenticate with this key and `ad`; `out` is then wiped
// and empty.
bool open(KeyView key, std::string_view ad, std::string_view sealed, std::string& out);

// Decrypts into exactly `outSize` bytes at `out` (a caller's secure buffer), for data keys.
bool openInto(KeyView key, std::string_view ad, std::string_view sealed, unsigned char* out,
              size_t outSize);

}  // namespace pharos::crypto::aead
