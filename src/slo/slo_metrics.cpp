#include "slo/slo_metrics.h"

#include <set>
#include <string>

#include "core/config/duration.h"

namespace pharos::slo {

void writeSloMetrics(const std::vector<SloStatus>& statuses, PrometheusText& out) {
  std::vector<const SloStatus*> evaluated;
  for (const SloStatus& s : statuses) {
    if (s.evaluatedAt != 0) evaluated.push_back(&s);
  }
  out.family("pharos_slo_budget_remaining_ratio",
             "Share of the SLO's error budget left in its window (negative: overspent).", "gauge");
  for (const SloStatus* s : evaluated)
    out.sample("pharos_slo_budget_remaining_ratio", {{"slo", s->name}}, s->budgetRemaining);
  out.family("pharos_slo_burn_rate",
             "Rate at which bad events use the SLO's error budget over the window (1: on budget).",
             "gauge");
  for (const SloStatus* s : evaluated) {
    std::set<Millis> seen;
    for (const BurnRate& b : s->burnRates) {
      for (auto [window, burn] :
           {std::pair{b.longWindow, b.longBurn}, {b.shortWindow, b.shortBurn}}) {
        if (!seen.insert(window).second) continue;
        std::string w = config::formatDuration(window);
        out.sample("pharos_slo_burn_rate", {{"slo", s->name}, {"window", w}}, burn);
      }
    }
  }
  out.family("pharos_slo_sli_ratio", "Good events over all events in the SLO's window.", "gauge");
  for (const SloStatus* s : evaluated) {
    if (s->sliRatio) out.sample("pharos_slo_sli_ratio", {{"slo", s->name}}, *s->sliRatio);
  }
  out.family("pharos_slo_objective_ratio", "The SLO's objective as a ratio.", "gauge");
  for (const SloStatus* s : evaluated)
    out.sample("pharos_slo_objective_ratio", {{"slo", s->name}}, s->objective / 100);
  out.family("pharos_slo_events", "Events in the SLO's window, by kind (good, total).", "gauge");
  for (const SloStatus* s : evaluated) {
    out.sample("pharos_slo_events", {{"slo", s->name}, {"kind", "good"}}, s->events.good);
    out.sample("pharos_slo_events", {{"slo", s->name}, {"kind", "total"}}, s->events.total);
  }
}

}  // namespace pharos::slo
