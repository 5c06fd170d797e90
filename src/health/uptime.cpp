#include "health/uptime.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

namespace pharos::health {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;

std::int64_t floorHour(std::int64_t t) {
  return t - ((t % kHourMs) + kHourMs) % kHourMs;
}

Result<std::vector<promql::Matcher>> upMatchers(const std::vector<promql::Matcher>& selector,
                                                bool maintenance) {
  std::vector<promql::Matcher> m = selector;
  PHAROS_ASSIGN_OR_RETURN(
      promql::Matcher name,
      promql::Matcher::make(promql::Matcher::Type::kEqual, "__name__", "pharos_check_up"));
  m.push_back(std::move(name));
  PHAROS_ASSIGN_OR_RETURN(promql::Matcher flag,
                          promql::Matcher::make(promql::Matcher::Type::kEqual, "maintenance",
                                                maintenance ? "true" : ""));
  m.push_back(std::move(flag));
  return m;
}

// Adds the samples in [from, to) (ms) of the selected series, read raw.
Status addRaw(promql::Queryable& source, const std::vector<promql::Matcher>& m, std::int64_t from,
              std::int64_t to, bool maintenance, std::map<std::string, UptimeFigures>& out) {
  if (from >= to) return okStatus();
  PHAROS_ASSIGN_OR_RETURN(std::vector<promql::SeriesSamples> series,
                          source.select(m, from, to - 1));
  for (const auto& s : series) {
    UptimeFigures& f = out[std::string(s.labels.get("check"))];
    for (const Sample& sample : s.samples) {
      if (sample.t < from || sample.t >= to) continue;
      if (maintenance) {
        ++f.maintenanceRuns;
      } else {
        ++f.runs;
        if (sample.v > 0.5) ++f.upRuns;
      }
    }
  }
  return okStatus();
}

// Adds the hourly buckets starting in [from, to) (both whole hours).
Status addHours(promql::Queryable& source, const std::vector<promql::Matcher>& m, std::int64_t from,
                std::int64_t to, bool maintenance, std::map<std::string, UptimeFigures>& out) {
  if (from >= to) return okStatus();
  PHAROS_ASSIGN_OR_RETURN(std::vector<promql::RollupSeries> series,
                          source.selectRollupsWithoutSketches(m, from, to - kHourMs, kHourMs));
  for (const auto& s : series) {
    UptimeFigures& f = out[std::string(s.labels.get("check"))];
    for (const promql::RollupPoint& p : s.points) {
      if (p.t < from || p.t >= to) continue;
      if (maintenance) {
        f.maintenanceRuns += p.count;
      } else {
        f.runs += p.count;
        // Samples are 0 or 1, so the sum is the count of successful runs.
        f.upRuns += static_cast<std::uint64_t>(std::llround(p.sum));
      }
    }
  }
  return okStatus();
}

}  // namespace

Result<std::map<std::string, UptimeFigures>> uptimeByCheck(
    promql::Queryable& source, const std::vector<promql::Matcher>& selector, WallTime fromTime,
    WallTime toTime) {
  std::map<std::string, UptimeFigures> out;
  std::int64_t from = toUnixMillis(fromTime);
  std::int64_t to = toUnixMillis(toTime);
  if (from >= to) return out;
  std::int64_t innerFrom = std::min(floorHour(from + kHourMs - 1), to);
  std::int64_t innerTo = std::max(floorHour(to), innerFrom);
  for (bool maintenance : {false, true}) {
    PHAROS_ASSIGN_OR_RETURN(std::vector<promql::Matcher> m, upMatchers(selector, maintenance));
    PHAROS_TRY(addRaw(source, m, from, innerFrom, maintenance, out));
    PHAROS_TRY(addHours(source, m, innerFrom, innerTo, maintenance, out));
    PHAROS_TRY(addRaw(source, m, std::max(innerTo, innerFrom), to, maintenance, out));
  }
  return out;
}

Result<ReportPeriod> parseReportPeriod(std::string_view text) {
  if (text == "day") return ReportPeriod::kDay;
  if (text == "week") return ReportPeriod::kWeek;
  if (text == "month") return ReportPeriod::kMonth;
  if (text == "quarter") return ReportPeriod::kQuarter;
  if (text == "year") return ReportPeriod::kYear;
  return makeError(
      ErrorCode::kInvalidArgument,
      fmt::format("unknown period '{}' (expected day, week, month, quarter or year)", text));
}

std::pair<WallTime, WallTime> periodBounds(ReportPeriod period, WallTime at) {
  using namespace std::chrono;
  sys_days day = floor<days>(at);
  year_month_day ymd{day};
  sys_days start = day;
  sys_days end = day + days(1);
  switch (period) {
    case ReportPeriod::kDay:
      break;
    case ReportPeriod::kWeek: {
      // Monday: weekday's c_encoding is 0 for Sunday.
      unsigned fromMonday = (weekday{day}.c_encoding() + 6) % 7;
      start = day - days(fromMonday);
      end = start + days(7);
      break;
    }
    case ReportPeriod::kMonth:
      start = sys_days{ymd.year() / ymd.month() / 1};
      end = sys_days{(year_month{ymd.year() / ymd.month()} + months(1)) / 1};
      break;
    case ReportPeriod::kQuarter: {
      unsigned first = ((static_cast<unsigned>(ymd.month()) - 1) / 3) * 3 + 1;
      year_month q{ymd.year() / month{first}};
      start = sys_days{q / 1};
      end = sys_days{(q + months(3)) / 1};
      break;
    }
    case ReportPeriod::kYear:
      start = sys_days{ymd.year() / January / 1};
      end = sys_days{(ymd.year() + years(1)) / January / 1};
      break;
  }
  return {time_point_cast<WallTime::duration>(start), time_point_cast<WallTime::duration>(end)};
}

}  // namespace pharos::health
