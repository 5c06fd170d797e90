#include "slo/slo_window.h"

#include <gtest/gtest.h>

#include "promql/api_params.h"

namespace pharos::slo {
namespace {

std::int64_t at(const char* rfc3339) {
  return promql::parseTimeParam(rfc3339).value();
}

TEST(SloWindowTest, ParsesRollingAndCalendarWindows) {
  EXPECT_EQ(parseSloWindow("30d").value(),
            (SloWindow{WindowKind::kRolling, Millis(2'592'000'000)}));
  EXPECT_EQ(parseSloWindow("1h")->length, Millis(3'600'000));
  EXPECT_EQ(parseSloWindow("400d")->length, Millis(400LL * 86'400'000));
  EXPECT_EQ(parseSloWindow("month")->kind, WindowKind::kMonth);
  EXPECT_EQ(parseSloWindow("quarter")->kind, WindowKind::kQuarter);
  EXPECT_FALSE(parseSloWindow("59m").ok());
  EXPECT_FALSE(parseSloWindow("401d").ok());
  EXPECT_FALSE(parseSloWindow("year").ok());
  EXPECT_NE(parseSloWindow("30").error().message.find("month or quarter"), std::string::npos);
  EXPECT_EQ(formatSloWindow(*parseSloWindow("4w")), "4w");
  EXPECT_EQ(formatSloWindow(*parseSloWindow("month")), "month");
}

TEST(SloWindowTest, RollingWindowEndsNow) {
  SloWindow w{WindowKind::kRolling, Millis(86'400'000)};
  std::int64_t now = at("2026-03-10T12:34:56Z");
  WindowBounds b = windowBounds(w, now);
  EXPECT_EQ(b.start, now - 86'400'000);
  EXPECT_EQ(b.end, now);
  EXPECT_EQ(periodLength(w, now), Millis(86'400'000));
}

TEST(SloWindowTest, MonthIsTheUtcCalendarMonth) {
  SloWindow month{WindowKind::kMonth, Millis(0)};
  WindowBounds b = windowBounds(month, at("2026-02-28T23:59:59.999Z"));
  EXPECT_EQ(b.start, at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(b.end, at("2026-03-01T00:00:00Z"));
  // The first millisecond of a month belongs to it.
  b = windowBounds(month, at("2026-03-01T00:00:00Z"));
  EXPECT_EQ(b.start, at("2026-03-01T00:00:00Z"));
  // Across the year and in a leap year.
  b = windowBounds(month, at("2026-12-31T23:00:00Z"));
  EXPECT_EQ(b.end, at("2027-01-01T00:00:00Z"));
  EXPECT_EQ(periodLength(month, at("2028-02-10T00:00:00Z")), Millis(29LL * 86'400'000));
  EXPECT_EQ(periodLength(month, at("2026-02-10T00:00:00Z")), Millis(28LL * 86'400'000));
}

TEST(SloWindowTest, QuarterStartsInJanuaryAprilJulyOctober) {
  SloWindow quarter{WindowKind::kQuarter, Millis(0)};
  WindowBounds b = windowBounds(quarter, at("2026-03-31T23:59:59Z"));
  EXPECT_EQ(b.start, at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(b.end, at("2026-04-01T00:00:00Z"));
  b = windowBounds(quarter, at("2026-04-01T00:00:00Z"));
  EXPECT_EQ(b.start, at("2026-04-01T00:00:00Z"));
  EXPECT_EQ(b.end, at("2026-07-01T00:00:00Z"));
  b = windowBounds(quarter, at("2026-11-15T08:00:00Z"));
  EXPECT_EQ(b.start, at("2026-10-01T00:00:00Z"));
  EXPECT_EQ(b.end, at("2027-01-01T00:00:00Z"));
  EXPECT_EQ(periodLength(quarter, at("2026-11-15T08:00:00Z")), Millis(92LL * 86'400'000));
}

TEST(SloWindowTest, BurnWindowsAreTheWorkbooksForThirtyDays) {
  auto pairs = burnWindowPairs(SloWindow{});
  ASSERT_EQ(pairs.size(), 4u);
  EXPECT_EQ(pairs[0].longWindow, Millis(3'600'000));
  EXPECT_EQ(pairs[0].shortWindow, Millis(300'000));
  EXPECT_DOUBLE_EQ(pairs[0].factor, 14.4);
  EXPECT_EQ(pairs[0].severity, Severity::kPage);
  EXPECT_EQ(pairs[1].longWindow, Millis(6 * 3'600'000));
  EXPECT_EQ(pairs[1].shortWindow, Millis(1'800'000));
  EXPECT_DOUBLE_EQ(pairs[1].factor, 6);
  EXPECT_EQ(pairs[2].longWindow, Millis(86'400'000));
  EXPECT_EQ(pairs[2].shortWindow, Millis(2 * 3'600'000));
  EXPECT_DOUBLE_EQ(pairs[2].factor, 3);
  EXPECT_EQ(pairs[2].severity, Severity::kTicket);
  EXPECT_EQ(pairs[3].longWindow, Millis(3 * 86'400'000));
  EXPECT_EQ(pairs[3].shortWindow, Millis(6 * 3'600'000));
  EXPECT_DOUBLE_EQ(pairs[3].factor, 1);
  // A month scales by its nominal 30 days: the same windows.
  EXPECT_EQ(burnWindowPairs(SloWindow{WindowKind::kMonth, Millis(0)})[0].longWindow,
            Millis(3'600'000));
}

TEST(SloWindowTest, BurnWindowsScaleWithTheWindowAndFactorsStay) {
  // 7 days: 7/30 of each window, as Pyrra does; 1h -> 14m, 5m -> 70s.
  auto pairs = burnWindowPairs(SloWindow{WindowKind::kRolling, Millis(7LL * 86'400'000)});
  EXPECT_EQ(pairs[0].longWindow, Millis(840'000));
  EXPECT_EQ(pairs[0].shortWindow, Millis(70'000));
  EXPECT_DOUBLE_EQ(pairs[0].factor, 14.4);
  EXPECT_EQ(pairs[3].longWindow, Millis(16LL * 3'600'000 + 48 * 60'000));  // 3d * 7/30
  // A quarter: three times the month's.
  auto q = burnWindowPairs(SloWindow{WindowKind::kQuarter, Millis(0)});
  EXPECT_EQ(q[0].longWindow, Millis(3 * 3'600'000));
  EXPECT_EQ(q[0].shortWindow, Millis(900'000));
}

TEST(SloWindowTest, FormatsUtcTimes) {
  EXPECT_EQ(formatUtc(at("2026-12-01T02:00:00Z")), "2026-12-01T02:00:00Z");
  EXPECT_EQ(formatUtc(at("2024-02-29T23:59:59.250Z")), "2024-02-29T23:59:59.250Z");
  EXPECT_EQ(formatUtc(0), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace pharos::slo
