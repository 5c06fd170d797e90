#pragma once

#include <vector>

#include "core/prometheus_text.h"
#include "slo/slo_status.h"

namespace pharos::slo {

// The SLOs' figures for GET /metrics (families pharos_slo_*), so dashboards and external
// alerting can use them:
//   pharos_slo_budget_remaining_ratio{slo}   1 - consumed; negative once overspent
//   pharos_slo_burn_rate{slo,window}         per distinct burn-rate window ("1h", "5m", ...)
//   pharos_slo_sli_ratio{slo}                good / total in the window (absent without events)
//   pharos_slo_objective_ratio{slo}          the objective (0.999 for 99.9)
//   pharos_slo_events{slo,kind}              good and total events in the window
// SLOs not evaluated yet are left out.
void writeSloMetrics(const std::vector<SloStatus>& statuses, PrometheusText& out);

}  // namespace pharos::slo
