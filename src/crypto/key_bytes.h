#pragma once

#include <cstddef>
#include <span>

#include "core/result.h"

namespace pharos::crypto {

// Every key in this module (the master key and the data keys) is 256 bits.
inline constexpr size_t kKeyBytes = 32;

// A read-only view of a key's bytes, for the functions that encrypt with it.
using KeyView = std::span<const unsigned char, kKeyBytes>;

// Initialises libsodium once per process; kInternal if it cannot (no entropy source). Every
// entry point of this module calls it, so callers need not.
Status initSodium();

// The bytes of one key, in memory libsodium allocates for secrets: guard pages around it,
// locked so it is not swapped out, read-only once filled, and wiped when freed. Move-only, so a
// key exists exactly once in memory.
class KeyBytes {
 public:
  // Fresh random key bytes.
  static Result<KeyBytes> random();
  // A copy of `bytes` (exactly kKeyBytes of them).
  static Result<KeyBytes> copyOf(std::span<const unsigned char> bytes);

  KeyBytes(KeyBytes&& other) noexcept : data_(other.data_) { other.data_ = nullptr; }
  KeyBytes& operator=(KeyBytes&& other) noexcept;
  KeyBytes(const KeyBytes&) = delete;
  KeyBytes& operator=(const KeyBytes&) = delete;
  ~KeyBytes();

  KeyView view() const { return KeyView(data_, kKeyBytes); }

 private:
  explicit KeyBytes(unsigned char* data) : data_(data) {}
  // Fills a new secure allocation by `fill`, then makes it read-only.
  template <typename Fill>
  static Result<KeyBytes> make(Fill fill);

  unsigned char* data_ = nullptr;
};

}  // namespace pharos::crypto
