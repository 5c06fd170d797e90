#pragma once

#include <bit>
#include <cstdint>

#include "metrics/bit_stream.h"

namespace pharos::metrics {

// The two halves of the Gorilla encoding (Pelkonen et al., VLDB 2015) with Prometheus' bit
// widths (tsdb/chunkenc/xor.go), shared by the sample chunk and the rollup columns.
// Arithmetic is on uint64 so any int64 timestamps, however far apart, round-trip exactly.

// Delta-of-delta of a timestamp: '0' for a repeat of the previous interval (a regular
// scrape), then buckets of 14, 17 and 20 bits, then the full 64.
inline void writeDeltaOfDelta(BitWriter& out, std::int64_t dod) {
  // Prometheus' bitRange: the range of n bits is shifted up by one, [-(2^(n-1)-1), 2^(n-1)].
  auto fits = [dod](int n) {
    std::int64_t half = std::int64_t{1} << (n - 1);
    return dod >= -(half - 1) && dod <= half;
  };
  auto low = [dod](int n) { return static_cast<std::uint64_t>(dod) & ((1ull << n) - 1); };
  if (dod == 0) {
    out.writeBit(false);
  } else if (fits(14)) {
    out.writeBits((0b10ull << 14) | low(14), 2 + 14);
  } else if (fits(17)) {
    out.writeBits((0b110ull << 17) | low(17), 3 + 17);
  } else if (fits(20)) {
    out.writeBits((0b1110ull << 20) | low(20), 4 + 20);
  } else {
    out.writeBits(0b1111, 4);
    out.writeBits(static_cast<std::uint64_t>(dod), 64);
  }
}

// Check in.overrun() after reading.
inline std::int64_t readDeltaOfDelta(BitReader& in) {
  int ones = 0;
  while (ones < 4 && in.readBit())
    ++ones;
  static constexpr int kWidths[] = {0, 14, 17, 20, 64};
  int width = kWidths[ones];
  if (width == 0) return 0;
  std::uint64_t bits = in.readBits(width);
  if (width == 64) return static_cast<std::int64_t>(bits);
  std::int64_t value = static_cast<std::int64_t>(bits);
  if (bits > (1ull << (width - 1))) value -= std::int64_t{1} << width;
  return value;
}

// XOR of a value's bits with the previous one's: '0' for the same bits; '10' and the
// meaningful bits when they fit the previous window of leading/trailing zeros; otherwise '11',
// 5 bits of leading zeros, 6 of length (64 written as 0) and the meaningful bits.
struct XorState {
  std::uint64_t previous = 0;
  std::uint8_t leading = 0xFF;  // 0xFF: no window yet
  std::uint8_t trailing = 0;
};

inline void writeXor(BitWriter& out, XorState& state, std::uint64_t bits) {
  std::uint64_t delta = bits ^ state.previous;
  state.previous = bits;
  if (delta == 0) {
    out.writeBit(false);
    return;
  }
  int leading = std::countl_zero(delta);
  int trailing = std::countr_zero(delta);
  if (leading >= 32) leading = 31;  // the count has 5 bits
  if (state.leading != 0xFF && leading >= state.leading && trailing >= state.trailing) {
    out.writeBits(0b10, 2);
    out.writeBits(delta >> state.trailing, 64 - state.leading - state.trailing);
    return;
  }
  state.leading = static_cast<std::uint8_t>(leading);
  state.trailing = static_cast<std::uint8_t>(trailing);
  int significant = 64 - leading - trailing;
  out.writeBits((0b11ull << 11) | (static_cast<std::uint64_t>(leading) << 6) |
                    (static_cast<std::uint64_t>(significant) & 0x3F),
                2 + 5 + 6);
  out.writeBits(delta >> trailing, significant);
}

// False on an encoding no writer produces (a reused window before any window, or a window
// wider than 64 bits); check in.overrun() as well.
inline bool readXor(BitReader& in, XorState& state, std::uint64_t& bits) {
  if (!in.readBit()) {
    bits = state.previous;
    return true;
  }
  if (in.readBit()) {
    int leading = static_cast<int>(in.readBits(5));
    int significant = static_cast<int>(in.readBits(6));
    if (significant == 0) significant = 64;
    if (leading + significant > 64) return false;
    state.leading = static_cast<std::uint8_t>(leading);
    state.trailing = static_cast<std::uint8_t>(64 - leading - significant);
  } else if (state.leading == 0xFF) {
    return false;
  }
  int significant = 64 - state.leading - state.trailing;
  std::uint64_t delta = in.readBits(significant) << state.trailing;
  state.previous ^= delta;
  bits = state.previous;
  return true;
}

// Signed LEB128 (zigzag) and unsigned varints inside a bit stream, as Prometheus writes the
// first timestamp and the first interval.
inline void writeUvarint(BitWriter& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.writeByte(static_cast<std::uint8_t>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.writeByte(static_cast<std::uint8_t>(v));
}

}  // namespace pharos::metrics
