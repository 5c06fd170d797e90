#include "crypto/aead.h"

#include <sodium.h>

namespace pharos::crypto::aead {
namespace {

static_assert(kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

void sealAppend(KeyView key, std::string_view ad, std::string_view plaintext, std::string& out) {
  size_t start = out.size();
  out.resize(start + kNonceBytes + plaintext.size() + kTagBytes);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + start);
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonceBytes, &written, bytes(plaintext),
                                             plaintext.size(), bytes(ad), ad.size(), nullptr, nonce,
                                             key.data());
}

bool openInto(KeyView key, std::string_view ad, std::string_view sealed, unsigned char* out,
              size_t outSize) {
  if (sealed.size() != kNonceBytes + outSize + kTagBytes) return false;
  const unsigned char* nonce = bytes(sealed);
  unsigned long long written = 0;
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &written, nullptr, nonce + kNonceBytes,
                                                      sealed.size() - kNonceBytes, bytes(ad),
                                                      ad.size(), nonce, key.data());
  return rc == 0 && written == outSize;
}

bool open(KeyView key, std::string_view ad, std::string_view sealed, std::string& out) {
  if (sealed.size() < kNonceBytes + kTagBytes) {
    out.clear();
    return false;
  }
  out.resize(sealed.size() - kNonceBytes - kTagBytes);
  if (!openInto(key, ad, sealed, reinterpret_cast<unsigned char*>(out.data()), out.size())) {
    sodium_memzero(out.data(), out.size());
    out.clear();
    return false;
  }
  return true;
}

}  // namespace pharos::crypto::aead
