#include "alarms/alert_state.h"

#include <gtest/gtest.h>

namespace pharos::alarms {
namespace {

const WallTime kT0 = fromUnixMillis(1'700'000'000'000);

WallTime at(int seconds) {
  return kT0 + Millis(seconds * 1000LL);
}

TEST(AlertStateTest, NamesEveryState) {
  EXPECT_EQ(alertStateName(AlertState::kOk), "ok");
  EXPECT_EQ(alertStateName(AlertState::kPending), "pending");
  EXPECT_EQ(alertStateName(AlertState::kFiring), "firing");
  EXPECT_EQ(alertStateName(AlertState::kResolved), "resolved");
}

TEST(AlertStateTest, WithoutForABreachFiresAtOnce) {
  InstanceState s;
  auto c = advance(s, true, 5, at(0), Millis(0), Millis(0));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->from, AlertState::kOk);
  EXPECT_EQ(c->to, AlertState::kFiring);
  EXPECT_EQ(s.firedAt, at(0));
  EXPECT_FALSE(advance(s, true, 6, at(30), Millis(0), Millis(0)));
  c = advance(s, false, 1, at(60), Millis(0), Millis(0));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to, AlertState::kResolved);
  EXPECT_EQ(s.resolvedAt, at(60));
  c = advance(s, false, 1, at(90), Millis(0), Millis(0));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->from, AlertState::kResolved);
  EXPECT_EQ(c->to, AlertState::kOk);
}

TEST(AlertStateTest, ForHoldsPendingUntilItHasPassed) {
  InstanceState s;
  const Millis forDuration(60'000);
  EXPECT_EQ(advance(s, true, 1, at(0), forDuration, Millis(0))->to, AlertState::kPending);
  EXPECT_FALSE(advance(s, true, 1, at(30), forDuration, Millis(0)));
  EXPECT_EQ(s.state, AlertState::kPending);
  auto c = advance(s, true, 1, at(60), forDuration, Millis(0));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to, AlertState::kFiring);
  EXPECT_EQ(s.activeAt, at(0));
  EXPECT_EQ(s.firedAt, at(60));
}

TEST(AlertStateTest, ABreachShorterThanForNeverFires) {
  InstanceState s;
  const Millis forDuration(60'000);
  advance(s, true, 1, at(0), forDuration, Millis(0));
  auto c = advance(s, false, 0, at(30), forDuration, Millis(0));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to, AlertState::kOk);
  // The next breach starts counting again.
  advance(s, true, 1, at(40), forDuration, Millis(0));
  EXPECT_FALSE(advance(s, true, 1, at(90), forDuration, Millis(0)));
  EXPECT_EQ(advance(s, true, 1, at(100), forDuration, Millis(0))->to, AlertState::kFiring);
}

TEST(AlertStateTest, KeepFiringForBridgesShortGaps) {
  InstanceState s;
  const Millis keep(120'000);
  advance(s, true, 1, at(0), Millis(0), keep);
  EXPECT_FALSE(advance(s, false, 0, at(60), Millis(0), keep));
  EXPECT_EQ(s.state, AlertState::kFiring);
  EXPECT_FALSE(advance(s, true, 1, at(90), Millis(0), keep));  // breaches again: timer restarts
  EXPECT_FALSE(advance(s, false, 0, at(200), Millis(0), keep));
  auto c = advance(s, false, 0, at(210), Millis(0), keep);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to, AlertState::kResolved);
}

TEST(AlertStateTest, AResolvedInstanceThatBreachesAgainStartsOver) {
  InstanceState s;
  const Millis forDuration(30'000);
  advance(s, true, 1, at(0), Millis(0), Millis(0));
  advance(s, false, 0, at(10), Millis(0), Millis(0));
  ASSERT_EQ(s.state, AlertState::kResolved);
  auto c = advance(s, true, 1, at(20), forDuration, Millis(0));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->from, AlertState::kResolved);
  EXPECT_EQ(c->to, AlertState::kPending);
  EXPECT_EQ(s.activeAt, at(20));
}

}  // namespace
}  // namespace pharos::alarms
