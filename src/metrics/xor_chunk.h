#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/sample.h"
#include "metrics/bit_stream.h"
#include "metrics/xor_encoding.h"

namespace pharos::metrics {

// A chunk of one series' samples in Prometheus' XOR encoding: a 2-byte big-endian sample
// count, then a bit stream of the first timestamp (signed varint), the first value (64 raw
// bits), the first interval (unsigned varint), then per sample a delta-of-delta timestamp
// and an XORed value. A regular 15 s counter costs about 1 bit per timestamp and a dozen or
// so per value. The bytes are Prometheus' chunk layout, so they can be compared (and, one
// day, exchanged) byte for byte.

// Appends samples in time order. One is open per active series, so it is kept small: a
// growing string and a few words of state (88 bytes plus the encoded bytes and at most half
// as much again of spare buffer).
class XorChunkWriter {
 public:
  // The header holds the count in 16 bits.
  static constexpr std::uint32_t kMaxSamples = 0xFFFF;

  // Preconditions: !full(), and t > maxTime() unless the chunk is empty.
  void append(std::int64_t t, double v);

  std::uint32_t count() const { return count_; }
  bool full() const { return count_ >= kMaxSamples; }
  // Precondition: count() > 0.
  std::int64_t minTime() const { return minT_; }
  std::int64_t maxTime() const { return t_; }

  // The whole chunk, decodable by XorChunkReader after any append (a 2-byte empty chunk
  // before the first).
  std::string_view bytes() const;
  // This object plus what it holds on the heap.
  std::size_t memoryBytes() const { return sizeof(*this) + bits_.heapBytes(); }

 private:
  BitWriter bits_;
  std::int64_t minT_ = 0;
  std::int64_t t_ = 0;
  std::uint64_t interval_ = 0;
  XorState value_;
  std::uint32_t count_ = 0;
};

// Decodes a chunk sample by sample. next() returns false at the end or on corrupt input;
// status() then says which. Damaged bytes give kDataLoss, never a read past the input.
class XorChunkReader {
 public:
  // Checks the header only; the samples are checked as they are read.
  static Result<XorChunkReader> open(std::string_view bytes);

  bool next(Sample& out);
  Status status() const { return status_; }
  // The count from the header.
  std::uint32_t count() const { return count_; }

 private:
  XorChunkReader(std::string_view body, std::uint32_t count) : bits_(body), count_(count) {}
  bool fail(std::string message);

  BitReader bits_;
  std::uint32_t count_;
  std::uint32_t read_ = 0;
  std::int64_t t_ = 0;
  std::uint64_t interval_ = 0;
  XorState value_;
  Status status_;
};

// Every sample of a chunk, or kDataLoss.
Result<std::vector<Sample>> decodeXorChunk(std::string_view bytes);

// Appends the chunk's samples with minT <= t <= maxT to `out`; stops reading after maxT.
// On error `out` may hold a prefix of the samples in range.
Status appendXorChunkRange(std::string_view bytes, std::int64_t minT, std::int64_t maxT,
                           std::vector<Sample>& out);

}  // namespace pharos::metrics
