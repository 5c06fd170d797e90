#include "core/cron.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <random>
#include <string>

namespace pharos {
namespace {

namespace chr = std::chrono;

WallTime utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0, int second = 0) {
  return WallTime(chr::sys_days{chr::year{year} / chr::month{month} / chr::day{day}}) +
         chr::hours(hour) + chr::minutes(minute) + chr::seconds(second);
}

CronSchedule parsed(std::string_view expression) {
  auto schedule = CronSchedule::parse(expression);
  EXPECT_TRUE(schedule.ok()) << expression << ": " << schedule.error().message;
  return std::move(schedule).value();
}

// The next `count` matches after `from`, each found from the previous one.
std::vector<WallTime> nextMatches(std::string_view expression, WallTime from, int count) {
  CronSchedule schedule = parsed(expression);
  std::vector<WallTime> out;
  for (int i = 0; i < count; ++i) {
    auto next = schedule.nextAfter(from);
    if (!next) break;
    out.push_back(*next);
    from = *next;
  }
  return out;
}

std::string parseError(std::string_view expression) {
  auto schedule = CronSchedule::parse(expression);
  if (schedule.ok()) return "parsed";
  EXPECT_EQ(schedule.error().code, ErrorCode::kInvalidArgument);
  return schedule.error().message;
}

TEST(CronScheduleTest, StarMatchesEveryMinuteStrictlyAfter) {
  // A time on a minute boundary is not "after" itself; seconds round up to the next minute.
  EXPECT_EQ(nextMatches("* * * * *", utc(2026, 3, 1, 10, 0), 2),
            (std::vector{utc(2026, 3, 1, 10, 1), utc(2026, 3, 1, 10, 2)}));
  EXPECT_EQ(parsed("* * * * *").nextAfter(utc(2026, 3, 1, 10, 0, 59)), utc(2026, 3, 1, 10, 1));
  EXPECT_EQ(parsed("* * * * *").nextAfter(utc(2026, 3, 1, 10, 0) - chr::milliseconds(1)),
            utc(2026, 3, 1, 10, 0));
}

TEST(CronScheduleTest, ListsRangesAndSteps) {
  EXPECT_EQ(nextMatches("5,35 * * * *", utc(2026, 3, 1, 10, 0), 3),
            (std::vector{utc(2026, 3, 1, 10, 5), utc(2026, 3, 1, 10, 35), utc(2026, 3, 1, 11, 5)}));
  EXPECT_EQ(nextMatches("0 22-23 * * *", utc(2026, 3, 1), 3),
            (std::vector{utc(2026, 3, 1, 22), utc(2026, 3, 1, 23), utc(2026, 3, 2, 22)}));
  EXPECT_EQ(nextMatches("*/15 0 * * *", utc(2026, 3, 1), 4),
            (std::vector{utc(2026, 3, 1, 0, 15), utc(2026, 3, 1, 0, 30), utc(2026, 3, 1, 0, 45),
                         utc(2026, 3, 2, 0, 0)}));
  EXPECT_EQ(nextMatches("10-50/20 1 * * *", utc(2026, 3, 1), 4),
            (std::vector{utc(2026, 3, 1, 1, 10), utc(2026, 3, 1, 1, 30), utc(2026, 3, 1, 1, 50),
                         utc(2026, 3, 2, 1, 10)}));
  // Items of a list combine, steps included.
  EXPECT_EQ(nextMatches("1,*/30,45-46 2 * * *", utc(2026, 3, 1), 6),
            (std::vector{utc(2026, 3, 1, 2, 0), utc(2026, 3, 1, 2, 1), utc(2026, 3, 1, 2, 30),
                         utc(2026, 3, 1, 2, 45), utc(2026, 3, 1, 2, 46), utc(2026, 3, 2, 2, 0)}));
}

TEST(CronScheduleTest, MonthAndWeekdayNamesInAnyCase) {
  // 2026-01-01 is a Thursday.
  EXPECT_EQ(nextMatches("0 0 1 mar,Sep *", utc(2026, 1, 1), 3),
            (std::vector{utc(2026, 3, 1), utc(2026, 9, 1), utc(2027, 3, 1)}));
  EXPECT_EQ(nextMatches("0 0 * * MON-wed", utc(2026, 1, 1), 4),
            (std::vector{utc(2026, 1, 5), utc(2026, 1, 6), utc(2026, 1, 7), utc(2026, 1, 12)}));
  EXPECT_EQ(nextMatches("0 0 * FEB-apr/2 sun", utc(2026, 1, 1), 5),
            (std::vector{utc(2026, 2, 1), utc(2026, 2, 8), utc(2026, 2, 15), utc(2026, 2, 22),
                         utc(2026, 4, 5)}));
}

TEST(CronScheduleTest, SevenAndZeroAreSunday) {
  // 2026-01-04 is a Sunday.
  auto zero = nextMatches("0 12 * * 0", utc(2026, 1, 1), 3);
  EXPECT_EQ(zero, (std::vector{utc(2026, 1, 4, 12), utc(2026, 1, 11, 12), utc(2026, 1, 18, 12)}));
  EXPECT_EQ(nextMatches("0 12 * * 7", utc(2026, 1, 1), 3), zero);
  // A range may end at 7 or, by name, at SUN.
  EXPECT_EQ(nextMatches("0 12 * * 5-7", utc(2026, 1, 1), 4),
            (std::vector{utc(2026, 1, 2, 12), utc(2026, 1, 3, 12), utc(2026, 1, 4, 12),
                         utc(2026, 1, 9, 12)}));
  EXPECT_EQ(nextMatches("0 12 * * FRI-SUN", utc(2026, 1, 1), 4),
            nextMatches("0 12 * * 5-7", utc(2026, 1, 1), 4));
  EXPECT_EQ(nextMatches("0 12 * * SUN-SUN", utc(2026, 1, 1), 3), zero);
}

TEST(CronScheduleTest, Macros) {
  struct Case {
    const char* macro;
    const char* expansion;
  };
  for (const Case& c :
       {Case{"@hourly", "0 * * * *"}, Case{"@daily", "0 0 * * *"}, Case{"@midnight", "0 0 * * *"},
        Case{"@weekly", "0 0 * * 0"}, Case{"@monthly", "0 0 1 * *"}, Case{"@yearly", "0 0 1 1 *"},
        Case{"@annually", "0 0 1 1 *"}, Case{"@DAILY", "0 0 * * *"}}) {
    SCOPED_TRACE(c.macro);
    EXPECT_EQ(nextMatches(c.macro, utc(2026, 5, 17, 13, 20), 3),
              nextMatches(c.expansion, utc(2026, 5, 17, 13, 20), 3));
    EXPECT_EQ(parsed(c.macro).text(), c.macro);
  }
  EXPECT_EQ(parsed("  @weekly\t").text(), "@weekly");
  EXPECT_EQ(parsed("*/5  *\t* * *").text(), "*/5  *\t* * *");
}

// An independent oracle: the schedule against a predicate walked minute by minute.
TEST(CronScheduleTest, AgreesWithAMinuteByMinuteWalk) {
  struct Case {
    const char* expression;
    std::function<bool(const chr::year_month_day&, chr::weekday, int hour, int minute)> matches;
  };
  std::vector<Case> cases = {
      {"*/15 9-17 * * MON-FRI",
       [](auto&, chr::weekday wd, int h, int m) {
         return m % 15 == 0 && h >= 9 && h <= 17 && wd != chr::Saturday && wd != chr::Sunday;
       }},
      {"30 2 1,15 * *",
       [](auto& d, chr::weekday, int h, int m) {
         return m == 30 && h == 2 && (d.day() == chr::day{1} || d.day() == chr::day{15});
       }},
      // Both day fields restricted: either one.
      {"0 */6 13 * FRI",
       [](auto& d, chr::weekday wd, int h, int m) {
         return m == 0 && h % 6 == 0 && (d.day() == chr::day{13} || wd == chr::Friday);
       }},
      // A day field starting with '*' is unrestricted for the OR rule: both must match.
      {"45 23 */2 * SAT",
       [](auto& d, chr::weekday wd, int h, int m) {
         return m == 45 && h == 23 && static_cast<unsigned>(d.day()) % 2 == 1 &&
                wd == chr::Saturday;
       }},
      {"0 0 31 * *", [](auto& d, chr::weekday, int h,
                        int m) { return m == 0 && h == 0 && d.day() == chr::day{31}; }},
      {"59 23 29 2 *",
       [](auto& d, chr::weekday, int h, int m) {
         return m == 59 && h == 23 && d.month() == chr::February && d.day() == chr::day{29};
       }},
  };
  const WallTime from = utc(2027, 11, 20);
  const WallTime to = utc(2028, 4, 1);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expression);
    CronSchedule schedule = parsed(c.expression);
    std::vector<WallTime> expected;
    for (WallTime t = from + chr::minutes(1); t < to; t += chr::minutes(1)) {
      auto day = chr::floor<chr::days>(t);
      auto minuteOfDay = chr::duration_cast<chr::minutes>(t - day).count();
      if (c.matches(chr::year_month_day{day}, chr::weekday{day}, static_cast<int>(minuteOfDay / 60),
                    static_cast<int>(minuteOfDay % 60))) {
        expected.push_back(t);
      }
    }
    ASSERT_FALSE(expected.empty());
    std::vector<WallTime> forward;
    for (auto t = schedule.nextAfter(from); t && *t < to; t = schedule.nextAfter(*t)) {
      forward.push_back(*t);
    }
    EXPECT_EQ(forward, expected);
    std::vector<WallTime> backward;
    for (auto t = schedule.lastAtOrBefore(to - chr::seconds(1), chr::floor<Millis>(to - from));
         t && *t > from;
         t = schedule.lastAtOrBefore(*t - chr::seconds(1), chr::floor<Millis>(*t - from))) {
      backward.insert(backward.begin(), *t);
    }
    EXPECT_EQ(backward, expected);
  }
}

TEST(CronScheduleTest, EitherDayFieldMatchesWhenBothAreRestricted) {
  // 2026-02-13 is a Friday; 2026-03-13 is one too.
  auto matches = nextMatches("0 0 13 * FRI", utc(2026, 2, 1), 5);
  EXPECT_EQ(matches, (std::vector{utc(2026, 2, 6), utc(2026, 2, 13), utc(2026, 2, 20),
                                  utc(2026, 2, 27), utc(2026, 3, 6)}));
  // Restricting only one of them restricts the day to it.
  EXPECT_EQ(nextMatches("0 0 13 * *", utc(2026, 2, 1), 2),
            (std::vector{utc(2026, 2, 13), utc(2026, 3, 13)}));
  // "1-31" is restricted (does not start with '*'), so it matches every day on its own.
  EXPECT_EQ(nextMatches("0 0 1-31 * FRI", utc(2026, 2, 1), 2),
            (std::vector{utc(2026, 2, 2), utc(2026, 2, 3)}));
}

TEST(CronScheduleTest, LeapYears) {
  EXPECT_EQ(parsed("0 6 29 2 *").nextAfter(utc(2025, 3, 1)), utc(2028, 2, 29, 6));
  // 2100 is not a leap year (divisible by 100, not by 400), 2000 was.
  EXPECT_EQ(parsed("0 6 29 2 *").nextAfter(utc(2096, 3, 1)), utc(2104, 2, 29, 6));
  EXPECT_EQ(parsed("0 6 29 2 *").lastAtOrBefore(utc(2003, 1, 1), Millis(chr::days(3650))),
            utc(2000, 2, 29, 6));
  // The last day of February.
  EXPECT_EQ(nextMatches("0 0 28-29 2 *", utc(2027, 3, 1), 3),
            (std::vector{utc(2028, 2, 28), utc(2028, 2, 29), utc(2029, 2, 28)}));
}

TEST(CronScheduleTest, MonthEndsAreSkippedWhereTheDayDoesNotExist) {
  EXPECT_EQ(nextMatches("0 0 31 * *", utc(2026, 4, 1), 4),
            (std::vector{utc(2026, 5, 31), utc(2026, 7, 31), utc(2026, 8, 31), utc(2026, 10, 31)}));
  EXPECT_EQ(nextMatches("15 4 30 * *", utc(2026, 1, 30, 5), 2),
            (std::vector{utc(2026, 3, 30, 4, 15), utc(2026, 4, 30, 4, 15)}));
  // The last minute of a month rolls into the next one.
  EXPECT_EQ(parsed("* * * * *").nextAfter(utc(2026, 4, 30, 23, 59)), utc(2026, 5, 1));
}

TEST(CronScheduleTest, YearWrap) {
  EXPECT_EQ(parsed("30 23 31 12 *").nextAfter(utc(2026, 12, 31, 23, 30)),
            utc(2027, 12, 31, 23, 30));
  EXPECT_EQ(parsed("0 0 1 1 *").nextAfter(utc(2026, 12, 31, 23, 59, 59)), utc(2027, 1, 1));
  EXPECT_EQ(parsed("0 0 * 1 *").nextAfter(utc(2026, 2, 1)), utc(2027, 1, 1));
  EXPECT_EQ(parsed("0 0 * 12 *").lastAtOrBefore(utc(2027, 3, 1), Millis(chr::days(365))),
            utc(2026, 12, 31));
}

TEST(CronScheduleTest, NeverWhenNoDayExists) {
  for (const char* never : {"0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30-31 FEB *"}) {
    SCOPED_TRACE(never);
    CronSchedule schedule = parsed(never);
    EXPECT_EQ(schedule.nextAfter(utc(2026, 1, 1)), std::nullopt);
    EXPECT_EQ(schedule.lastAtOrBefore(utc(2026, 1, 1), Millis(chr::days(3650))), std::nullopt);
  }
  // With a restricted weekday the OR rule makes the February days match.
  EXPECT_EQ(parsed("0 0 30 2 MON").nextAfter(utc(2026, 1, 1)), utc(2026, 2, 2));
}

TEST(CronScheduleTest, LastAtOrBefore) {
  CronSchedule daily = parsed("0 3 * * *");
  const Millis day = chr::days(1);
  EXPECT_EQ(daily.lastAtOrBefore(utc(2026, 3, 1, 3, 0), day), utc(2026, 3, 1, 3));  // at
  EXPECT_EQ(daily.lastAtOrBefore(utc(2026, 3, 1, 3, 29, 59), day), utc(2026, 3, 1, 3));
  EXPECT_EQ(daily.lastAtOrBefore(utc(2026, 3, 1, 2, 59, 59), day), utc(2026, 2, 28, 3));
  // The lookback bound is inclusive, and nothing in it is nullopt.
  EXPECT_EQ(daily.lastAtOrBefore(utc(2026, 3, 1, 2), Millis(chr::hours(23))), utc(2026, 2, 28, 3));
  EXPECT_EQ(daily.lastAtOrBefore(utc(2026, 3, 1, 2), Millis(chr::hours(23)) - Millis(1)),
            std::nullopt);
  EXPECT_EQ(daily.lastAtOrBefore(utc(2026, 3, 1, 3), Millis(0)), utc(2026, 3, 1, 3));
  EXPECT_EQ(daily.lastAtOrBefore(utc(2026, 3, 1, 3), Millis(-1)), std::nullopt);
  // Backwards across a year and into a shorter month.
  EXPECT_EQ(parsed("0 12 31 * *").lastAtOrBefore(utc(2027, 1, 15), Millis(chr::days(60))),
            utc(2026, 12, 31, 12));
  EXPECT_EQ(parsed("0 12 31 * *").lastAtOrBefore(utc(2026, 7, 30), Millis(chr::days(100))),
            utc(2026, 5, 31, 12));
  EXPECT_EQ(parsed("*/20 9-17 * * MON-FRI").lastAtOrBefore(utc(2026, 3, 2, 8), day * 7),
            utc(2026, 2, 27, 17, 40));  // Monday morning: Friday's last
}

TEST(CronScheduleTest, NextAndLastAreConsistent) {
  std::mt19937_64 random(42);
  std::uniform_int_distribution<int64_t> ms(toUnixMillis(utc(2000, 1, 1)),
                                            toUnixMillis(utc(2100, 1, 1)));
  for (const char* expression :
       {"*/7 3,5 */3 * *", "0 0 13 * FRI", "17 * * FEB-MAR 1-3", "0 12 29 2 *", "@weekly"}) {
    SCOPED_TRACE(expression);
    CronSchedule schedule = parsed(expression);
    for (int i = 0; i < 300; ++i) {
      WallTime t = fromUnixMillis(ms(random));
      auto next = schedule.nextAfter(t);
      ASSERT_TRUE(next.has_value());
      EXPECT_GT(*next, t);
      // Nothing lies between t and its next match, and the match is its own last.
      EXPECT_EQ(schedule.lastAtOrBefore(*next, Millis(0)), *next);
      auto before = schedule.lastAtOrBefore(*next - Millis(1), Millis(chr::days(3650)));
      ASSERT_TRUE(before.has_value());
      EXPECT_LE(*before, t);
      EXPECT_EQ(schedule.nextAfter(*before), *next);
    }
  }
}

TEST(CronScheduleTest, ErrorsNameTheFieldAndTheText) {
  EXPECT_EQ(parseError("0 25 * * *"), "cron field 'hour': 25 is out of range 0-23");
  EXPECT_EQ(parseError("60 * * * *"), "cron field 'minute': 60 is out of range 0-59");
  EXPECT_EQ(parseError("0 0 0 * *"), "cron field 'day-of-month': 0 is out of range 1-31");
  EXPECT_EQ(parseError("0 0 * 13 *"), "cron field 'month': 13 is out of range 1-12");
  EXPECT_EQ(parseError("0 0 * * 8"), "cron field 'day-of-week': 8 is out of range 0-7");
  EXPECT_EQ(parseError("0 0 * * 99999999999999999999"),
            "cron field 'day-of-week': 99999999999999999999 is out of range 0-7");
  EXPECT_EQ(parseError("0 0 * FOO *"),
            "cron field 'month': 'FOO' is not a number or a month name (JAN-DEC)");
  EXPECT_EQ(parseError("0 0 * * MONDAY"),
            "cron field 'day-of-week': 'MONDAY' is not a number or a weekday name (SUN-SAT)");
  EXPECT_EQ(parseError("MON * * * *"), "cron field 'minute': 'MON' is not a number");
  EXPECT_EQ(parseError("*/0 * * * *"), "cron field 'minute': step 0 in '*/0' is out of range 1-60");
  EXPECT_EQ(parseError("*/x * * * *"), "cron field 'minute': step 'x' in '*/x' is not a number");
  EXPECT_EQ(parseError("5/15 * * * *"),
            "cron field 'minute': '5/15' needs a range or '*' before the step (write '5-59/15')");
  EXPECT_NE(parseError("0 22-2 * * *").find("cron field 'hour': range '22-2' is reversed"),
            std::string::npos);
  EXPECT_EQ(parseError("0 1,,2 * * *"), "cron field 'hour': empty list item");
  EXPECT_EQ(parseError("0 1, * * *"), "cron field 'hour': empty list item");
  EXPECT_EQ(parseError("0 -1 * * *"), "cron field 'hour': '' is not a number");
  EXPECT_EQ(parseError("* * * *"),
            "cron expression '* * * *' has 4 fields; expected 5 (minute hour day-of-month month "
            "day-of-week)");
  EXPECT_NE(parseError("* * * * * *").find("has 6 fields"), std::string::npos);
  EXPECT_NE(parseError("").find("has 0 fields"), std::string::npos);
  EXPECT_EQ(parseError("@reboot"),
            "unknown cron macro '@reboot' (known: @hourly, @daily, @weekly, @monthly, @yearly)");
}

TEST(CronScheduleTest, RangeOfWallTimeIsRespected) {
  CronSchedule schedule = parsed("0 0 1 1 *");
  EXPECT_EQ(schedule.nextAfter(WallTime::max()), std::nullopt);
  EXPECT_EQ(schedule.nextAfter(WallTime::max() - chr::hours(24 * 30)), std::nullopt);
  EXPECT_EQ(schedule.lastAtOrBefore(WallTime::min(), Millis::max()), std::nullopt);
  auto first = schedule.lastAtOrBefore(WallTime::min() + chr::hours(24 * 400), Millis::max());
  ASSERT_TRUE(first.has_value());
  EXPECT_GE(*first, WallTime::min());
}

}  // namespace
}  // namespace pharos
