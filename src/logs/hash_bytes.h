#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace pharos::logs {

// A 64-bit hash of bytes, 8 at a time (multiply and fold), for the hash tables of the hot
// paths: the archive's string ids, the template miner's tree, the index's token sets. In
// memory only: never persist it.
inline std::uint64_t hashBytes(std::string_view s) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = s.size() * kMul;
  const char* p = s.data();
  std::size_t n = s.size();
  auto mix = [&](std::uint64_t w) {
    const unsigned __int128 m = static_cast<unsigned __int128>(h ^ w) * kMul;
    h = static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
  };
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    mix(w);
  }
  if (n > 0) {
    // The last 1-7 bytes in at most two fixed-size loads (a memcpy of n bytes is a call).
    std::uint64_t w = 0;
    if (n >= 4) {
      std::uint32_t lo, hi;
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + n - 4, 4);
      w = lo | std::uint64_t{hi} << 32;
    } else {
      for (std::size_t k = 0; k < n; ++k)
        w |= std::uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
    }
    mix(w ^ (std::uint64_t{n} << 56));
  }
  mix(0x2545F4914F6CDD1Dull);
  return h;
}

}  // namespace pharos::logs
