#include "bus/backoff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace pharos::bus {
namespace {

QueueOptions withBackoff(int64_t baseMs, int64_t maxMs) {
  QueueOptions o;
  o.backoffBase = Millis(baseMs);
  o.backoffMax = Millis(maxMs);
  return o;
}

TEST(BusBackoffTest, CapDoublesPerReceiveUntilMax) {
  QueueOptions o = withBackoff(1'000, 10'000);
  EXPECT_EQ(backoffCap(o, 1), Millis(1'000));
  EXPECT_EQ(backoffCap(o, 2), Millis(2'000));
  EXPECT_EQ(backoffCap(o, 3), Millis(4'000));
  EXPECT_EQ(backoffCap(o, 4), Millis(8'000));
  EXPECT_EQ(backoffCap(o, 5), Millis(10'000));
  EXPECT_EQ(backoffCap(o, 0), Millis(1'000));  // never received: treated as the first
}

TEST(BusBackoffTest, CapSaturatesInsteadOfOverflowing) {
  QueueOptions o = withBackoff(300'000, 7LL * 24 * 3600 * 1000);
  EXPECT_EQ(backoffCap(o, 1000), o.backoffMax);
  EXPECT_EQ(backoffCap(o, std::numeric_limits<int>::max()), o.backoffMax);
  EXPECT_EQ(backoffCap(withBackoff(0, 0), 7), Millis(0));
}

TEST(BusBackoffTest, FullJitterSpansZeroToCap) {
  QueueOptions o = withBackoff(100, 1'000);
  EXPECT_EQ(backoffDelay(o, 3, 0), Millis(0));
  EXPECT_EQ(backoffDelay(o, 3, 400), Millis(400));
  EXPECT_EQ(backoffDelay(o, 3, 401), Millis(0));
  for (uint64_t r : {uint64_t{7}, uint64_t{12345678901}, std::numeric_limits<uint64_t>::max()}) {
    Millis d = backoffDelay(o, 3, r);
    EXPECT_GE(d, Millis(0));
    EXPECT_LE(d, Millis(400));
  }
}

}  // namespace
}  // namespace pharos::bus
