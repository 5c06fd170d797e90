#pragma once

#include <functional>
#include <vector>

#include "api/route_table.h"
#include "core/clock.h"
#include "health/catalog.h"
#include "health/engine.h"
#include "health/recorder.h"
#include "health/uptime_days.h"
#include "net/outbound_client.h"
#include "promql/queryable.h"

namespace pharos::api {

// The health monitor's API (docs/API.md, "Health"):
//   GET    /api/v1/checks                       every check, its owner and current state
//   POST   /api/v1/checks                       create (scope edit); a heartbeat's token once
//   GET    /api/v1/checks/{name}
//   PUT    /api/v1/checks/{name}                replace (scope edit; API-owned checks only)
//   DELETE /api/v1/checks/{name}                (scope edit; API-owned checks only)
//   GET    /api/v1/checks/{name}/results        runs, newest first: from, to, limit, before
//   GET    /api/v1/checks/{name}/transitions    state changes, newest first
//   GET    /api/v1/checks/{name}/uptime         window=30d (maintenance excluded)
//   GET    /api/v1/checks/{name}/badge          SVG: status, or uptime with window=
//   GET    /api/v1/reports/uptime               period=month, at=, labels={team="db"},
//                                               format=csv
//   POST   /api/v1/heartbeats/{token}           a beat (scope ingest)
//   POST   /api/v1/config/reload                re-reads health checks and maintenance
//                                               windows from the config file (scope admin)
struct HealthRoutesDeps {
  health::CheckCatalog& catalog;
  health::HealthEngine& engine;
  health::ResultRecorder& recorder;
  health::UptimeDays& uptimeDays;
  promql::Queryable& metrics;
  net::OutboundClient& outbound;
  const Clock& clock;
  // Reloads the config file; the message says what changed or why nothing did.
  std::function<Result<std::string>()> reloadConfig;
};

std::vector<RouteSpec> healthRoutes(HealthRoutesDeps deps);

}  // namespace pharos::api
