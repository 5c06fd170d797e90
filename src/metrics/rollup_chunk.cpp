#include "metrics/rollup_chunk.h"

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/varint.h"
#include "metrics/bit_stream.h"
#include "metrics/xor_encoding.h"

namespace pharos::metrics {
namespace {

constexpr std::uint8_t kVersion = 1;
// The fewest bytes a point can take (a count, a sketch length and a 3-byte empty sketch), so
// a damaged point count cannot ask for more memory than the input could describe.
constexpr std::size_t kMinBytesPerPoint = 5;

using DoubleField = double RollupPoint::*;
constexpr std::array<DoubleField, 5> kDoubleColumns = {&RollupPoint::sum, &RollupPoint::min,
                                                       &RollupPoint::max, &RollupPoint::last,
                                                       &RollupPoint::increase};

void appendSection(std::string& out, std::string_view section) {
  putVarint(out, section.size());
  out.append(section);
}

std::string encodeTimestamps(std::span<const RollupPoint> points) {
  BitWriter bits;
  std::uint64_t previousInterval = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    auto t = static_cast<std::uint64_t>(points[i].t);
    if (i == 0) {
      writeUvarint(bits, zigzag(points[i].t));
      continue;
    }
    std::uint64_t interval = t - static_cast<std::uint64_t>(points[i - 1].t);
    if (i == 1) {
      writeUvarint(bits, interval);
    } else {
      writeDeltaOfDelta(bits, static_cast<std::int64_t>(interval - previousInterval));
    }
    previousInterval = interval;
  }
  return std::string(bits.bytes());
}

std::string encodeDoubles(std::span<const RollupPoint> points, DoubleField field) {
  BitWriter bits;
  XorState state;
  for (std::size_t i = 0; i < points.size(); ++i) {
    auto v = std::bit_cast<std::uint64_t>(points[i].*field);
    if (i == 0) {
      bits.writeBits(v, 64);
      state.previous = v;
    } else {
      writeXor(bits, state, v);
    }
  }
  return std::string(bits.bytes());
}

Error malformed(std::string what) {
  return makeError(ErrorCode::kDataLoss, "rollup chunk: " + what);
}

bool takeSection(std::string_view& in, std::string_view& section) {
  std::uint64_t length = 0;
  if (!getVarint(in, length) || length > in.size()) return false;
  section = in.substr(0, static_cast<std::size_t>(length));
  in.remove_prefix(static_cast<std::size_t>(length));
  return true;
}

Status decodeTimestamps(std::string_view section, std::vector<RollupPoint>& points) {
  BitReader bits(section);
  std::uint64_t previous = 0;
  std::uint64_t interval = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    std::uint64_t value = 0;
    if (i == 0) {
      if (!bits.readUvarint(value)) return malformed("bad first timestamp");
      previous = static_cast<std::uint64_t>(unzigzag(value));
    } else {
      if (i == 1) {
        if (!bits.readUvarint(interval)) return malformed("bad first interval");
      } else {
        interval += static_cast<std::uint64_t>(readDeltaOfDelta(bits));
      }
      previous += interval;
    }
    points[i].t = static_cast<std::int64_t>(previous);
  }
  if (bits.overrun()) return malformed("timestamp column truncated");
  if (!bits.atPadding()) return malformed("unexpected bytes after the timestamps");
  return okStatus();
}

Status decodeDoubles(std::string_view section, DoubleField field,
                     std::vector<RollupPoint>& points) {
  BitReader bits(section);
  XorState state;
  for (std::size_t i = 0; i < points.size(); ++i) {
    std::uint64_t v = 0;
    if (i == 0) {
      v = bits.readBits(64);
      state.previous = v;
    } else if (!readXor(bits, state, v)) {
      return malformed("bad value encoding");
    }
    points[i].*field = std::bit_cast<double>(v);
  }
  if (bits.overrun()) return malformed("value column truncated");
  if (!bits.atPadding()) return malformed("unexpected bytes after a value column");
  return okStatus();
}

}  // namespace

std::string encodeRollups(std::span<const RollupPoint> points) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  putVarint(out, points.size());
  appendSection(out, encodeTimestamps(points));
  std::string counts;
  for (const auto& p : points)
    putVarint(counts, p.count);
  appendSection(out, counts);
  for (DoubleField field : kDoubleColumns)
    appendSection(out, encodeDoubles(points, field));
  std::string sketches;
  for (const auto& p : points)
    appendSection(sketches, p.sketch.serialize());
  appendSection(out, sketches);
  return out;
}

Result<std::vector<RollupPoint>> decodeRollups(std::string_view bytes, bool sketches) {
  std::string_view in = bytes;
  if (in.empty()) return malformed("empty");
  if (static_cast<std::uint8_t>(in[0]) != kVersion) {
    return malformed("unknown version " + std::to_string(static_cast<std::uint8_t>(in[0])));
  }
  in.remove_prefix(1);
  std::uint64_t n = 0;
  if (!getVarint(in, n)) return malformed("bad point count");
  if (n > in.size() / kMinBytesPerPoint) {
    return malformed(std::to_string(n) + " points cannot fit in " + std::to_string(in.size()) +
                     " bytes");
  }
  std::vector<RollupPoint> points(static_cast<std::size_t>(n));

  std::string_view section;
  if (!takeSection(in, section)) return malformed("timestamp column truncated");
  PHAROS_TRY(decodeTimestamps(section, points));

  if (!takeSection(in, section)) return malformed("count column truncated");
  for (auto& p : points) {
    if (!getVarint(section, p.count)) return malformed("bad count");
  }
  if (!section.empty()) return malformed("unexpected bytes after the counts");

  for (DoubleField field : kDoubleColumns) {
    if (!takeSection(in, section)) return malformed("value column truncated");
    PHAROS_TRY(decodeDoubles(section, field, points));
  }

  if (!takeSection(in, section)) return malformed("sketch column truncated");
  for (auto& p : points) {
    std::string_view sketch;
    if (!takeSection(section, sketch)) return malformed("sketch truncated");
    if (!sketches) continue;
    auto decoded = QuantileSketch::deserialize(sketch);
    if (!decoded.ok()) return malformed("bad sketch: " + decoded.error().message);
    p.sketch = std::move(decoded).value();
  }
  if (!section.empty()) return malformed("unexpected bytes after the sketches");
  if (!in.empty()) return malformed("unexpected bytes after the last column");
  return points;
}

}  // namespace pharos::metrics
