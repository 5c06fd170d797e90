#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "promql/matcher.h"
#include "promql/queryable.h"

namespace pharos::health {

// Runs of one check in a time range, from its pharos_check_up samples.
struct UptimeFigures {
  std::uint64_t runs = 0;             // outside maintenance
  std::uint64_t upRuns = 0;           // of those, successful
  std::uint64_t maintenanceRuns = 0;  // inside a maintenance window: excluded from the ratio
  // upRuns / runs; nullopt when there was no run to judge.
  std::optional<double> ratio() const {
    if (runs == 0) return std::nullopt;
    return static_cast<double>(upRuns) / static_cast<double>(runs);
  }
};

// Uptime per check (by the `check` label) over [from, to), for the checks whose labels match
// `selector` (empty: every check). Whole hours come from the hourly rollups (count and sum
// of pharos_check_up), the partial hours at the edges from raw samples, so a month of a
// thousand checks is read in hundreds of thousands of buckets rather than hundreds of
// millions of samples, and the answer is still exact.
Result<std::map<std::string, UptimeFigures>> uptimeByCheck(
    promql::Queryable& source, const std::vector<promql::Matcher>& selector, WallTime from,
    WallTime to);

// Calendar-aligned report periods, in UTC.
enum class ReportPeriod { kDay, kWeek, kMonth, kQuarter, kYear };
Result<ReportPeriod> parseReportPeriod(std::string_view text);
// The period containing `at`: [start, end). Weeks start on Monday (ISO 8601).
std::pair<WallTime, WallTime> periodBounds(ReportPeriod period, WallTime at);

}  // namespace pharos::health
