#pragma once

#include <functional>
#include <string>

#include "bus/bus.h"
#include "core/clock.h"
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
};

// GET /healthz: the process answers (liveness; touches nothing else).
// GET /readyz: the store and the bus answer; 503 with Retry-After naming what does not.
// GET /metrics: Pharos' own health in the Prometheus text format: process CPU, memory, file
// descriptors, uptime, HTTP connections and requests, bus queue depths.
void addSystemRoutes(net::Router& router, SystemRoutesDeps deps);

}  // namespace pharos::api
