#include "health/maintenance.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace pharos::health {
namespace {

namespace chr = std::chrono;
using Intervals = std::vector<std::pair<WallTime, WallTime>>;

WallTime utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0) {
  return WallTime(chr::sys_days{chr::year{year} / chr::month{month} / chr::day{day}}) +
         chr::hours(hour) + chr::minutes(minute);
}

MaintenanceWindow oneOff(std::string name, WallTime start, WallTime end,
                         std::vector<std::string> checks) {
  MaintenanceWindow w;
  w.name = std::move(name);
  w.start = start;
  w.end = end;
  w.checks = std::move(checks);
  return w;
}

MaintenanceWindow recurring(std::string name, std::string_view cron, Millis duration,
                            std::vector<std::string> checks) {
  MaintenanceWindow w;
  w.name = std::move(name);
  auto every = CronSchedule::parse(cron);
  EXPECT_TRUE(every.ok()) << cron;
  w.every = std::move(every).value();
  w.duration = duration;
  w.checks = std::move(checks);
  return w;
}

std::vector<LabelMatcher> matchers(std::string_view text) {
  auto parsed = parseLabelMatchers(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
  return parsed.ok() ? std::move(parsed).value() : std::vector<LabelMatcher>{};
}

const Labels kNoLabels;

TEST(MaintenanceCalendarTest, OneOffCoversStartUpToEnd) {
  MaintenanceCalendar calendar(
      {oneOff("db-upgrade", utc(2026, 12, 1, 2), utc(2026, 12, 1, 4), {"orders-db"})});
  EXPECT_FALSE(calendar.inMaintenance("orders-db", kNoLabels, utc(2026, 12, 1, 2) - Millis(1)));
  EXPECT_TRUE(calendar.inMaintenance("orders-db", kNoLabels, utc(2026, 12, 1, 2)));
  EXPECT_TRUE(calendar.inMaintenance("orders-db", kNoLabels, utc(2026, 12, 1, 4) - Millis(1)));
  EXPECT_FALSE(calendar.inMaintenance("orders-db", kNoLabels, utc(2026, 12, 1, 4)));
  EXPECT_EQ(calendar.activeWindows("orders-db", kNoLabels, utc(2026, 12, 1, 3)),
            std::vector<std::string>{"db-upgrade"});
  // Another check is not affected.
  EXPECT_FALSE(calendar.inMaintenance("orders-api", kNoLabels, utc(2026, 12, 1, 3)));
  EXPECT_TRUE(calendar.activeWindows("orders-api", kNoLabels, utc(2026, 12, 1, 3)).empty());
}

TEST(MaintenanceCalendarTest, RecurringCrossesMidnight) {
  MaintenanceCalendar calendar({recurring("nightly", "30 23 * * *", chr::hours(1), {"backup"})});
  EXPECT_FALSE(calendar.inMaintenance("backup", kNoLabels, utc(2026, 3, 10, 23, 29)));
  EXPECT_TRUE(calendar.inMaintenance("backup", kNoLabels, utc(2026, 3, 10, 23, 30)));
  EXPECT_TRUE(calendar.inMaintenance("backup", kNoLabels, utc(2026, 3, 11, 0, 29)));
  EXPECT_FALSE(calendar.inMaintenance("backup", kNoLabels, utc(2026, 3, 11, 0, 30)));
  EXPECT_FALSE(calendar.inMaintenance("backup", kNoLabels, utc(2026, 3, 11, 12)));
}

TEST(MaintenanceCalendarTest, RecurringCrossesMonthAndYearEnds) {
  // The last day of 31-day months, 22:00 for four hours.
  MaintenanceCalendar calendar({recurring("month-end", "0 22 31 * *", chr::hours(4), {"ledger"})});
  EXPECT_TRUE(calendar.inMaintenance("ledger", kNoLabels, utc(2026, 6, 1, 1, 59)));
  EXPECT_FALSE(calendar.inMaintenance("ledger", kNoLabels, utc(2026, 6, 1, 2)));
  EXPECT_TRUE(calendar.inMaintenance("ledger", kNoLabels, utc(2027, 1, 1, 1)));
  // June has no 31st, so 1 July is not in maintenance.
  EXPECT_FALSE(calendar.inMaintenance("ledger", kNoLabels, utc(2026, 7, 1, 1)));
  EXPECT_EQ(calendar.intervals("ledger", kNoLabels, utc(2026, 12, 1), utc(2027, 2, 1)),
            (Intervals{{utc(2026, 12, 31, 22), utc(2027, 1, 1, 2)},
                       {utc(2027, 1, 31, 22), utc(2027, 2, 1)}}));
}

TEST(MaintenanceCalendarTest, ByCheckName) {
  MaintenanceCalendar calendar(
      {oneOff("pair", utc(2026, 1, 1), utc(2026, 1, 2), {"primary-db", "replica-db"})});
  EXPECT_TRUE(calendar.inMaintenance("primary-db", kNoLabels, utc(2026, 1, 1, 5)));
  EXPECT_TRUE(calendar.inMaintenance("replica-db", kNoLabels, utc(2026, 1, 1, 5)));
  EXPECT_FALSE(calendar.inMaintenance("primary", kNoLabels, utc(2026, 1, 1, 5)));
}

TEST(MaintenanceCalendarTest, ByLabelMatchers) {
  const WallTime during = utc(2026, 5, 5, 3, 10);
  auto calendarFor = [&](std::string_view selector) {
    MaintenanceWindow w = recurring("w", "0 3 * * *", chr::minutes(30), {});
    w.labels = matchers(selector);
    return MaintenanceCalendar({w});
  };
  const Labels dbProd{{"team", "db"}, {"env", "prod"}};
  const Labels dbStaging{{"team", "db"}, {"env", "staging"}};
  const Labels webProd{{"team", "web"}, {"env", "prod"}};
  const Labels unlabelled;

  auto equal = calendarFor(R"(team="db")");
  EXPECT_TRUE(equal.inMaintenance("a", dbProd, during));
  EXPECT_FALSE(equal.inMaintenance("a", webProd, during));
  EXPECT_FALSE(equal.inMaintenance("a", unlabelled, during));

  auto notEqual = calendarFor(R"(team!="db")");
  EXPECT_FALSE(notEqual.inMaintenance("a", dbProd, during));
  EXPECT_TRUE(notEqual.inMaintenance("a", webProd, during));
  EXPECT_TRUE(notEqual.inMaintenance("a", unlabelled, during));  // absent is ""

  auto regex = calendarFor(R"(env=~"prod|staging")");
  EXPECT_TRUE(regex.inMaintenance("a", dbProd, during));
  EXPECT_TRUE(regex.inMaintenance("a", dbStaging, during));
  EXPECT_FALSE(regex.inMaintenance("a", Labels{{"env", "production"}}, during));  // anchored

  auto notRegex = calendarFor(R"(env!~"prod.*")");
  EXPECT_FALSE(notRegex.inMaintenance("a", dbProd, during));
  EXPECT_TRUE(notRegex.inMaintenance("a", dbStaging, during));

  // Every matcher must match.
  auto both = calendarFor(R"({team="db", env=~"staging"})");
  EXPECT_FALSE(both.inMaintenance("a", dbProd, during));
  EXPECT_TRUE(both.inMaintenance("a", dbStaging, during));
  // ... and only during the window.
  EXPECT_FALSE(both.inMaintenance("a", dbStaging, utc(2026, 5, 5, 3, 30)));
}

TEST(MaintenanceCalendarTest, ChecksAndLabelsNarrowTogether) {
  MaintenanceWindow w = oneOff("w", utc(2026, 1, 1), utc(2026, 1, 2), {"orders-db"});
  w.labels = matchers(R"(env="prod")");
  MaintenanceCalendar calendar({w});
  const WallTime during = utc(2026, 1, 1, 12);
  EXPECT_TRUE(calendar.inMaintenance("orders-db", Labels{{"env", "prod"}}, during));
  EXPECT_FALSE(calendar.inMaintenance("orders-db", Labels{{"env", "dev"}}, during));
  EXPECT_FALSE(calendar.inMaintenance("users-db", Labels{{"env", "prod"}}, during));
  // A window selecting nothing covers nothing, rather than everything.
  MaintenanceCalendar unselective({oneOff("all?", utc(2026, 1, 1), utc(2026, 1, 2), {})});
  EXPECT_FALSE(unselective.inMaintenance("orders-db", Labels{{"env", "prod"}}, during));
}

TEST(MaintenanceCalendarTest, ActiveWindowsListsEveryCoveringWindow) {
  MaintenanceWindow byLabel = recurring("nightly", "0 2 * * *", chr::hours(2), {});
  byLabel.labels = matchers(R"(team="db")");
  MaintenanceCalendar calendar({oneOff("upgrade", utc(2026, 4, 1, 1), utc(2026, 4, 1, 3), {"db"}),
                                byLabel,
                                oneOff("other", utc(2026, 4, 1), utc(2026, 4, 2), {"web"})});
  const Labels team{{"team", "db"}};
  EXPECT_EQ(calendar.activeWindows("db", team, utc(2026, 4, 1, 1, 30)),
            std::vector<std::string>{"upgrade"});
  EXPECT_EQ(calendar.activeWindows("db", team, utc(2026, 4, 1, 2, 30)),
            (std::vector<std::string>{"upgrade", "nightly"}));
  EXPECT_EQ(calendar.activeWindows("db", team, utc(2026, 4, 1, 3, 30)),
            std::vector<std::string>{"nightly"});
}

TEST(MaintenanceCalendarTest, IntervalsMergeOverlappingAndTouchingWindows) {
  MaintenanceCalendar calendar({
      recurring("nightly", "0 2 * * *", chr::hours(1), {"db"}),
      oneOff("upgrade", utc(2026, 4, 1, 2, 30), utc(2026, 4, 1, 5), {"db"}),  // overlaps
      oneOff("follow-up", utc(2026, 4, 1, 5), utc(2026, 4, 1, 6), {"db"}),    // touches
      oneOff("later", utc(2026, 4, 2, 10), utc(2026, 4, 2, 11), {"db"}),      // apart
      oneOff("not-db", utc(2026, 4, 1, 12), utc(2026, 4, 1, 13), {"web"}),
  });
  EXPECT_EQ(calendar.intervals("db", kNoLabels, utc(2026, 4, 1), utc(2026, 4, 3)),
            (Intervals{{utc(2026, 4, 1, 2), utc(2026, 4, 1, 6)},
                       {utc(2026, 4, 2, 2), utc(2026, 4, 2, 3)},
                       {utc(2026, 4, 2, 10), utc(2026, 4, 2, 11)}}));
  EXPECT_TRUE(calendar.intervals("db", kNoLabels, utc(2026, 4, 3), utc(2026, 4, 3)).empty());
  EXPECT_TRUE(calendar.intervals("db", kNoLabels, utc(2026, 4, 3), utc(2026, 4, 1)).empty());
}

TEST(MaintenanceCalendarTest, IntervalsClipWindowsThatStartedBeforeFrom) {
  MaintenanceCalendar calendar({
      recurring("nightly", "0 23 * * *", chr::hours(2), {"db"}),
      oneOff("long", utc(2026, 3, 20), utc(2026, 4, 1, 0, 30), {"db"}),
  });
  EXPECT_EQ(calendar.intervals("db", kNoLabels, utc(2026, 4, 1), utc(2026, 4, 2, 0, 15)),
            (Intervals{{utc(2026, 4, 1), utc(2026, 4, 1, 1)},
                       {utc(2026, 4, 1, 23), utc(2026, 4, 2, 0, 15)}}));
  // An occurrence that ended exactly at `from` is not included.
  EXPECT_EQ(calendar.intervals("db", kNoLabels, utc(2026, 4, 2, 1), utc(2026, 4, 2, 2)),
            Intervals{});
}

TEST(MaintenanceCalendarTest, OverlappingOccurrencesOfOneWindowAreOneInterval) {
  // Every 10 minutes for 15: continuous from the first start to the last end.
  MaintenanceCalendar calendar({recurring("rolling", "*/10 1-2 * * *", chr::minutes(15), {"db"})});
  EXPECT_EQ(calendar.intervals("db", kNoLabels, utc(2026, 4, 1), utc(2026, 4, 2, 12)),
            (Intervals{{utc(2026, 4, 1, 1), utc(2026, 4, 1, 3, 5)},
                       {utc(2026, 4, 2, 1), utc(2026, 4, 2, 3, 5)}}));
  // Every minute for a day: one interval however long the range.
  MaintenanceCalendar always({recurring("always", "* * * * *", chr::hours(24), {"db"})});
  EXPECT_EQ(always.intervals("db", kNoLabels, utc(2026, 1, 1), utc(2027, 1, 1)),
            (Intervals{{utc(2026, 1, 1), utc(2027, 1, 1)}}));
}

// The intervals agree with inMaintenance minute by minute, for a month with an hourly cron.
TEST(MaintenanceCalendarTest, IntervalsAgreeWithInMaintenance) {
  MaintenanceWindow byLabel = recurring("weekdays", "0 9 * * MON-FRI", chr::minutes(90), {});
  byLabel.labels = matchers(R"(team="db")");
  MaintenanceCalendar calendar({
      recurring("hourly", "15 * * * *", chr::minutes(30), {"db"}),
      byLabel,
      oneOff("upgrade", utc(2026, 2, 10, 12, 40), utc(2026, 2, 12, 7, 7), {"db"}),
  });
  const Labels team{{"team", "db"}};
  const WallTime from = utc(2026, 2, 1, 0, 20);
  const WallTime to = utc(2026, 3, 1);
  Intervals intervals = calendar.intervals("db", team, from, to);
  ASSERT_GT(intervals.size(), 600u);
  std::size_t k = 0;
  for (WallTime t = from; t < to; t += chr::minutes(1)) {
    while (k < intervals.size() && intervals[k].second <= t)
      ++k;
    bool inInterval = k < intervals.size() && intervals[k].first <= t;
    ASSERT_EQ(inInterval, calendar.inMaintenance("db", team, t)) << toUnixMillis(t);
  }
  for (std::size_t i = 1; i < intervals.size(); ++i) {
    EXPECT_LT(intervals[i - 1].second, intervals[i].first);  // sorted, merged
  }
}

TEST(MaintenanceCalendarTest, NextChange) {
  MaintenanceCalendar calendar({
      recurring("nightly", "0 3 * * *", chr::minutes(30), {"db"}),
      oneOff("upgrade", utc(2026, 4, 1, 10), utc(2026, 4, 1, 11), {"db"}),
  });
  EXPECT_EQ(calendar.nextChange("db", kNoLabels, utc(2026, 4, 1, 1)), utc(2026, 4, 1, 3));
  EXPECT_EQ(calendar.nextChange("db", kNoLabels, utc(2026, 4, 1, 3)), utc(2026, 4, 1, 3, 30));
  EXPECT_EQ(calendar.nextChange("db", kNoLabels, utc(2026, 4, 1, 3, 30)), utc(2026, 4, 1, 10));
  EXPECT_EQ(calendar.nextChange("db", kNoLabels, utc(2026, 4, 1, 10, 1)), utc(2026, 4, 1, 11));
  EXPECT_EQ(calendar.nextChange("db", kNoLabels, utc(2026, 4, 1, 11)), utc(2026, 4, 2, 3));
  EXPECT_EQ(calendar.nextChange("web", kNoLabels, utc(2026, 4, 1, 1)), std::nullopt);
  // Up to the next change, the answer holds.
  for (WallTime t = utc(2026, 4, 1); t < utc(2026, 4, 3);) {
    auto change = calendar.nextChange("db", kNoLabels, t);
    ASSERT_TRUE(change.has_value());
    ASSERT_GT(*change, t);
    bool state = calendar.inMaintenance("db", kNoLabels, t);
    EXPECT_EQ(calendar.inMaintenance("db", kNoLabels, *change - Millis(1)), state);
    EXPECT_NE(calendar.inMaintenance("db", kNoLabels, *change), state);
    t = *change;
  }
}

TEST(MaintenanceCalendarTest, SaturatesAtTheEndsOfTime) {
  MaintenanceCalendar calendar({recurring("yearly", "@yearly", chr::days(366), {"db"}),
                                oneOff("ever", WallTime::min(), WallTime::max(), {"web"})});
  const WallTime last = WallTime::max() - chr::hours(1);
  EXPECT_TRUE(calendar.inMaintenance("db", kNoLabels, last));
  EXPECT_EQ(calendar.intervals("db", kNoLabels, last, WallTime::max()),
            (Intervals{{last, WallTime::max()}}));
  EXPECT_EQ(calendar.nextChange("db", kNoLabels, last), WallTime::max());
  EXPECT_FALSE(calendar.inMaintenance("db", kNoLabels, WallTime::min()));
  EXPECT_TRUE(calendar.inMaintenance("web", kNoLabels, WallTime::min()));
  EXPECT_EQ(calendar.nextChange("web", kNoLabels, WallTime::min()), WallTime::max());
}

TEST(LabelMatchersTest, ParsesOneOrAListWithOrWithoutBraces) {
  auto one = matchers(R"(team="db")");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].str(), R"(team="db")");
  auto list = matchers(R"( { team = "db" , env=~'prod|staging', zone!="a", x!~"y.*" } )");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].str(), R"(team="db")");
  EXPECT_EQ(list[1].str(), R"(env=~"prod|staging")");
  EXPECT_EQ(list[2].type, LabelMatcher::Type::kNotEqual);
  EXPECT_EQ(list[3].type, LabelMatcher::Type::kRegexNoMatch);
  // A lone negative matcher is fine here (PromQL refuses it only as a whole selector).
  EXPECT_EQ(matchers(R"(team!="")").size(), 1u);
}

TEST(LabelMatchersTest, ErrorsQuoteTheText) {
  for (const char* bad :
       {"", "{}", R"(team)", R"(team=db)", R"(team=="db")", R"(team="db)", R"(env=~"(")",
        R"(team="db"} or {x="y")", R"(team="db"} # comment)", R"(1team="db")", "{# all}"}) {
    SCOPED_TRACE(bad);
    auto parsed = parseLabelMatchers(bad);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find(std::string("'") + bad + "'"), std::string::npos)
        << parsed.error().message;
  }
  EXPECT_EQ(parseLabelMatchers(R"(team=db)").error().message,
            R"(invalid label matcher 'team=db': unexpected "db", expected a quoted label value)");
}

TEST(ValidateWindowTest, AcceptsWellFormedWindows) {
  EXPECT_TRUE(validateWindow(oneOff("a", utc(2026, 1, 1), utc(2026, 1, 2), {"x"})).ok());
  MaintenanceWindow byLabel = recurring("b", "@daily", chr::minutes(30), {});
  byLabel.labels = matchers(R"(team="db")");
  EXPECT_TRUE(validateWindow(byLabel).ok());
}

TEST(ValidateWindowTest, RefusesMalformedWindows) {
  auto problem = [](const MaintenanceWindow& w) {
    Status s = validateWindow(w);
    return s.ok() ? std::string("ok") : s.error().message;
  };
  MaintenanceWindow w = oneOff("a", utc(2026, 1, 2), utc(2026, 1, 1), {"x"});
  EXPECT_EQ(problem(w), "maintenance window 'a': end must be after start");
  w.end.reset();
  EXPECT_EQ(problem(w), "maintenance window 'a': needs both start and end");
  w.end = utc(2026, 1, 3);
  w.duration = chr::minutes(5);
  EXPECT_EQ(problem(w),
            "maintenance window 'a': give either start and end, or every and duration, not both");
  w = recurring("r", "0 3 * * *", Millis(0), {"x"});
  EXPECT_EQ(problem(w), "maintenance window 'r': every needs a positive duration");
  w.duration = chr::days(367);
  EXPECT_EQ(problem(w), "maintenance window 'r': duration must be at most 366d");
  w.every.reset();
  w.duration = chr::hours(1);
  EXPECT_EQ(problem(w), "maintenance window 'r': duration needs every (a cron expression)");
  w.duration = Millis(0);
  EXPECT_EQ(problem(w), "maintenance window 'r': needs start and end, or every and duration");
  w = recurring("never", "0 0 30 2 *", chr::hours(1), {"x"});
  EXPECT_EQ(problem(w),
            "maintenance window 'never': every '0 0 30 2 *' never matches: no month has that day");
  w = recurring("", "0 3 * * *", chr::hours(1), {"x"});
  EXPECT_EQ(problem(w), "maintenance window '': needs a name");
  w = recurring("n", "0 3 * * *", chr::hours(1), {});
  EXPECT_EQ(problem(w), "maintenance window 'n': selects no check: give checks, labels or both");
}

}  // namespace
}  // namespace pharos::health
