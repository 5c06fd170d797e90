#include "health/check_state.h"

#include <gtest/gtest.h>

namespace pharos::health {
namespace {

TEST(CheckStateTest, AFirstSuccessIsUpAtOnce) {
  CheckState s(3, 2);
  auto t = s.record(true);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, CheckStatus::kUnknown);
  EXPECT_EQ(t->to, CheckStatus::kUp);
}

TEST(CheckStateTest, DownNeedsTheFailureThresholdInARow) {
  CheckState s(3, 2);
  s.record(true);
  EXPECT_FALSE(s.record(false));
  EXPECT_FALSE(s.record(false));
  EXPECT_FALSE(s.record(true));  // the streak is broken
  EXPECT_FALSE(s.record(false));
  EXPECT_FALSE(s.record(false));
  auto t = s.record(false);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, CheckStatus::kDown);
  EXPECT_EQ(s.consecutiveFailures(), 3);
}

TEST(CheckStateTest, UpAgainNeedsTheSuccessThreshold) {
  CheckState s(1, 2);
  s.record(false);
  EXPECT_EQ(s.status(), CheckStatus::kDown);
  EXPECT_FALSE(s.record(true));
  EXPECT_EQ(s.status(), CheckStatus::kDown);
  auto t = s.record(true);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, CheckStatus::kDown);
  EXPECT_EQ(t->to, CheckStatus::kUp);
}

TEST(CheckStateTest, AStartThatFailsStaysUnknownUntilTheThreshold) {
  CheckState s(2, 1);
  EXPECT_FALSE(s.record(false));
  EXPECT_EQ(s.status(), CheckStatus::kUnknown);
  EXPECT_TRUE(s.record(false));
  EXPECT_EQ(s.status(), CheckStatus::kDown);
}

}  // namespace
}  // namespace pharos::health
