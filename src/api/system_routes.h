#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/route_table.h"
#include "bus/bus.h"
#include "core/clock.h"
#include "core/prometheus_text.h"
#include "net/http_server.h"
#include "net/router.h"
#include "store/store.h"

namespace pharos::api {

// What the liveness, readiness and self-metrics endpoints look at. References must outlive
// the router.
struct SystemRoutesDeps {
  store::Store& store;
  bus::Bus& bus;
  Clock& clock;
  MonoTime startedAt;
  std::string version;
  std::string commit;
  // The HTTP server's counters; empty before the server exists.
  std::function<net::ServerStats()> serverStats;
  // Other modules' families (metrics store, scrapes, ...), appended to the output.
  std::vector<std::function<void(PrometheusText&)>> collectors;
  // What each adapter runs on ("store" -> "postgres", "bus" -> "nats", …), for /readyz: with
  // processes on shared backends, an operator checks each joined the same kind. Kinds only:
  // /readyz is public, so no host names.
  std::map<std::string, std::string> backends;
  // The leases this process holds (work name -> fencing token), for /readyz; may be empty.
  std::function<std::map<std::string, int64_t>()> leases;
  // The modules this process runs (pharos serve --modules), for /readyz; empty: not shown.
  std::vector<std::string> modules;
  // How the checks are split between health processes, for /readyz: {"members": [...],
  // "owned": n, "pending": n}; may be empty (no sharding in this process).
  std::function<nlohmann::json()> healthShard;
};

// The text GET /metrics serves; also what Pharos' self-scrape records, without HTTP.
std::string renderSystemMetrics(const SystemRoutesDeps& deps);

// GET /healthz (public): the process answers (liveness; touches nothing else).
// GET /readyz (public): the store and the bus answer; 503 with Retry-After naming what does not.
// GET /metrics (scope read): Pharos' own health in the Prometheus text format: process CPU,
// memory, file descriptors, uptime, HTTP connections and requests, bus queue depths.
std::vector<RouteSpec> systemRoutes(SystemRoutesDeps deps);

// The same handlers registered straight into `router`, with no gateway around them (no auth,
// no throttling). Kept for the composition root until it installs a Gateway instead.
void addSystemRoutes(net::Router& router, SystemRoutesDeps deps);

}  // namespace pharos::api
