#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/anomaly_store.h"
#include "api/route_table.h"
#include "core/clock.h"
#include "core/result.h"

namespace pharos::api {

// The analysis service's findings and the anomalies they are made of (docs/API.md,
// "Analysis"), scope `read`:
//   GET /api/v1/anomalies       start=, end=, service=, kind=, limit=, cursor=  newest first
//   GET /api/v1/findings        start=, end=, limit=, cursor=                   newest first
//   GET /api/v1/findings/{id}   one finding with its events (404 when unknown)
// start and end are RFC 3339 or Unix seconds and select what overlaps [start, end].
struct AnalysisRoutesDeps {
  analysis::AnomalyStore& anomalies;
  const Clock& clock;
};

std::vector<RouteSpec> analysisRoutes(const AnalysisRoutesDeps& deps);

// How far before an incident opened a finding is still taken as part of its story: a cause
// shows up before the alert it leads to (a rule's `for:` alone can be minutes).
inline constexpr int64_t kIncidentFindingsLeadMs = 30 * 60'000;

// The findings overlapping [fromMs, toMs], strongest first, as the incident route shows them:
// [{id, summary, strength, start_ms, end_ms}], at most `limit`.
Result<nlohmann::json> findingsBetween(analysis::AnomalyStore& anomalies, int64_t fromMs,
                                       int64_t toMs, std::size_t limit = 20);

}  // namespace pharos::api
