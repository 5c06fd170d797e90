#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace pharos::metrics {

// Bits written most significant first into a growing byte string: the layout of Prometheus'
// bstream, so a chunk's bytes read the same whichever side wrote them. Each write is one
// 64-bit big-endian load, OR and store at the current byte: the string always keeps at least
// 8 zero bytes beyond the last written bit, so no write needs a bounds check per byte.
class BitWriter {
 public:
  // Appends the low `n` bits of `value` (0 <= n <= 64); the bits above `n` must be zero.
  void writeBits(std::uint64_t value, int n) {
    if (n > 56) {
      writeBitsUpTo56(value >> 32, n - 32);
      writeBitsUpTo56(value & 0xFFFFFFFFu, 32);
    } else {
      writeBitsUpTo56(value, n);
    }
  }
  void writeBit(bool bit) { writeBitsUpTo56(bit ? 1 : 0, 1); }
  void writeByte(std::uint8_t byte) { writeBitsUpTo56(byte, 8); }

  // Rewrites a byte already written (a header patched after each append).
  // Precondition: index < bytes().size().
  void setByte(std::size_t index, std::uint8_t byte) { buf_[index] = static_cast<char>(byte); }

  // Every bit written so far; the unused low bits of the last byte are zero.
  std::string_view bytes() const {
    return {buf_.data(), static_cast<std::size_t>((bits_ + 7) / 8)};
  }
  std::uint64_t bitCount() const { return bits_; }
  // What the buffer holds on the heap (0 while it fits the string's inline storage).
  std::size_t heapBytes() const {
    return buf_.capacity() > std::string().capacity() ? buf_.capacity() + 1 : 0;
  }

 private:
  static constexpr std::size_t kSlack = 8;

  void writeBitsUpTo56(std::uint64_t value, int n) {
    if (n == 0) return;
    std::size_t byte = static_cast<std::size_t>(bits_ >> 3);
    if (byte + kSlack > buf_.size()) grow(byte + kSlack);
    int shift = static_cast<int>(bits_ & 7);
    std::uint64_t word;
    std::memcpy(&word, buf_.data() + byte, 8);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    word |= (value << (64 - n)) >> shift;
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    std::memcpy(buf_.data() + byte, &word, 8);
    bits_ += static_cast<std::uint64_t>(n);
  }

  // Grows by half, not double: an open chunk per active series lives in memory, and the
  // smaller step wastes at most a third of the buffer. (std::string's own growth doubles,
  // so the new buffer is reserved fresh, at exactly the size wanted.)
  void grow(std::size_t needed) {
    std::size_t size = std::max({needed, buf_.size() + buf_.size() / 2, std::size_t{32}});
    std::string bigger;
    bigger.reserve(size);
    bigger.assign(buf_);
    bigger.resize(size, '\0');
    buf_.swap(bigger);
  }

  std::string buf_;
  std::uint64_t bits_ = 0;
};

// Reads what BitWriter wrote. A read past the end returns zero bits and sets a sticky
// `overrun()` flag instead of touching memory beyond the input; decoders check the flag
// once per record rather than per read.
class BitReader {
 public:
  explicit BitReader(std::string_view bytes)
      : data_(reinterpret_cast<const unsigned char*>(bytes.data())),
        size_(bytes.size()),
        totalBits_(static_cast<std::uint64_t>(bytes.size()) * 8) {}

  // Reads `n` bits (0 <= n <= 64), most significant first.
  std::uint64_t readBits(int n) {
    if (n > 56) {
      std::uint64_t high = readBitsUpTo56(n - 32);
      return (high << 32) | readBitsUpTo56(32);
    }
    return readBitsUpTo56(n);
  }
  bool readBit() { return readBitsUpTo56(1) != 0; }
  std::uint8_t readByte() { return static_cast<std::uint8_t>(readBitsUpTo56(8)); }

  // A LEB128 varint read byte by byte from the bit stream (not necessarily byte aligned);
  // false when it is truncated or longer than 10 bytes.
  bool readUvarint(std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      std::uint8_t byte = readByte();
      if (overrun_) return false;
      if (shift == 63 && byte > 1) return false;  // would overflow 64 bits
      out |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  bool overrun() const { return overrun_; }
  std::uint64_t bitsLeft() const { return totalBits_ - pos_; }
  // True when what is left is fewer than 8 bits, all zero: the padding BitWriter leaves.
  bool atPadding() const {
    std::uint64_t left = bitsLeft();
    if (left >= 8) return false;
    if (left == 0) return true;
    return (data_[size_ - 1] & ((1u << left) - 1)) == 0;
  }

 private:
  std::uint64_t readBitsUpTo56(int n) {
    if (n == 0) return 0;
    if (static_cast<std::uint64_t>(n) > totalBits_ - pos_) {
      overrun_ = true;
      pos_ = totalBits_;
      return 0;
    }
    std::size_t byte = static_cast<std::size_t>(pos_ >> 3);
    std::uint64_t word = 0;
    if (byte + 8 <= size_) {
      std::memcpy(&word, data_ + byte, 8);
      if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    } else {
      for (std::size_t i = byte; i < size_; ++i)
        word |= static_cast<std::uint64_t>(data_[i]) << (56 - 8 * (i - byte));
    }
    int shift = static_cast<int>(pos_ & 7);
    pos_ += static_cast<std::uint64_t>(n);
    return (word << shift) >> (64 - n);
  }

  const unsigned char* data_;
  std::size_t size_;
  std::uint64_t totalBits_;
  std::uint64_t pos_ = 0;
  bool overrun_ = false;
};

}  // namespace pharos::metrics
