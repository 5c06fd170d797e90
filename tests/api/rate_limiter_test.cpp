#include "api/rate_limiter.h"

#include <gtest/gtest.h>

#include "fakes/manual_clock.h"

namespace pharos::api {
namespace {

TEST(RateLimiterTest, BurstThenDeniedWithRetryAfterThenRefills) {
  testing::ManualClock clock;
  RateLimiter limiter(clock, 2.0, 3);
  for (int i = 0; i < 3; ++i) {
    RateLimitDecision d = limiter.take("k");
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 3);
    EXPECT_EQ(d.remaining, 2 - i);
  }
  RateLimitDecision denied = limiter.take("k");
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.remaining, 0);
  EXPECT_EQ(denied.retryAfter, Millis(500));  // one token at 2/s
  EXPECT_EQ(denied.resetAfter, Millis(1500));

  clock.advance(Millis(499));
  EXPECT_FALSE(limiter.take("k").allowed);
  clock.advance(Millis(1));
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_FALSE(limiter.take("k").allowed);

  clock.advance(Millis(60'000));  // never more than the burst saved up
  EXPECT_EQ(limiter.take("k").remaining, 2);
}

TEST(RateLimiterTest, KeysHaveSeparateBuckets) {
  testing::ManualClock clock;
  RateLimiter limiter(clock, 1.0, 1);
  EXPECT_TRUE(limiter.take("a").allowed);
  EXPECT_FALSE(limiter.take("a").allowed);
  EXPECT_TRUE(limiter.take("b").allowed);
}

TEST(RateLimiterTest, BoundedEvictingIdleBucketsFirst) {
  testing::ManualClock clock;
  RateLimiter limiter(clock, 1.0, 2, 3);
  EXPECT_TRUE(limiter.take("busy").allowed);
  EXPECT_TRUE(limiter.take("busy").allowed);  // empty; full again in 2 s
  EXPECT_TRUE(limiter.take("idle").allowed);  // full again in 1 s
  clock.advance(Millis(1'000));
  EXPECT_TRUE(limiter.take("other").allowed);
  EXPECT_EQ(limiter.size(), 3u);

  // At the limit, a new key evicts the full (idle) bucket, although "busy" is the least
  // recently used: "busy" keeps its half-refilled bucket and runs dry after one request.
  EXPECT_TRUE(limiter.take("new").allowed);
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_TRUE(limiter.take("busy").allowed);
  EXPECT_FALSE(limiter.take("busy").allowed);
}

TEST(RateLimiterTest, BoundedEvictingLeastRecentlyUsedWhenNoneIsIdle) {
  testing::ManualClock clock;
  RateLimiter limiter(clock, 0.001, 2, 2);
  EXPECT_TRUE(limiter.take("a").allowed);
  EXPECT_TRUE(limiter.take("b").allowed);
  EXPECT_TRUE(limiter.take("a").allowed);  // "b" is now the least recently used
  EXPECT_TRUE(limiter.take("c").allowed);  // evicts "b"
  EXPECT_EQ(limiter.size(), 2u);
  EXPECT_FALSE(limiter.take("a").allowed);    // "a" kept its used-up bucket
  EXPECT_EQ(limiter.take("b").remaining, 1);  // "b" starts over with a full bucket
}

TEST(RateLimiterTest, ManyKeysStayWithinTheBound) {
  testing::ManualClock clock;
  RateLimiter limiter(clock, 5.0, 5, 1000);
  for (int i = 0; i < 10'000; ++i)
    EXPECT_TRUE(limiter.take("client-" + std::to_string(i)).allowed);
  EXPECT_EQ(limiter.size(), 1000u);
}

}  // namespace
}  // namespace pharos::api
