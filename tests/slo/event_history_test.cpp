#include "slo/event_history.h"

#include <gtest/gtest.h>

#include <random>

namespace pharos::slo {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 86'400'000;
// A whole day, so bucket arithmetic is easy to follow.
constexpr std::int64_t kT0 = 20'000 * kDay;

TEST(BucketRingTest, SumsRunsOfBucketsAndTakesLateEvents) {
  BucketRing ring(kMinute, 10, kT0);
  ring.add(kT0 + 10, {1, 1});
  ring.add(kT0 + kMinute, {0, 2});
  ring.add(kT0 + 3 * kMinute, {5, 5});
  EXPECT_EQ(ring.since(kT0, false), (EventCounts{6, 8}));
  EXPECT_EQ(ring.since(kT0 + kMinute + 59'999, false), (EventCounts{5, 7}));
  EXPECT_EQ(ring.since(kT0 + 3 * kMinute, false), (EventCounts{5, 5}));
  // Late: into bucket 1, after bucket 3 was written.
  ring.add(kT0 + kMinute + 5, {1, 1});
  EXPECT_EQ(ring.since(kT0 + 2 * kMinute, false), (EventCounts{5, 5}));
  EXPECT_EQ(ring.since(kT0, false), (EventCounts{7, 9}));
  // Before validFrom: not this ring's; clamped, it counts from validFrom.
  EXPECT_FALSE(ring.since(kT0 - kMinute, false).has_value());
  EXPECT_EQ(ring.since(kT0 - kHour, true), (EventCounts{7, 9}));
  ring.add(kT0 - 1, {100, 100});
  EXPECT_EQ(ring.since(kT0, false), (EventCounts{7, 9}));
}

TEST(BucketRingTest, ForgetsBucketsThatLeaveTheRing) {
  BucketRing ring(kMinute, 5, kT0);
  for (int i = 0; i < 20; ++i)
    ring.add(kT0 + i * kMinute, {1, 2});
  // Holds buckets 15..19; the prefix before 16 is the oldest it can subtract.
  EXPECT_EQ(ring.since(kT0 + 16 * kMinute, false), (EventCounts{4, 8}));
  EXPECT_FALSE(ring.since(kT0 + 15 * kMinute, false).has_value());
  // A jump past the whole ring leaves empty buckets.
  ring.advanceTo(kT0 + 100 * kMinute);
  EXPECT_EQ(ring.since(kT0 + 97 * kMinute, false), (EventCounts{0, 0}));
  ring.add(kT0 + 100 * kMinute, {1, 1});
  EXPECT_EQ(ring.since(kT0 + 97 * kMinute, false), (EventCounts{1, 1}));
}

TEST(EventHistoryTest, AnswersEachWindowFromTheFinestTierThatReaches) {
  SloWindow w{WindowKind::kRolling, Millis(30 * kDay)};
  std::int64_t start = kT0;
  EventHistory h(w, start, start);
  // One event a minute for 10 days: good except one bad per hour at minute 30.
  std::int64_t end = start + 10 * kDay;
  for (std::int64_t t = start; t < end; t += kMinute) {
    bool bad = (t / kMinute) % 60 == 30;
    h.add(t, {bad ? 0.0 : 1.0, 1});
  }
  h.advanceTo(end - 1);
  EXPECT_EQ(h.since(start), (EventCounts{10 * 24 * 59, 10 * 24 * 60}));
  // 5 minutes (1-minute buckets), 2 hours, 3 days (5-minute buckets), 7 days (hourly).
  EXPECT_EQ(h.since(end - 5 * kMinute), (EventCounts{5, 5}));
  EXPECT_EQ(h.since(end - 2 * kHour), (EventCounts{118, 120}));
  EXPECT_EQ(h.since(end - 3 * kDay), (EventCounts{72 * 59, 72 * 60}));
  EXPECT_EQ(h.since(end - 7 * kDay), (EventCounts{168 * 59, 168 * 60}));
  // A window not on a bucket boundary includes the bucket it starts in.
  EXPECT_EQ(h.since(end - 5 * kMinute - 1), (EventCounts{6, 6}));
}

TEST(EventHistoryTest, HourlyEventsGoOnlyToHourlyTiers) {
  SloWindow w{WindowKind::kRolling, Millis(30 * kDay)};
  std::int64_t now = kT0 + 10 * kDay;
  std::int64_t fineFrom = now - 3 * kDay;
  EventHistory h(w, now - 30 * kDay, fineFrom);
  for (std::int64_t t = now - 30 * kDay; t < fineFrom; t += kHour)
    h.add(t, {60, 60}, kHour);
  for (std::int64_t t = fineFrom; t < now; t += kMinute)
    h.add(t, {1, 1}, kMinute);
  h.advanceTo(now);
  EXPECT_EQ(h.since(now - 30 * kDay).total, 30 * 24 * 60);
  EXPECT_EQ(h.since(now - kHour).total, 60);
  EXPECT_EQ(h.since(now - 3 * kDay).total, 3 * 24 * 60);
  EXPECT_EQ(h.since(now - 4 * kDay).total, 4 * 24 * 60);
}

TEST(EventHistoryTest, LongWindowsUseDailyBucketsAndStayUnder64KB) {
  SloWindow w{WindowKind::kRolling, Millis(400 * kDay)};
  // Daily events come from hourly rollups: the fine tiers start after them.
  EventHistory h(w, kT0, kT0 + 200 * kDay);
  EXPECT_LT(h.memoryBytes(), 64u * 1024);
  for (std::int64_t d = 0; d < 200; ++d)
    h.add(kT0 + d * kDay, {1, 2}, kHour);
  h.advanceTo(kT0 + 200 * kDay);
  EXPECT_EQ(h.since(kT0).total, 400);
  EXPECT_EQ(h.since(kT0 + 150 * kDay).total, 100);  // past the hourly tier's 92 days
  EventHistory thirty(SloWindow{}, kT0, kT0);
  EXPECT_LT(thirty.memoryBytes(), 32u * 1024);
}

TEST(EventHistoryTest, CumulativeSeriesStepsFromTheStart) {
  EventHistory h(SloWindow{WindowKind::kRolling, Millis(kDay)}, kT0, kT0);
  for (std::int64_t t = kT0; t < kT0 + 3 * kHour + 30 * kMinute; t += kMinute)
    h.add(t, {1, 1});
  h.advanceTo(kT0 + 3 * kHour + 30 * kMinute - 1);
  auto points = h.cumulativeSince(kT0, kHour);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0].t, kT0 + kHour);
  EXPECT_EQ(points[0].events.total, 60);
  EXPECT_EQ(points[2].events.total, 180);
  EXPECT_EQ(points[3].t, kT0 + 3 * kHour + 30 * kMinute - 1);
  EXPECT_EQ(points[3].events.total, 210);
}

}  // namespace
}  // namespace pharos::slo
