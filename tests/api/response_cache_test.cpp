#include "api/response_cache.h"

#include <gtest/gtest.h>

#include "fakes/manual_clock.h"

namespace pharos::api {
namespace {

net::HttpResponse body(std::string text) {
  return net::HttpResponse::json(200, std::move(text));
}

TEST(ResponseCacheTest, StoresUntilTheTtl) {
  testing::ManualClock clock;
  ResponseCache cache(clock, Millis(1'000), 1 << 20);
  EXPECT_FALSE(cache.get("k").has_value());
  cache.put("k", "keys", cache.generation("keys"), body("[1]"));
  ASSERT_TRUE(cache.get("k").has_value());
  EXPECT_EQ(cache.get("k")->body, "[1]");
  clock.advance(Millis(999));
  EXPECT_TRUE(cache.get("k").has_value());
  clock.advance(Millis(1));
  EXPECT_FALSE(cache.get("k").has_value());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(ResponseCacheTest, InvalidateDropsOnlyThatResource) {
  testing::ManualClock clock;
  ResponseCache cache(clock, Millis(60'000), 1 << 20);
  cache.put("a1", "a", 0, body("1"));
  cache.put("a2", "a", 0, body("2"));
  cache.put("b1", "b", 0, body("3"));
  cache.invalidate("a");
  EXPECT_FALSE(cache.get("a1").has_value());
  EXPECT_FALSE(cache.get("a2").has_value());
  EXPECT_TRUE(cache.get("b1").has_value());
}

TEST(ResponseCacheTest, APutStartedBeforeAnInvalidationIsDropped) {
  testing::ManualClock clock;
  ResponseCache cache(clock, Millis(60'000), 1 << 20);
  uint64_t before = cache.generation("keys");
  cache.invalidate("keys");  // a write commits while the GET's handler runs
  cache.put("k", "keys", before, body("stale"));
  EXPECT_FALSE(cache.get("k").has_value());
  cache.put("k", "keys", cache.generation("keys"), body("fresh"));
  EXPECT_EQ(cache.get("k")->body, "fresh");
}

TEST(ResponseCacheTest, ByteBudgetEvictsLeastRecentlyUsed) {
  testing::ManualClock clock;
  std::string big(1000, 'x');
  ResponseCache cache(clock, Millis(60'000), 3 * 1300);
  cache.put("1", "r", 0, body(big));
  cache.put("2", "r", 0, body(big));
  cache.put("3", "r", 0, body(big));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.get("1").has_value());  // "2" becomes the least recently used
  cache.put("4", "r", 0, body(big));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.get("2").has_value());
  EXPECT_TRUE(cache.get("1").has_value());
  EXPECT_TRUE(cache.get("4").has_value());
  EXPECT_LE(cache.bytes(), 3u * 1300);

  cache.put("huge", "r", 0, body(std::string(10'000, 'y')));  // larger than the budget
  EXPECT_FALSE(cache.get("huge").has_value());
  EXPECT_EQ(cache.size(), 3u);
}

TEST(ResponseCacheTest, ReplacingAKeyKeepsTheAccountingRight) {
  testing::ManualClock clock;
  ResponseCache cache(clock, Millis(60'000), 1 << 20);
  cache.put("k", "r", 0, body("short"));
  size_t before = cache.bytes();
  cache.put("k", "r", 0, body("longer body"));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), before + 6);
  EXPECT_EQ(cache.get("k")->body, "longer body");
}

TEST(ResponseCacheTest, ZeroTtlDisablesCaching) {
  testing::ManualClock clock;
  ResponseCache cache(clock, Millis(0), 1 << 20);
  cache.put("k", "r", 0, body("x"));
  EXPECT_FALSE(cache.get("k").has_value());
}

}  // namespace
}  // namespace pharos::api
