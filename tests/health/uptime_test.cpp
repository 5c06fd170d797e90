// Uptime from a real metrics store, checked against a brute-force count of the samples written:
// three days of runs of three checks, with failures and maintenance, through the recorder,
// flushed so whole hours come from the hourly rollups. And report periods against an oracle
// built on the C library's calendar (timegm/gmtime_r).
#include "health/uptime.h"
#include "health/uptime_days.h"

#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fakes/manual_clock.h"
#include "health/health_test_util.h"

namespace pharos::health {
namespace {

using testing::eq;
using testing::HealthStores;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
// 2024-02-27 13:17:41.250 UTC: neither the start nor the span is aligned to anything.
constexpr std::int64_t kStart = 1'709'039'861'250;
constexpr std::int64_t kEnd = kStart + 3 * kDay;

struct RecordedRun {
  std::string check;
  std::int64_t t;
  bool ok;
  bool maintenance;
};

struct Schedule {
  std::string check;
  std::string team;
  std::int64_t every;
  std::int64_t offset;
};

class UptimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(stores_.open());
    std::mt19937_64 random(20240229);
    std::bernoulli_distribution fails(0.04);
    for (const Schedule& s : kSchedules) {
      for (std::int64_t t = kStart + s.offset; t < kEnd; t += s.every) {
        RecordedRun run{s.check, t, !fails(random), inMaintenance(s.check, t)};
        // b is down for 40 minutes across an hour boundary on the second day.
        if (s.check == "b" && t >= kStart + kDay + 25 * 60'000 && t < kStart + kDay + 65 * 60'000)
          run.ok = false;
        runs_.push_back(run);
        RecordedResult r;
        r.series = std::make_shared<CheckSeries>(
            s.check, Labels{{"check", s.check}, {"team", s.team}, {"type", "http"}});
        r.at = fromUnixMillis(t);
        r.result.ok = run.ok;
        r.result.latencyMs = 3;
        r.result.error = run.ok ? "" : "unexpected status 503";
        r.maintenance = run.maintenance;
        stores_.recorder().add(std::move(r));
      }
    }
    Status flushed = stores_.recorder().flush();
    ASSERT_TRUE(flushed.ok()) << flushed.error().toString();
    // Everything sealed and persisted with its rollups, as hours later.
    clock_.advance(Millis(3 * kHour));
    Status sealed = stores_.metrics().flush(metrics::MetricsStore::Checkpoint::kNow);
    ASSERT_TRUE(sealed.ok()) << sealed.error().toString();
  }

  // a: every night 02:00-04:00 UTC; c: one afternoon 13:07-13:52 on the first day.
  static bool inMaintenance(const std::string& check, std::int64_t t) {
    std::int64_t ofDay = t % kDay;
    if (check == "a") return ofDay >= 2 * kHour && ofDay < 4 * kHour;
    std::int64_t day = kStart - kStart % kDay + kDay;
    if (check == "c")
      return t >= day + 13 * kHour + 7 * 60'000 && t < day + 13 * kHour + 52 * 60'000;
    return false;
  }

  std::map<std::string, UptimeFigures> bruteForce(std::int64_t from, std::int64_t to,
                                                  const std::string& team = {}) const {
    std::map<std::string, UptimeFigures> out;
    for (const RecordedRun& r : runs_) {
      if (r.t < from || r.t >= to) continue;
      if (!team.empty() && teamOf(r.check) != team) continue;
      UptimeFigures& f = out[r.check];
      if (r.maintenance) {
        ++f.maintenanceRuns;
      } else {
        ++f.runs;
        f.upRuns += r.ok ? 1 : 0;
      }
    }
    return out;
  }

  static std::string teamOf(const std::string& check) {
    for (const Schedule& s : kSchedules)
      if (s.check == check) return s.team;
    return {};
  }

  void expectExact(std::int64_t from, std::int64_t to, const std::string& team = {}) {
    std::vector<promql::Matcher> selector;
    if (!team.empty()) selector.push_back(eq("team", team));
    auto got = uptimeByCheck(stores_.metrics(), selector, fromUnixMillis(from), fromUnixMillis(to));
    ASSERT_TRUE(got.ok()) << got.error().toString();
    std::map<std::string, UptimeFigures> want = bruteForce(from, to, team);
    std::string range = "[" + std::to_string(from - kStart) + ", " + std::to_string(to - kStart) +
                        ") after the start, team '" + team + "'";
    // A check the range holds no run of may be absent or all zeros.
    for (const auto& [check, f] : *got) {
      if (want.contains(check)) continue;
      EXPECT_EQ(f.runs + f.maintenanceRuns, 0u) << check << " " << range;
    }
    for (const auto& [check, w] : want) {
      auto it = got->find(check);
      ASSERT_NE(it, got->end()) << check << " " << range;
      EXPECT_EQ(it->second.runs, w.runs) << check << " " << range;
      EXPECT_EQ(it->second.upRuns, w.upRuns) << check << " " << range;
      EXPECT_EQ(it->second.maintenanceRuns, w.maintenanceRuns) << check << " " << range;
    }
  }

  static inline const std::vector<Schedule> kSchedules = {
      {"a", "db", 10'000, 0}, {"b", "db", 15'000, 7'000}, {"c", "web", 60'000, 31'500}};
  pharos::testing::ManualClock clock_{fromUnixMillis(kEnd + 60'000)};
  HealthStores stores_{clock_};
  std::vector<RecordedRun> runs_;
};

TEST_F(UptimeTest, MatchesABruteForceCountOverAlignedAndUnalignedRanges) {
  std::int64_t firstHour = kStart - kStart % kHour + kHour;
  // The whole span, and more on both sides.
  expectExact(kStart, kEnd);
  expectExact(kStart - kDay, kEnd + kDay);
  // Whole hours only, then edges inside hours on one side or both.
  expectExact(firstHour, firstHour + 30 * kHour);
  expectExact(firstHour + 17 * 60'000 + 333, firstHour + 30 * kHour);
  expectExact(firstHour, firstHour + 30 * kHour + 59 * 60'000 + 999);
  expectExact(firstHour - 1, firstHour + 2 * kHour + 1);
  // Inside one hour, and across one boundary.
  expectExact(firstHour + 10 * 60'000, firstHour + 50 * 60'000);
  expectExact(firstHour + 50 * 60'000, firstHour + kHour + 10 * 60'000);
  // b's outage and a's maintenance nights, ending exactly on a run (exclusive).
  expectExact(kStart + kDay, kStart + kDay + 2 * kHour);
  expectExact(kStart + kDay + 25 * 60'000, kStart + kDay + 25 * 60'000 + 15'000 * 100);
  // Selected by label.
  expectExact(kStart, kEnd, "db");
  expectExact(firstHour + 5 * 60'000, firstHour + 40 * kHour, "web");

  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::int64_t> at(kStart - kHour, kEnd + kHour);
  for (int i = 0; i < 40; ++i) {
    std::int64_t a = at(random);
    std::int64_t b = at(random);
    expectExact(std::min(a, b), std::max(a, b));
  }
}

TEST_F(UptimeTest, EmptyAndInvertedRangesHaveNoRuns) {
  auto empty = uptimeByCheck(stores_.metrics(), {}, fromUnixMillis(kStart + kDay),
                             fromUnixMillis(kStart + kDay));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto inverted =
      uptimeByCheck(stores_.metrics(), {}, fromUnixMillis(kEnd), fromUnixMillis(kStart));
  ASSERT_TRUE(inverted.ok());
  EXPECT_TRUE(inverted->empty());
  auto before = uptimeByCheck(stores_.metrics(), {}, fromUnixMillis(kStart - 2 * kDay),
                              fromUnixMillis(kStart - kDay));
  ASSERT_TRUE(before.ok());
  for (const auto& [check, f] : *before) {
    EXPECT_EQ(f.runs + f.maintenanceRuns, 0u) << check;
    EXPECT_FALSE(f.ratio().has_value());
  }
}

TEST_F(UptimeTest, RatioLeavesMaintenanceOut) {
  auto got = uptimeByCheck(stores_.metrics(), {eq("check", "a")}, fromUnixMillis(kStart),
                           fromUnixMillis(kEnd));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  const UptimeFigures& a = got->at("a");
  EXPECT_EQ(a.runs + a.maintenanceRuns, static_cast<std::uint64_t>(3 * kDay / 10'000));
  EXPECT_EQ(a.maintenanceRuns, static_cast<std::uint64_t>(3 * 2 * kHour / 10'000));
  ASSERT_TRUE(a.ratio().has_value());
  EXPECT_DOUBLE_EQ(*a.ratio(), static_cast<double>(a.upRuns) / static_cast<double>(a.runs));
  EXPECT_GT(*a.ratio(), 0.9);
  EXPECT_LT(*a.ratio(), 1.0);
}

// Each UTC day's uptime, as the status pages and the checks page show it: the same whether a
// day comes from the live rollups or from the compacted daily rows.
TEST_F(UptimeTest, DailyUptimeMatchesABruteForceCountPerDayBeforeAndAfterCompaction) {
  auto days = UptimeDays::open(stores_.store());
  ASSERT_TRUE(days.ok()) << days.error().toString();
  std::int64_t now = kEnd + kHour;
  std::int64_t firstDay = now - now % kDay - 4 * kDay;  // five days, the first before kStart
  auto check = [&](const char* when) {
    auto got = (*days)->daily(stores_.metrics(), {}, std::nullopt, 5, fromUnixMillis(now));
    ASSERT_TRUE(got.ok()) << got.error().toString();
    for (const std::string check : {"a", "b", "c"}) {
      ASSERT_TRUE(got->contains(check)) << check << " " << when;
      const auto& row = got->at(check);
      ASSERT_EQ(row.size(), 5u);
      for (int d = 0; d < 5; ++d) {
        std::int64_t from = firstDay + d * kDay;
        auto want = bruteForce(from, std::min(from + kDay, now))[check].ratio();
        ASSERT_EQ(row[d].has_value(), want.has_value()) << check << " day " << d << " " << when;
        if (want) {
          EXPECT_DOUBLE_EQ(*row[d], *want) << check << " day " << d << " " << when;
        }
      }
    }
  };
  check("live");
  auto written =
      (*days)->compact(stores_.metrics(), fromUnixMillis(kStart - kDay), fromUnixMillis(now));
  ASSERT_TRUE(written.ok()) << written.error().toString();
  EXPECT_GT(*written, 0);
  check("compacted");
}

// The period containing `at`, from the C library's calendar.
std::pair<std::int64_t, std::int64_t> oracle(ReportPeriod period, std::int64_t atMs) {
  std::time_t seconds = static_cast<std::time_t>(atMs >= 0 ? atMs / 1000 : (atMs - 999) / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  auto at = [](int year, int month, int day) {
    std::tm t{};
    t.tm_year = year;
    t.tm_mon = month;
    t.tm_mday = day;
    return static_cast<std::int64_t>(timegm(&t)) * 1000;
  };
  switch (period) {
    case ReportPeriod::kDay:
      return {at(tm.tm_year, tm.tm_mon, tm.tm_mday), at(tm.tm_year, tm.tm_mon, tm.tm_mday + 1)};
    case ReportPeriod::kWeek: {
      int back = (tm.tm_wday + 6) % 7;  // tm_wday: 0 is Sunday
      return {at(tm.tm_year, tm.tm_mon, tm.tm_mday - back),
              at(tm.tm_year, tm.tm_mon, tm.tm_mday - back + 7)};
    }
    case ReportPeriod::kMonth:
      return {at(tm.tm_year, tm.tm_mon, 1), at(tm.tm_year, tm.tm_mon + 1, 1)};
    case ReportPeriod::kQuarter:
      return {at(tm.tm_year, tm.tm_mon / 3 * 3, 1), at(tm.tm_year, tm.tm_mon / 3 * 3 + 3, 1)};
    case ReportPeriod::kYear:
      return {at(tm.tm_year, 0, 1), at(tm.tm_year + 1, 0, 1)};
  }
  return {};
}

std::int64_t utc(int year, int month, int day, int hour = 0) {
  std::tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  return static_cast<std::int64_t>(timegm(&t)) * 1000;
}

std::pair<std::int64_t, std::int64_t> bounds(ReportPeriod period, std::int64_t atMs) {
  auto [start, end] = periodBounds(period, fromUnixMillis(atMs));
  return {toUnixMillis(start), toUnixMillis(end)};
}

TEST(PeriodBoundsTest, CalendarPeriodsInUtc) {
  using P = ReportPeriod;
  std::int64_t leapDay = utc(2024, 2, 29, 13);
  EXPECT_EQ(bounds(P::kDay, leapDay), std::pair(utc(2024, 2, 29), utc(2024, 3, 1)));
  // Weeks start on Monday: 2024-02-26 is one, 2024-03-03 a Sunday.
  EXPECT_EQ(bounds(P::kWeek, leapDay), std::pair(utc(2024, 2, 26), utc(2024, 3, 4)));
  EXPECT_EQ(bounds(P::kWeek, utc(2024, 3, 3, 23)), std::pair(utc(2024, 2, 26), utc(2024, 3, 4)));
  EXPECT_EQ(bounds(P::kWeek, utc(2024, 2, 26)), std::pair(utc(2024, 2, 26), utc(2024, 3, 4)));
  EXPECT_EQ(bounds(P::kWeek, utc(2024, 12, 31)), std::pair(utc(2024, 12, 30), utc(2025, 1, 6)));
  // February has 29 days in a leap year, 28 otherwise, and 28 in 2100.
  EXPECT_EQ(bounds(P::kMonth, leapDay), std::pair(utc(2024, 2, 1), utc(2024, 3, 1)));
  EXPECT_EQ(bounds(P::kMonth, utc(2023, 2, 28)), std::pair(utc(2023, 2, 1), utc(2023, 3, 1)));
  EXPECT_EQ(bounds(P::kMonth, utc(2100, 2, 28)).second - utc(2100, 2, 1), 28 * kDay);
  EXPECT_EQ(bounds(P::kMonth, utc(2000, 2, 29)).second - utc(2000, 2, 1), 29 * kDay);
  EXPECT_EQ(bounds(P::kMonth, utc(2024, 12, 31, 23)), std::pair(utc(2024, 12, 1), utc(2025, 1, 1)));
  EXPECT_EQ(bounds(P::kQuarter, leapDay), std::pair(utc(2024, 1, 1), utc(2024, 4, 1)));
  EXPECT_EQ(bounds(P::kQuarter, utc(2024, 11, 15)), std::pair(utc(2024, 10, 1), utc(2025, 1, 1)));
  EXPECT_EQ(bounds(P::kYear, leapDay), std::pair(utc(2024, 1, 1), utc(2025, 1, 1)));
  EXPECT_EQ(bounds(P::kYear, leapDay).second - bounds(P::kYear, leapDay).first, 366 * kDay);
  EXPECT_EQ(bounds(P::kYear, utc(2023, 6, 1)).second - utc(2023, 1, 1), 365 * kDay);
  EXPECT_EQ(bounds(P::kYear, utc(2100, 6, 1)).second - utc(2100, 1, 1), 365 * kDay);
  // The last millisecond of a period is in it; the next one starts the next.
  EXPECT_EQ(bounds(P::kMonth, utc(2024, 3, 1) - 1).first, utc(2024, 2, 1));
  EXPECT_EQ(bounds(P::kMonth, utc(2024, 3, 1)).first, utc(2024, 3, 1));
}

TEST(PeriodBoundsTest, AgreesWithTheCLibraryCalendar) {
  std::mt19937_64 random(1);
  // 1970 to 2200, and the days around each leap day in that span.
  std::uniform_int_distribution<std::int64_t> at(0, utc(2200, 1, 1) - 1);
  std::vector<std::int64_t> times;
  for (int i = 0; i < 20'000; ++i)
    times.push_back(at(random));
  for (int year = 1972; year < 2200; year += 4) {
    for (std::int64_t t : {utc(year, 2, 28, 23), utc(year, 2, 29), utc(year, 3, 1) - 1,
                           utc(year, 3, 1), utc(year, 12, 31, 23), utc(year + 1, 1, 1)})
      times.push_back(t);
  }
  for (std::int64_t t : times) {
    for (ReportPeriod p : {ReportPeriod::kDay, ReportPeriod::kWeek, ReportPeriod::kMonth,
                           ReportPeriod::kQuarter, ReportPeriod::kYear}) {
      auto got = bounds(p, t);
      ASSERT_EQ(got, oracle(p, t)) << "at " << t << " period " << static_cast<int>(p);
      ASSERT_LE(got.first, t);
      ASSERT_LT(t, got.second);
    }
  }
}

TEST(PeriodBoundsTest, ParsesPeriodNames) {
  EXPECT_EQ(parseReportPeriod("day").value(), ReportPeriod::kDay);
  EXPECT_EQ(parseReportPeriod("week").value(), ReportPeriod::kWeek);
  EXPECT_EQ(parseReportPeriod("month").value(), ReportPeriod::kMonth);
  EXPECT_EQ(parseReportPeriod("quarter").value(), ReportPeriod::kQuarter);
  EXPECT_EQ(parseReportPeriod("year").value(), ReportPeriod::kYear);
  auto bad = parseReportPeriod("fortnight");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("'fortnight'"), std::string::npos);
}

}  // namespace
}  // namespace pharos::health
