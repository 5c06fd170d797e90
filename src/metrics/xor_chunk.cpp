#include "metrics/xor_chunk.h"

#include <algorithm>
#include <bit>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/varint.h"

namespace pharos::metrics {
namespace {

constexpr std::string_view kEmptyChunk("\0\0", 2);
constexpr std::size_t kHeaderBytes = 2;

}  // namespace

void XorChunkWriter::append(std::int64_t t, double v) {
  auto bits = std::bit_cast<std::uint64_t>(v);
  if (count_ == 0) {
    bits_.writeBits(0, 16);  // the count, patched below
    writeUvarint(bits_, zigzag(t));
    bits_.writeBits(bits, 64);
    value_.previous = bits;
    minT_ = t;
  } else if (count_ == 1) {
    interval_ = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(t_);
    writeUvarint(bits_, interval_);
    writeXor(bits_, value_, bits);
  } else {
    std::uint64_t interval = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(t_);
    writeDeltaOfDelta(bits_, static_cast<std::int64_t>(interval - interval_));
    interval_ = interval;
    writeXor(bits_, value_, bits);
  }
  t_ = t;
  ++count_;
  bits_.setByte(0, static_cast<std::uint8_t>(count_ >> 8));
  bits_.setByte(1, static_cast<std::uint8_t>(count_));
}

std::string_view XorChunkWriter::bytes() const {
  return count_ == 0 ? kEmptyChunk : bits_.bytes();
}

Result<XorChunkReader> XorChunkReader::open(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes) {
    return makeError(ErrorCode::kDataLoss, "xor chunk: " + std::to_string(bytes.size()) +
                                               " bytes, shorter than its header");
  }
  auto count = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[0]) << 8 |
                                          static_cast<unsigned char>(bytes[1]));
  if (count == 0 && bytes.size() != kHeaderBytes) {
    return makeError(ErrorCode::kDataLoss, "xor chunk: no samples but " +
                                               std::to_string(bytes.size() - kHeaderBytes) +
                                               " bytes of data");
  }
  return XorChunkReader(bytes.substr(kHeaderBytes), count);
}

bool XorChunkReader::fail(std::string message) {
  status_ = makeError(ErrorCode::kDataLoss, "xor chunk: " + message + " at sample " +
                                                std::to_string(read_ + 1) + " of " +
                                                std::to_string(count_));
  read_ = count_;
  return false;
}

bool XorChunkReader::next(Sample& out) {
  if (read_ >= count_) return false;
  std::uint64_t bits = 0;
  if (read_ == 0) {
    std::uint64_t zigzagged = 0;
    if (!bits_.readUvarint(zigzagged)) return fail("bad first timestamp");
    t_ = unzigzag(zigzagged);
    bits = bits_.readBits(64);
    value_.previous = bits;
  } else {
    std::uint64_t interval = 0;
    if (read_ == 1) {
      if (!bits_.readUvarint(interval)) return fail("bad first interval");
    } else {
      interval = interval_ + static_cast<std::uint64_t>(readDeltaOfDelta(bits_));
    }
    if (!readXor(bits_, value_, bits)) return fail("bad value encoding");
    auto t = static_cast<std::int64_t>(static_cast<std::uint64_t>(t_) + interval);
    // The writer's contract is strictly increasing time; anything else is damage.
    if (interval == 0 || t <= t_) return fail("timestamp not after the previous one");
    t_ = t;
    interval_ = interval;
  }
  if (bits_.overrun()) return fail("truncated");
  if (read_ + 1 == count_ && !bits_.atPadding()) return fail("unexpected bytes after");
  ++read_;
  out.t = t_;
  out.v = std::bit_cast<double>(bits);
  return true;
}

Result<std::vector<Sample>> decodeXorChunk(std::string_view bytes) {
  PHAROS_ASSIGN_OR_RETURN(auto reader, XorChunkReader::open(bytes));
  std::vector<Sample> samples;
  // Bounded by the input too, so a damaged count cannot make a large allocation.
  samples.reserve(std::min<std::size_t>(reader.count(), bytes.size() * 4));
  Sample s;
  while (reader.next(s))
    samples.push_back(s);
  PHAROS_TRY(reader.status());
  return samples;
}

Status appendXorChunkRange(std::string_view bytes, std::int64_t minT, std::int64_t maxT,
                           std::vector<Sample>& out) {
  PHAROS_ASSIGN_OR_RETURN(auto reader, XorChunkReader::open(bytes));
  Sample s;
  while (reader.next(s)) {
    if (s.t > maxT) return okStatus();
    if (s.t >= minT) out.push_back(s);
  }
  return reader.status();
}

}  // namespace pharos::metrics
