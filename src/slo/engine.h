#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "health/maintenance.h"
#include "promql/queryable.h"
#include "slo/slo_spec.h"
#include "slo/slo_status.h"

namespace pharos::slo {

// Evaluates SLOs round by round. Each SLO keeps its events in an EventHistory: filled once
// from rollups when the SLO is new (or changed, or after a restart), then each round reads
// only the raw samples since the round before, so a round costs what arrived in it, not the
// window. Statuses are published at the end of each SLO's turn.
//
// Thread-safety: evaluate() runs one round at a time (a second caller waits); status(),
// statuses(), budgetSeries() and setSlos() may be called from other threads meanwhile.
class SloEngine {
 public:
  using CalendarPtr = std::shared_ptr<const health::MaintenanceCalendar>;

  // `maintenance` may be null; `source` must outlive the engine.
  SloEngine(promql::Queryable& source, CalendarPtr maintenance, Clock& clock);
  ~SloEngine();

  // The SLOs to evaluate from now on. An SLO whose definition is unchanged keeps its history;
  // a new or changed one reads its history at the next round.
  void setSlos(std::vector<SloSpec> slos);
  // A new maintenance calendar (config reload): check SLIs read their history again. An SLO's
  // readers keep the calendar they were made with alive.
  void setMaintenance(CalendarPtr maintenance);

  // One round. Errors of one SLO (a query that failed) stay in its status' problem and do
  // not stop the others; the first is returned.
  Status evaluate();

  std::optional<SloStatus> status(std::string_view name) const;
  std::vector<SloStatus> statuses() const;  // by name
  // The SLO's budget over its window as of the last round (nullopt: unknown or not evaluated).
  std::optional<BudgetSeries> budgetSeries(std::string_view name) const;

  // Bytes the SLOs' state takes (histories, per-series cursors, definitions).
  std::size_t memoryBytes() const;

 private:
  struct Tracker;
  std::vector<std::shared_ptr<Tracker>> trackers() const;
  void setSlosLocked(std::vector<SloSpec> slos);
  Status evaluateOne(Tracker& tracker, std::int64_t now);

  promql::Queryable& source_;
  Clock& clock_;
  std::mutex roundMutex_;  // one round at a time
  mutable std::mutex mutex_;
  CalendarPtr maintenance_;                                            // under mutex_
  std::map<std::string, std::shared_ptr<Tracker>, std::less<>> slos_;  // under mutex_
};

}  // namespace pharos::slo
