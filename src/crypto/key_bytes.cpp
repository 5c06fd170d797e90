#include "crypto/key_bytes.h"

#include <sodium.h>

#include <mutex>

namespace pharos::crypto {

Status initSodium() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = sodium_init() >= 0; });
  if (!ok) return makeError(ErrorCode::kInternal, "libsodium failed to initialise");
  return okStatus();
}

template <typename Fill>
Result<KeyBytes> KeyBytes::make(Fill fill) {
  PHAROS_TRY(initSodium());
  auto* data = static_cast<unsigned char*>(sodium_malloc(kKeyBytes));
  if (data == nullptr) {
    return makeError(ErrorCode::kResourceExhausted,
                     "cannot allocate locked memory for a key (sodium_malloc failed)");
  }
  fill(data);
  // Read-only from here on: a stray write into a key is a crash, not a silent corruption.
  sodium_mprotect_readonly(data);
  return KeyBytes(data);
}

Result<KeyBytes> KeyBytes::random() {
  return make([](unsigned char* data) { randombytes_buf(data, kKeyBytes); });
}

Result<KeyBytes> KeyBytes::copyOf(std::span<const unsigned char> bytes) {
  if (bytes.size() != kKeyBytes) {
    return makeError(ErrorCode::kInvalidArgument, "a key must be " + std::to_string(kKeyBytes) +
                                                      " bytes, got " +
                                                      std::to_string(bytes.size()));
  }
  return make([&](unsigned char* data) { std::copy(bytes.begin(), bytes.end(), data); });
}

KeyBytes& KeyBytes::operator=(KeyBytes&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = other.data_;
    other.data_ = nullptr;
  }
  return *this;
}

KeyBytes::~KeyBytes() {
  // sodium_free wipes the bytes (and lifts the read-only protection first).
  if (data_ != nullptr) sodium_free(data_);
}

}  // namespace pharos::crypto
