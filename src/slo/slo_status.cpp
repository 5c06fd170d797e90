#include "slo/slo_status.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/config/duration.h"

namespace pharos::slo {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 86'400'000;

double badOf(const EventCounts& e) {
  return std::max(0.0, e.total - e.good);
}

// Remaining share of the budget of `e`: 1 with no events.
double remainingOf(const EventCounts& e, double budgetRatio) {
  double allowed = budgetRatio * e.total;
  if (e.total <= 0 || allowed <= 0) return 1;
  return 1 - badOf(e) / allowed;
}

// How many times faster than the budget allows bad events came in `e`.
double burnOf(const EventCounts& e, double budgetRatio) {
  if (e.total <= 0 || budgetRatio <= 0) return 0;
  return badOf(e) / e.total / budgetRatio;
}

// Event counts are whole for checks and counters; show them so, and fractions otherwise.
std::string count(double n) {
  if (std::abs(n - std::round(n)) < 1e-9) return fmt::format("{:.0f}", n);
  return fmt::format("{:.2f}", n);
}

nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

std::string SloStatus::explanation() const {
  if (events.total <= 0) return "no events in the window yet: the whole budget is left";
  if (budgetRemaining >= 0) {
    return fmt::format("{:.1f}% of the budget left: {} more bad events allowed",
                       budgetRemaining * 100, count(allowedBad - bad));
  }
  return fmt::format(
      "overspent by {:.1f}% of the budget: {} bad events more than the objective "
      "allows ({} bad of {}, {} allowed)",
      -budgetRemaining * 100, count(bad - allowedBad), count(bad), count(events.total),
      count(allowedBad));
}

SloStatus computeStatus(const SloSpec& spec, const EventHistory& history, std::int64_t nowMs) {
  SloStatus s;
  s.name = spec.name;
  s.sli = spec.sli;
  s.objective = spec.objective;
  s.window = spec.window;
  s.labels = spec.labels;
  s.evaluatedAt = nowMs;
  WindowBounds bounds = windowBounds(spec.window, nowMs);
  s.windowStart = bounds.start;
  s.windowEnd = bounds.end;

  double ratio = spec.budgetRatio();
  s.events = history.since(bounds.start);
  s.bad = badOf(s.events);
  s.allowedBad = ratio * s.events.total;
  s.budgetRemaining = remainingOf(s.events, ratio);
  s.budgetConsumed = 1 - s.budgetRemaining;
  if (s.events.total > 0) s.sliRatio = std::clamp(s.events.good / s.events.total, 0.0, 1.0);

  auto burnOver = [&](Millis window) {
    return burnOf(history.since(nowMs - window.count()), ratio);
  };
  s.burnRate1h = burnOver(Millis(kHourMs));
  if (s.burnRate1h > 0 && s.budgetRemaining > 0) {
    // At burn 1 the whole budget lasts one period.
    double ms = s.budgetRemaining * static_cast<double>(periodLength(spec.window, nowMs).count()) /
                s.burnRate1h;
    s.timeToExhaustion = Millis(static_cast<std::int64_t>(std::min(ms, 1e15)));
  }
  for (const BurnWindowPair& pair : burnWindowPairs(spec.window)) {
    BurnRate b;
    b.longWindow = pair.longWindow;
    b.shortWindow = pair.shortWindow;
    b.factor = pair.factor;
    b.severity = pair.severity;
    b.longBurn = burnOver(pair.longWindow);
    b.shortBurn = burnOver(pair.shortWindow);
    b.breaching = b.longBurn > pair.factor && b.shortBurn > pair.factor;
    s.burnRates.push_back(b);
  }
  return s;
}

BudgetSeries budgetSeries(const SloSpec& spec, const EventHistory& history, std::int64_t nowMs) {
  WindowBounds bounds = windowBounds(spec.window, nowMs);
  BudgetSeries out;
  out.step = Millis(periodLength(spec.window, nowMs).count() > 31 * kDayMs ? kDayMs : kHourMs);
  for (const EventHistory::Point& p : history.cumulativeSince(bounds.start, out.step.count())) {
    out.points.push_back({p.t, remainingOf(p.events, spec.budgetRatio()), p.events});
  }
  return out;
}

nlohmann::json sloStatusToJson(const SloStatus& s) {
  nlohmann::json j;
  j["name"] = s.name;
  j["sli"] = sliKindName(s.sli);
  j["objective"] = s.objective;
  j["window"] = formatSloWindow(s.window);
  j["labels"] = s.labels;
  if (s.evaluatedAt == 0) {
    j["evaluated_at"] = nullptr;
  } else {
    j["evaluated_at"] = formatUtc(s.evaluatedAt);
    j["window_start"] = formatUtc(s.windowStart);
    j["window_end"] = formatUtc(s.windowEnd);
  }
  j["events"] = {
      {"good", number(s.events.good)}, {"total", number(s.events.total)}, {"bad", number(s.bad)}};
  j["sli_percent"] = s.sliRatio ? number(*s.sliRatio * 100) : nlohmann::json(nullptr);
  nlohmann::json budget;
  budget["allowed_bad_events"] = number(s.allowedBad);
  budget["consumed_ratio"] = number(s.budgetConsumed);
  budget["remaining_ratio"] = number(s.budgetRemaining);
  budget["overspent"] = s.budgetRemaining < 0;
  budget["explanation"] = s.explanation();
  budget["burn_rate_1h"] = number(s.burnRate1h);
  budget["time_to_exhaustion_seconds"] = s.timeToExhaustion
                                             ? nlohmann::json(s.timeToExhaustion->count() / 1000)
                                             : nlohmann::json(nullptr);
  j["budget"] = std::move(budget);
  nlohmann::json burns = nlohmann::json::array();
  for (const BurnRate& b : s.burnRates) {
    burns.push_back({{"long_window", config::formatDuration(b.longWindow)},
                     {"short_window", config::formatDuration(b.shortWindow)},
                     {"factor", b.factor},
                     {"long_burn", number(b.longBurn)},
                     {"short_burn", number(b.shortBurn)},
                     {"breaching", b.breaching},
                     {"severity", severityName(b.severity)}});
  }
  j["burn_rates"] = std::move(burns);
  j["problem"] = s.problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.problem);
  return j;
}

nlohmann::json budgetSeriesToJson(const BudgetSeries& series) {
  nlohmann::json points = nlohmann::json::array();
  for (const BudgetPoint& p : series.points) {
    points.push_back({{"t", formatUtc(p.t)},
                      {"remaining_ratio", number(p.remaining)},
                      {"good", number(p.events.good)},
                      {"total", number(p.events.total)}});
  }
  return {{"step", config::formatDuration(series.step)}, {"points", std::move(points)}};
}

}  // namespace pharos::slo
