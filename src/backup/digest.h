#pragma once

#include <sodium.h>

#include <string>
#include <string_view>

namespace pharos::backup {

// BLAKE2b-256, incrementally, as 64 lowercase hex digits. The one checksum of the module: for
// files (so a restore proves it wrote what was taken) and for parts (so a damaged part is
// named before any of it is decrypted).
class Blake2b {
 public:
  Blake2b();
  void update(std::string_view bytes);
  // The digest of everything updated so far; the object is spent afterwards.
  std::string finalHex();

 private:
  crypto_generichash_state state_;
};

std::string blake2bHex(std::string_view bytes);

}  // namespace pharos::backup
