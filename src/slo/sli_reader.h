#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/labels.h"
#include "core/result.h"
#include "health/maintenance.h"
#include "promql/queryable.h"
#include "slo/event_history.h"
#include "slo/slo_spec.h"

namespace pharos::slo {

using Interval = std::pair<std::int64_t, std::int64_t>;  // [start, end) in ms

// The periods whose events an SLO leaves out: its own `exclude` list and, for a check SLI,
// each check's maintenance windows.
class Exclusions {
 public:
  // `maintenance` may be null (no calendar) and must outlive this.
  Exclusions(const SloSpec& spec, const health::MaintenanceCalendar* maintenance);

  // Sorted, merged intervals excluded for the series `labels` within [from, to).
  std::vector<Interval> intervals(const Labels& labels, std::int64_t from, std::int64_t to) const;
  bool empty() const { return own_.windows().empty() && maintenance_ == nullptr; }

 private:
  health::MaintenanceCalendar own_;
  const health::MaintenanceCalendar* maintenance_;  // null unless a check SLI has a calendar
};

// Reads an SLO's events from the metrics store into its EventHistory: once the history of
// the window from rollups (backfill), then each round only the raw samples since the last
// one (read). Remembers, per series, the last sample counted, so a sample is counted once even
// when rounds overlap (they do, by kLateMs, to catch samples appended late) and a counter's
// first new sample has its predecessor.
//
// Exclusions are exact: a rollup bucket that overlaps an excluded period is read again raw
// (or, when raw samples have expired, from 1-minute buckets, each judged by its start).
class SliReader {
 public:
  // Samples appended up to this long after their timestamp are still counted.
  static constexpr std::int64_t kLateMs = 120'000;

  SliReader(std::shared_ptr<const SloSpec> spec, const health::MaintenanceCalendar* maintenance);

  // Reads [from, fineFrom) from hourly rollups and [fineFrom, the minute of `now`) from
  // 1-minute rollups; read() continues from there.
  Status backfill(promql::Queryable& source, EventHistory& history, std::int64_t from,
                  std::int64_t fineFrom, std::int64_t now);
  // Reads the raw samples since the last read (or the backfill) up to `now`.
  Status read(promql::Queryable& source, EventHistory& history, std::int64_t now);

  // Something the user should fix, found in the data: no series match, or a latency
  // threshold that is not a bucket bound. Empty when none.
  std::string dataProblem(promql::Queryable& source, std::int64_t now) const;

  std::size_t series() const;
  std::size_t memoryBytes() const;

 private:
  enum class Role { kSamples, kGoodCounter, kTotalCounter };
  struct Cursor {
    std::int64_t lastT = 0;
    double lastV = 0;
  };
  struct Stream {
    Role role;
    std::vector<promql::Matcher> matchers;
    std::unordered_map<std::uint64_t, Cursor> cursors;  // by series labels' hash
  };

  EventCounts rollupEvents(const Stream& s, const promql::RollupPoint& p) const;
  EventCounts sampleEvents(const Stream& s, double v, double increase) const;
  // Rollup buckets of `resolution` starting in [from, to); only the series `only` when given.
  Status readRollups(promql::Queryable& source, Stream& s, EventHistory& history, std::int64_t from,
                     std::int64_t to, std::int64_t resolution, std::optional<std::uint64_t> only);

  std::shared_ptr<const SloSpec> spec_;
  Exclusions exclusions_;
  std::vector<Stream> streams_;
  std::int64_t countedUpTo_ = 0;  // every sample before this has been counted
};

}  // namespace pharos::slo
