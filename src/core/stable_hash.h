#pragma once

#include <cstdint>
#include <string_view>

namespace pharos {

// FNV-1a, 64 bits: the same value in every run, build and release, for ids and keys derived
// from text (a check's slot offset, a config silence's id, idempotency and dedup keys). Not
// for hash tables on hot paths: Labels::hash is several times faster.
class StableHash {
 public:
  StableHash& add(std::string_view s) {
    for (unsigned char c : s) {
      h_ ^= c;
      h_ *= 0x100000001b3ull;
    }
    return *this;
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

inline std::uint64_t stableHash(std::string_view s) {
  return StableHash().add(s).value();
}

}  // namespace pharos
