#pragma once

#include <functional>
#include <vector>

#include "api/route_table.h"
#include "core/clock.h"
#include "metrics/metrics_store.h"
#include "metrics/scraper.h"

namespace pharos::api {

// The Prometheus-compatible metrics API, answering in the JSON shape of Prometheus' HTTP API
// so existing tools read it:
//   GET|POST /api/v1/metrics/query         expr (or query), time
//   GET|POST /api/v1/metrics/query_range   expr (or query), start, end, step
//   GET      /api/v1/metrics/series        match[]
//   GET      /api/v1/metrics/labels
//   GET      /api/v1/metrics/label/{name}/values
//   GET      /api/v1/metrics/targets       scrape targets and their health
//   POST     /api/v1/metrics/import        Prometheus text or OpenMetrics (scope ingest)
// The same read routes also answer under /prometheus/api/v1/..., so Grafana's Prometheus
// data source works with the URL http://HOST:8470/prometheus.
struct MetricsRoutesDeps {
  metrics::MetricsStore& store;
  const Clock& clock;
  // The scrape targets' health, for GET /api/v1/metrics/targets.
  std::function<std::vector<metrics::TargetStatus>()> targets;
};

std::vector<RouteSpec> metricsRoutes(MetricsRoutesDeps deps);

}  // namespace pharos::api
