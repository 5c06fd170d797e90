#include "core/crc32c.h"

#include <array>
#include <bit>
#include <cstddef>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace pharos {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78;  // Castagnoli, reflected

// Slicing-by-8: eight bytes per step through eight 256-entry tables.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables makeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c >> 1) ^ (kPolynomial & (0u - (c & 1u)));
    t[0][i] = c;
  }
  for (size_t s = 1; s < 8; ++s) {
    for (size_t i = 0; i < 256; ++i)
      t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
  return t;
}

constexpr Tables kTables = makeTables();

uint32_t portable(const unsigned char* p, size_t n, uint32_t crc) {
  uint32_t c = ~crc;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    v ^= c;
    c = kTables[7][v & 0xff] ^ kTables[6][(v >> 8) & 0xff] ^ kTables[5][(v >> 16) & 0xff] ^
        kTables[4][(v >> 24) & 0xff] ^ kTables[3][(v >> 32) & 0xff] ^ kTables[2][(v >> 40) & 0xff] ^
        kTables[1][(v >> 48) & 0xff] ^ kTables[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0)
    c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xff];
  return ~c;
}

#if defined(__x86_64__)
// The crc32 instruction takes three cycles and can start one each cycle: one chain of them
// keeps the unit a third busy. So three adjacent stretches are run as three chains, the
// second and third from zero, and joined by shifting the registers before them over their
// lengths: the register after A and B is shift_|B|(register after A) ^ (B's, from zero), the
// CRC being linear in its register.

// The register after `length` zero bytes from any register, as four tables of 256 (one per
// byte of the register): a linear map, so built from the 32 single-bit registers.
struct ZeroShift {
  std::array<std::array<uint32_t, 256>, 4> table{};

  __attribute__((target("sse4.2"))) explicit ZeroShift(size_t length) {
    std::array<uint32_t, 32> column{};
    for (size_t bit = 0; bit < 32; ++bit) {
      uint64_t c = uint64_t{1} << bit;
      for (size_t i = 0; i < length; i += 8)
        c = _mm_crc32_u64(c, 0);
      column[bit] = static_cast<uint32_t>(c);
    }
    for (size_t k = 0; k < 4; ++k) {
      for (size_t b = 0; b < 256; ++b) {
        uint32_t v = 0;
        for (size_t j = 0; j < 8; ++j) {
          if ((b >> j) & 1u) v ^= column[8 * k + j];
        }
        table[k][b] = v;
      }
    }
  }

  uint64_t operator()(uint64_t c) const {
    return table[0][c & 0xff] ^ table[1][(c >> 8) & 0xff] ^ table[2][(c >> 16) & 0xff] ^
           table[3][(c >> 24) & 0xff];
  }
};

// Three stretches of `kLength` bytes at a time; the caller has them.
template <size_t kLength>
__attribute__((target("sse4.2"))) uint64_t threeChains(const unsigned char*& p, size_t& n,
                                                       uint64_t c) {
  static const ZeroShift shift(kLength);
  while (n >= 3 * kLength) {
    uint64_t c0 = c, c1 = 0, c2 = 0;
    for (size_t i = 0; i < kLength; i += 8) {
      uint64_t v0, v1, v2;
      std::memcpy(&v0, p + i, 8);
      std::memcpy(&v1, p + kLength + i, 8);
      std::memcpy(&v2, p + 2 * kLength + i, 8);
      c0 = _mm_crc32_u64(c0, v0);
      c1 = _mm_crc32_u64(c1, v1);
      c2 = _mm_crc32_u64(c2, v2);
    }
    c = shift(shift(c0) ^ c1) ^ c2;
    p += 3 * kLength;
    n -= 3 * kLength;
  }
  return c;
}

__attribute__((target("sse4.2"))) uint32_t hardware(const unsigned char* p, size_t n,
                                                    uint32_t crc) {
  uint64_t c = ~crc;
  c = threeChains<8192>(p, n, c);
  c = threeChains<256>(p, n, c);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n-- > 0)
    c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool detectHardware() {
  return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t hardware(const unsigned char* p, size_t n, uint32_t crc) {
  return portable(p, n, crc);
}
bool detectHardware() {
  return false;
}
#endif

const bool kHasHardware = detectHardware();

}  // namespace

uint32_t crc32c(std::string_view data, uint32_t crc) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  return kHasHardware ? hardware(p, data.size(), crc) : portable(p, data.size(), crc);
}

uint32_t crc32cPortable(std::string_view data, uint32_t crc) {
  return portable(reinterpret_cast<const unsigned char*>(data.data()), data.size(), crc);
}

bool crc32cUsesHardware() {
  return kHasHardware;
}

}  // namespace pharos
