#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "slo/event_history.h"
#include "slo/slo_spec.h"
#include "slo/slo_window.h"

namespace pharos::slo {

// One multiwindow burn-rate pair as evaluated: what an alert rule on the SLO reads.
struct BurnRate {
  Millis longWindow{0};
  Millis shortWindow{0};
  double factor = 0;
  double longBurn = 0;  // the bad-event rate over the window, in budget ratios (1 = on budget)
  double shortBurn = 0;
  bool breaching = false;  // both above factor
  Severity severity = Severity::kPage;
};

// An SLO's budget at one evaluation.
struct SloStatus {
  std::string name;
  SliKind sli = SliKind::kAvailability;
  double objective = 0;  // percent
  SloWindow window;
  std::map<std::string, std::string> labels;

  std::int64_t evaluatedAt = 0;  // ms; 0: not evaluated yet
  std::int64_t windowStart = 0;  // ms
  std::int64_t windowEnd = 0;  // ms: now for a rolling window, the period's end for a calendar one

  EventCounts events;     // in the window, exclusions removed
  double bad = 0;         // total - good, at least 0
  double allowedBad = 0;  // what the objective allows of the total: (1 - objective) * total
  // Share of the budget used, and left (1 - consumed; negative once overspent). With no
  // events yet, nothing is used.
  double budgetConsumed = 0;
  double budgetRemaining = 1;
  std::optional<double> sliRatio;  // good / total; nullopt without events
  double burnRate1h = 0;           // over the last hour, unscaled
  // At the last hour's burn, when the remaining budget runs out; nullopt when nothing burns
  // or nothing is left.
  std::optional<Millis> timeToExhaustion;
  std::vector<BurnRate> burnRates;  // the four pairs of burnWindowPairs(window)

  std::string problem;  // a configuration or data problem the user should see; empty when none

  // One sentence on the budget: "42.0% of the budget left: 58 more bad events allowed", or
  // "overspent by 12.5% of the budget: 25 bad events more than the objective allows".
  std::string explanation() const;
};

// The status of `spec` from its history at `nowMs`.
SloStatus computeStatus(const SloSpec& spec, const EventHistory& history, std::int64_t nowMs);

// What the budget did over the window: the share left at the end of each step, counting from
// the window's start (a burn-down chart). Hourly steps for windows up to 31 days, daily beyond.
struct BudgetPoint {
  std::int64_t t = 0;  // ms, the end of the step
  double remaining = 1;
  EventCounts events;  // from the window's start to t
};
struct BudgetSeries {
  Millis step{0};
  std::vector<BudgetPoint> points;
};
BudgetSeries budgetSeries(const SloSpec& spec, const EventHistory& history, std::int64_t nowMs);

// The API's JSON (GET /api/v1/slos/{name}; docs in the module's report).
nlohmann::json sloStatusToJson(const SloStatus& status);
nlohmann::json budgetSeriesToJson(const BudgetSeries& series);

}  // namespace pharos::slo
