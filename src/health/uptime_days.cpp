#include "health/uptime_days.h"

#include <algorithm>

#include "health/schema.h"

namespace pharos::health {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::int64_t floorDay(std::int64_t t) {
  return t - ((t % kDayMs) + kDayMs) % kDayMs;
}

void add(UptimeFigures& into, const UptimeFigures& f) {
  into.runs += f.runs;
  into.upRuns += f.upRuns;
  into.maintenanceRuns += f.maintenanceRuns;
}

}  // namespace

Result<std::unique_ptr<UptimeDays>> UptimeDays::open(store::Store& store) {
  PHAROS_TRY(store.migrate(migrations()));
  return std::unique_ptr<UptimeDays>(new UptimeDays(store));
}

Result<std::optional<std::pair<std::int64_t, std::int64_t>>> UptimeDays::writtenDays() {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query("SELECT MIN(day_ms), MAX(day_ms), COUNT(*) FROM health_uptime_days_done"));
  if (rows.empty() || !std::holds_alternative<std::int64_t>(rows[0].at(0))) {
    return std::optional<std::pair<std::int64_t, std::int64_t>>();
  }
  std::int64_t first = rows[0].integer(0);
  std::int64_t last = rows[0].integer(1);
  // compact() writes days in order from the first; a gap would mean someone else wrote.
  if ((last - first) / kDayMs + 1 != rows[0].integer(2)) {
    return makeError(ErrorCode::kDataLoss, "health_uptime_days_done has gaps");
  }
  return std::optional(std::pair(first, last + kDayMs));
}

Result<int> UptimeDays::compact(promql::Queryable& source, WallTime since, WallTime now) {
  PHAROS_ASSIGN_OR_RETURN(auto written, writtenDays());
  std::int64_t today = floorDay(toUnixMillis(now));
  std::int64_t day = written ? written->second : floorDay(toUnixMillis(since));
  int count = 0;
  for (; day < today; day += kDayMs) {
    PHAROS_ASSIGN_OR_RETURN(
        auto figures, uptimeByCheck(source, {}, fromUnixMillis(day), fromUnixMillis(day + kDayMs)));
    PHAROS_TRY(store_.transaction([&](store::Session& s) -> Status {
      for (const auto& [check, f] : figures) {
        PHAROS_TRY(s.execute(
            "INSERT INTO health_uptime_days (check_name, day_ms, runs, up_runs, "
            "maintenance_runs) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day_ms, check_name) "
            "DO UPDATE SET runs = excluded.runs, up_runs = excluded.up_runs, "
            "maintenance_runs = excluded.maintenance_runs",
            {check, day, static_cast<std::int64_t>(f.runs), static_cast<std::int64_t>(f.upRuns),
             static_cast<std::int64_t>(f.maintenanceRuns)}));
      }
      PHAROS_TRY(
          s.execute("INSERT INTO health_uptime_days_done (day_ms) VALUES ($1) ON CONFLICT "
                    "(day_ms) DO NOTHING",
                    {day}));
      return okStatus();
    }));
    ++count;
  }
  return count;
}

Result<std::map<std::string, UptimeFigures>> UptimeDays::uptime(
    promql::Queryable& source, const std::vector<promql::Matcher>& selector,
    const std::optional<std::set<std::string>>& checks, WallTime fromTime, WallTime toTime) {
  std::int64_t from = toUnixMillis(fromTime);
  std::int64_t to = toUnixMillis(toTime);
  std::map<std::string, UptimeFigures> out;
  if (from >= to) return out;
  // Whole written days inside the range come from rows.
  std::int64_t daysFrom = floorDay(from + kDayMs - 1);
  std::int64_t daysTo = floorDay(to);
  PHAROS_ASSIGN_OR_RETURN(auto written, writtenDays());
  if (written) {
    daysFrom = std::max(daysFrom, written->first);
    daysTo = std::min(daysTo, written->second);
  }
  if (!written || daysFrom >= daysTo) {
    daysFrom = daysTo = from;  // nothing from rows: all of it from the source
  }
  auto keep = [&](const std::string& check) { return !checks || checks->contains(check); };
  auto live = [&](std::int64_t a, std::int64_t b) -> Status {
    if (a >= b) return okStatus();
    PHAROS_ASSIGN_OR_RETURN(auto figures,
                            uptimeByCheck(source, selector, fromUnixMillis(a), fromUnixMillis(b)));
    for (const auto& [check, f] : figures) {
      if (keep(check)) add(out[check], f);
    }
    return okStatus();
  };
  PHAROS_TRY(live(from, daysFrom));
  if (daysFrom < daysTo) {
    PHAROS_ASSIGN_OR_RETURN(
        store::Rows rows,
        store_.query("SELECT check_name, SUM(runs), SUM(up_runs), SUM(maintenance_runs) FROM "
                     "health_uptime_days WHERE day_ms >= $1 AND day_ms < $2 GROUP BY check_name",
                     {daysFrom, daysTo}));
    for (const store::Row& row : rows) {
      if (!keep(row.text(0))) continue;
      UptimeFigures f;
      f.runs = static_cast<std::uint64_t>(row.integer(1));
      f.upRuns = static_cast<std::uint64_t>(row.integer(2));
      f.maintenanceRuns = static_cast<std::uint64_t>(row.integer(3));
      add(out[row.text(0)], f);
    }
  }
  PHAROS_TRY(live(std::max(daysTo, daysFrom), to));
  return out;
}

Result<std::map<std::string, std::vector<std::optional<double>>>> UptimeDays::daily(
    promql::Queryable& source, const std::vector<promql::Matcher>& selector,
    const std::optional<std::set<std::string>>& checks, int days, WallTime nowTime) {
  std::map<std::string, std::vector<std::optional<double>>> out;
  if (days <= 0) return out;
  std::int64_t now = toUnixMillis(nowTime);
  std::int64_t first = floorDay(now) - static_cast<std::int64_t>(days - 1) * kDayMs;
  auto keep = [&](const std::string& check) { return !checks || checks->contains(check); };
  auto put = [&](const std::string& check, int day, const UptimeFigures& f) {
    auto& row = out[check];
    row.resize(static_cast<std::size_t>(days));
    row[static_cast<std::size_t>(day)] = f.ratio();
  };
  PHAROS_ASSIGN_OR_RETURN(auto written, writtenDays());
  std::int64_t rowsFrom = written ? std::max(first, written->first) : now;
  std::int64_t rowsTo = written ? std::min(floorDay(now), written->second) : now;
  if (rowsFrom < rowsTo) {
    PHAROS_ASSIGN_OR_RETURN(
        store::Rows rows,
        store_.query("SELECT check_name, day_ms, runs, up_runs, maintenance_runs FROM "
                     "health_uptime_days WHERE day_ms >= $1 AND day_ms < $2",
                     {rowsFrom, rowsTo}));
    for (const store::Row& row : rows) {
      if (!keep(row.text(0))) continue;
      UptimeFigures f;
      f.runs = static_cast<std::uint64_t>(row.integer(2));
      f.upRuns = static_cast<std::uint64_t>(row.integer(3));
      f.maintenanceRuns = static_cast<std::uint64_t>(row.integer(4));
      put(row.text(0), static_cast<int>((row.integer(1) - first) / kDayMs), f);
    }
  }
  for (int day = 0; day < days; ++day) {
    std::int64_t start = first + day * kDayMs;
    if (start >= rowsFrom && start < rowsTo) continue;  // read from the rows above
    std::int64_t end = std::min(start + kDayMs, now);
    if (start >= end) continue;
    PHAROS_ASSIGN_OR_RETURN(
        auto figures, uptimeByCheck(source, selector, fromUnixMillis(start), fromUnixMillis(end)));
    for (const auto& [check, f] : figures) {
      if (keep(check)) put(check, day, f);
    }
  }
  return out;
}

}  // namespace pharos::health
