// Chunks read back from disk may be damaged: decoding arbitrary bytes must give samples or an
// error, never a crash, an over-read or a huge allocation. The same input, read as samples,
// must round-trip through both encodings bit for bit (NaN payloads included).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/rollup_chunk.h"
#include "metrics/xor_chunk.h"

namespace {

using pharos::Sample;
using pharos::metrics::RollupPoint;

void check(bool ok) {
  if (!ok) std::abort();
}

bool sameBits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

bool sameSamples(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].t != b[i].t || !sameBits(a[i].v, b[i].v)) return false;
  }
  return true;
}

bool samePoints(const std::vector<RollupPoint>& a, const std::vector<RollupPoint>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    if (x.t != y.t || x.count != y.count || !sameBits(x.sum, y.sum) || !sameBits(x.min, y.min) ||
        !sameBits(x.max, y.max) || !sameBits(x.last, y.last) || !sameBits(x.increase, y.increase) ||
        !(x.sketch == y.sketch)) {
      return false;
    }
  }
  return true;
}

void decodeArbitraryBytes(std::string_view bytes) {
  auto samples = pharos::metrics::decodeXorChunk(bytes);
  if (samples.ok()) {
    for (std::size_t i = 1; i < samples->size(); ++i)
      check((*samples)[i - 1].t < (*samples)[i].t);
    std::vector<Sample> all;
    check(pharos::metrics::appendXorChunkRange(bytes, std::numeric_limits<std::int64_t>::min(),
                                               std::numeric_limits<std::int64_t>::max(), all)
              .ok());
    check(sameSamples(all, *samples));
  }
  auto points = pharos::metrics::decodeRollups(bytes);
  if (points.ok()) {
    auto again = pharos::metrics::decodeRollups(pharos::metrics::encodeRollups(*points));
    check(again.ok() && samePoints(*again, *points));
  }
}

// Ten bytes a sample: a byte choosing the interval's shape (regular, jittered, small or
// huge), a byte of interval, eight of value bits (or a small counter increment).
std::vector<Sample> samplesFrom(const std::uint8_t* data, std::size_t size) {
  std::vector<Sample> out;
  if (size < 8) return out;
  std::uint64_t t0 = 0;
  std::memcpy(&t0, data, 8);
  auto t = static_cast<std::int64_t>(t0);
  double v = 0;
  for (std::size_t i = 8; i + 10 <= size; i += 10) {
    if (out.size() >= pharos::metrics::XorChunkWriter::kMaxSamples) break;
    std::uint8_t mode = data[i];
    std::uint8_t small = data[i + 1];
    std::uint64_t bits = 0;
    std::memcpy(&bits, data + i + 2, 8);
    if (!out.empty()) {
      std::uint64_t interval = 0;
      switch (mode & 3) {
        case 0:
          interval = 15000;
          break;
        case 1:
          interval = static_cast<std::uint64_t>(15000 + static_cast<std::int8_t>(small));
          break;
        case 2:
          interval = 1 + small;
          break;
        default:
          interval = 1 + (bits >> (small % 64));
          break;
      }
      auto next = static_cast<std::int64_t>(static_cast<std::uint64_t>(t) + interval);
      if (next <= t) break;  // would pass INT64_MAX
      t = next;
    }
    if (mode & 0x10) {
      // repeat the previous value
    } else if (mode & 0x20) {
      v += small;
    } else {
      v = std::bit_cast<double>(bits);
    }
    out.push_back({t, v});
  }
  return out;
}

void roundTrip(const std::vector<Sample>& samples) {
  pharos::metrics::XorChunkWriter writer;
  for (const auto& s : samples)
    writer.append(s.t, s.v);
  check(writer.count() == samples.size());
  auto decoded = pharos::metrics::decodeXorChunk(writer.bytes());
  check(decoded.ok() && sameSamples(*decoded, samples));

  std::vector<RollupPoint> points;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    RollupPoint p;
    p.t = samples[i].t;
    p.count = std::bit_cast<std::uint64_t>(samples[i].v);
    p.sum = samples[i].v;
    p.min = i > 0 ? samples[i - 1].v : 0;
    p.max = -samples[i].v;
    p.last = samples[i].v * 0.5;
    p.increase = static_cast<double>(i);
    p.sketch.add(samples[i].v, 1 + i % 3);
    points.push_back(std::move(p));
  }
  auto rollups = pharos::metrics::decodeRollups(pharos::metrics::encodeRollups(points));
  check(rollups.ok() && samePoints(*rollups, points));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  decodeArbitraryBytes(std::string_view(reinterpret_cast<const char*>(data), size));
  roundTrip(samplesFrom(data, size));
  return 0;
}
