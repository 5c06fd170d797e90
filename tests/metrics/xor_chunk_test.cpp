#include "metrics/xor_chunk.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/varint.h"
#include "metrics/bit_stream.h"
#include "metrics/xor_encoding.h"

namespace pharos::metrics {
namespace {

constexpr std::int64_t kStart = 1700000000000;  // ms

std::string encode(const std::vector<Sample>& samples) {
  XorChunkWriter w;
  for (const auto& s : samples)
    w.append(s.t, s.v);
  return std::string(w.bytes());
}

// Values compared by their bits, so NaN payloads and -0.0 count.
void expectSameSamples(const std::vector<Sample>& got, const std::vector<Sample>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].t, want[i].t) << "sample " << i;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(got[i].v), std::bit_cast<std::uint64_t>(want[i].v))
        << "sample " << i << ": " << got[i].v << " vs " << want[i].v;
  }
}

void expectRoundTrip(const std::vector<Sample>& samples) {
  auto decoded = decodeXorChunk(encode(samples));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  expectSameSamples(*decoded, samples);
}

std::size_t varintBytes(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

TEST(XorChunkTest, EmptyChunkDecodesToNothing) {
  XorChunkWriter w;
  EXPECT_EQ(w.count(), 0u);
  EXPECT_EQ(w.bytes(), std::string_view("\0\0", 2));
  auto decoded = decodeXorChunk(w.bytes());
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
}

TEST(XorChunkTest, RoundTripsRegularSeries) {
  std::vector<Sample> samples;
  for (int i = 0; i < 120; ++i)
    samples.push_back({kStart + i * 15000, 42.0 + i});
  expectRoundTrip(samples);
}

TEST(XorChunkTest, RoundTripsJitteredCounter) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> jitter(-5, 5);
  std::vector<Sample> samples;
  double counter = 0;
  for (int i = 0; i < 480; ++i) {
    counter += std::round(static_cast<double>(rng() % 10000)) / 100;
    samples.push_back({kStart + i * 15000 + jitter(rng), counter});
  }
  expectRoundTrip(samples);
}

TEST(XorChunkTest, RoundTripsConstantAndRandomValues) {
  std::mt19937_64 rng(2);
  std::vector<Sample> constant, random;
  for (int i = 0; i < 300; ++i) {
    constant.push_back({kStart + i * 1000, 1.0});
    random.push_back({kStart + i * 1000 + static_cast<std::int64_t>(rng() % 1000),
                      std::bit_cast<double>(rng())});
  }
  expectRoundTrip(constant);
  expectRoundTrip(random);
}

TEST(XorChunkTest, KeepsNanPayloadsInfinitiesAndNegativeZero) {
  const double inf = std::numeric_limits<double>::infinity();
  // Prometheus' stale marker is a NaN with a particular payload; it must survive.
  const double staleMarker = std::bit_cast<double>(std::uint64_t{0x7ff0000000000002});
  const double otherNan = std::bit_cast<double>(std::uint64_t{0xfff8000000000abc});
  std::vector<Sample> samples;
  std::vector<double> values = {1.5,
                                staleMarker,
                                otherNan,
                                inf,
                                -inf,
                                -0.0,
                                0.0,
                                std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::max()};
  for (std::size_t i = 0; i < values.size(); ++i)
    samples.push_back({kStart + static_cast<std::int64_t>(i) * 15000, values[i]});
  expectRoundTrip(samples);
}

TEST(XorChunkTest, RoundTripsNegativeTimestampsAndHugeDeltas) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  expectRoundTrip({{-100000, 1}, {-85000, 2}, {-70000, 3}, {-1, 4}, {0, 5}, {1, 6}});
  // The interval from INT64_MIN to INT64_MAX does not fit int64; it must still round-trip.
  expectRoundTrip({{kMin, 1}, {kMax, 2}});
  expectRoundTrip({{kMin, 1}, {kMin + 1, 2}, {kMax - 1, 3}, {kMax, 4}});
  expectRoundTrip({{kMin, 1}, {0, 2}, {1, 3}, {kMax, 4}});
  expectRoundTrip({{0, 1}, {1, 2}, {1 + (std::int64_t{1} << 40), 3}, {kMax, 4}});
}

TEST(XorChunkTest, RegularSeriesCostsOneBitPerTimestampAfterTheSecond) {
  // A constant value costs one bit per sample too, so after the second sample each sample
  // adds exactly two bits.
  XorChunkWriter w;
  constexpr int kSamples = 2 + 8 * 100;
  for (int i = 0; i < kSamples; ++i)
    w.append(kStart + i * 15000, 7.0);
  std::size_t bits =
      16 + 8 * varintBytes(zigzag(kStart)) + 64 + 8 * varintBytes(15000) + 1 + 2 * (kSamples - 2);
  EXPECT_EQ(w.bytes().size(), (bits + 7) / 8);
}

TEST(XorChunkTest, DeltaOfDeltaUsesPrometheusBucketWidths) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  struct Case {
    std::int64_t dod;
    std::uint64_t bits;
  };
  const Case cases[] = {{0, 1},
                        {1, 16},
                        {-1, 16},
                        {8192, 16},
                        {-8191, 16},
                        {-8192, 20},
                        {8193, 20},
                        {65536, 20},
                        {-65535, 20},
                        {65537, 24},
                        {-65536, 24},
                        {524288, 24},
                        {-524287, 24},
                        {524289, 68},
                        {-524288, 68},
                        {kMin, 68},
                        {std::numeric_limits<std::int64_t>::max(), 68}};
  for (const auto& c : cases) {
    BitWriter w;
    writeDeltaOfDelta(w, c.dod);
    EXPECT_EQ(w.bitCount(), c.bits) << "dod " << c.dod;
    BitReader r(w.bytes());
    EXPECT_EQ(readDeltaOfDelta(r), c.dod);
    EXPECT_FALSE(r.overrun());
  }
}

TEST(XorChunkTest, XorValuesReuseTheWindow) {
  BitWriter w;
  XorState state;
  state.previous = std::bit_cast<std::uint64_t>(1.0);
  writeXor(w, state, std::bit_cast<std::uint64_t>(1.0));
  EXPECT_EQ(w.bitCount(), 1u);
  // 1.0 ^ 3.0 differs in one exponent bit and the top mantissa bit.
  std::uint64_t delta = std::bit_cast<std::uint64_t>(1.0) ^ std::bit_cast<std::uint64_t>(3.0);
  int significant = 64 - std::countl_zero(delta) - std::countr_zero(delta);
  writeXor(w, state, std::bit_cast<std::uint64_t>(3.0));
  EXPECT_EQ(w.bitCount(), 1u + 2 + 5 + 6 + static_cast<std::uint64_t>(significant));
  // Back to 1.0: the same XOR, so the window is reused.
  std::uint64_t before = w.bitCount();
  writeXor(w, state, std::bit_cast<std::uint64_t>(1.0));
  EXPECT_EQ(w.bitCount() - before, 2u + static_cast<std::uint64_t>(significant));
}

TEST(XorChunkTest, BytesAreAValidChunkAfterEveryAppend) {
  std::mt19937_64 rng(3);
  XorChunkWriter w;
  std::vector<Sample> samples;
  std::int64_t t = -5000;
  for (int i = 0; i < 200; ++i) {
    t += 1 + static_cast<std::int64_t>(rng() % (i % 7 == 0 ? 1000000 : 30));
    double v = (i % 3 == 0) ? std::bit_cast<double>(rng()) : static_cast<double>(i / 10);
    w.append(t, v);
    samples.push_back({t, v});
    ASSERT_EQ(w.count(), samples.size());
    EXPECT_EQ(w.minTime(), samples.front().t);
    EXPECT_EQ(w.maxTime(), t);
    auto decoded = decodeXorChunk(w.bytes());
    ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
    expectSameSamples(*decoded, samples);
  }
}

TEST(XorChunkTest, ReaderStreamsAndReportsCleanEnd) {
  std::vector<Sample> samples = {{1000, 1}, {2000, 2}, {3000, 3}};
  std::string bytes = encode(samples);
  auto reader = XorChunkReader::open(bytes);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->count(), 3u);
  std::vector<Sample> got;
  Sample s;
  while (reader->next(s))
    got.push_back(s);
  EXPECT_TRUE(reader->status().ok());
  EXPECT_FALSE(reader->next(s));
  expectSameSamples(got, samples);
}

TEST(XorChunkTest, RangeDecodeKeepsOnlyTheWindow) {
  std::vector<Sample> samples;
  for (int i = 0; i < 100; ++i)
    samples.push_back({i * 10, static_cast<double>(i)});
  std::string bytes = encode(samples);
  std::vector<Sample> out = {{-1, -1}};  // appended to, not replaced
  ASSERT_TRUE(appendXorChunkRange(bytes, 205, 400, out).ok());
  ASSERT_EQ(out.size(), 1u + 20);  // 210 .. 400
  EXPECT_EQ(out[1].t, 210);
  EXPECT_EQ(out.back().t, 400);
  out.clear();
  ASSERT_TRUE(appendXorChunkRange(bytes, 5000, 6000, out).ok());
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(appendXorChunkRange(bytes, -10, 0, out).ok());
  ASSERT_EQ(out.size(), 1u);
}

TEST(XorChunkTest, EveryTruncationIsAnError) {
  std::mt19937_64 rng(4);
  std::vector<Sample> samples;
  for (int i = 0; i < 60; ++i)
    samples.push_back({kStart + i * 15000 + static_cast<std::int64_t>(rng() % 7),
                       static_cast<double>(rng() % 1000) / 10});
  std::string bytes = encode(samples);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = decodeXorChunk(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(decoded.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(decoded.error().code, ErrorCode::kDataLoss);
  }
}

TEST(XorChunkTest, DamagedHeadersAndTrailingBytesAreErrors) {
  std::string bytes = encode({{1000, 1}, {2000, 2}, {3000, 3}});
  std::string more = bytes;
  more[1] = 4;  // claims a fourth sample
  EXPECT_FALSE(decodeXorChunk(more).ok());
  std::string trailing = bytes + "x";
  auto decoded = decodeXorChunk(trailing);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("after"), std::string::npos) << decoded.error().message;
  EXPECT_FALSE(decodeXorChunk(std::string("\0\0x", 3)).ok());
  EXPECT_FALSE(decodeXorChunk(std::string("\0", 1)).ok());
  // A second timestamp equal to the first cannot come from the writer.
  std::string repeated = bytes;
  repeated[2 + varintBytes(zigzag(1000)) + 8] = 0;  // the first interval, now 0
  EXPECT_FALSE(decodeXorChunk(repeated).ok());
}

TEST(XorChunkTest, CorruptedBytesNeverCrashAndDecodeOrderedSamples) {
  std::mt19937_64 rng(5);
  std::vector<Sample> samples;
  for (int i = 0; i < 120; ++i)
    samples.push_back({kStart + i * 15000, static_cast<double>(i * i)});
  const std::string clean = encode(samples);
  int errors = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bytes = clean;
    for (int flips = 1 + trial % 3; flips > 0; --flips)
      bytes[rng() % bytes.size()] ^= static_cast<char>(1 << (rng() % 8));
    auto decoded = decodeXorChunk(bytes);
    if (!decoded.ok()) {
      ++errors;
      continue;
    }
    for (std::size_t i = 1; i < decoded->size(); ++i)
      ASSERT_LT((*decoded)[i - 1].t, (*decoded)[i].t);
  }
  EXPECT_GT(errors, 0);
}

TEST(XorChunkTest, WriterStaysSmall) {
  XorChunkWriter empty;
  EXPECT_LE(empty.memoryBytes(), 96u);  // nothing on the heap before the first sample
  // A float counter whose every value has a full mantissa, the most bytes a scrape series
  // takes: the buffer grows by half, so it is never much more than 1.5x what it holds.
  XorChunkWriter w;
  double counter = 1e6;
  for (int i = 0; i < 120; ++i) {
    counter += static_cast<double>(i * 7919 % 1500) / 100;
    w.append(kStart + i * 15000 + i * 31 % 7 - 3, counter);
    EXPECT_LE(w.memoryBytes(), sizeof(w) + (w.bytes().size() + 8) * 3 / 2 + 2) << "sample " << i;
    EXPECT_GE(w.memoryBytes(), sizeof(w) + w.bytes().size());
  }
  EXPECT_LT(w.memoryBytes(), 1400u);
}

}  // namespace
}  // namespace pharos::metrics
