#include "api/system_routes.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "core/process_stats.h"
#include "core/prometheus_text.h"

namespace pharos::api {
namespace {

constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

std::string renderSystemMetrics(const SystemRoutesDeps& d) {
  PrometheusText out;
  if (auto ps = readProcessStats(); ps.ok()) {
    out.family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               "counter");
    out.sample("process_cpu_seconds_total", {}, ps->cpuSecondsTotal);
    out.family("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge");
    out.sample("process_resident_memory_bytes", {}, static_cast<double>(ps->residentBytes));
    out.family("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge");
    out.sample("process_virtual_memory_bytes", {}, static_cast<double>(ps->virtualBytes));
    out.family("process_open_fds", "Number of open file descriptors.", "gauge");
    out.sample("process_open_fds", {}, static_cast<double>(ps->openFds));
    out.family("process_max_fds", "Maximum number of open file descriptors.", "gauge");
    out.sample("process_max_fds", {}, static_cast<double>(ps->maxFds));
    out.family("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", "gauge");
    out.sample("process_start_time_seconds", {}, ps->startTimeSeconds);
    out.family("process_threads", "Number of OS threads in the process.", "gauge");
    out.sample("process_threads", {}, static_cast<double>(ps->threads));
  }
  double uptime = std::chrono::duration<double>(d.clock.monotonic() - d.startedAt).count();
  out.family("pharos_uptime_seconds", "Seconds since Pharos started.", "gauge");
  out.sample("pharos_uptime_seconds", {}, uptime);
  out.family("pharos_build_info", "Version and commit of the running binary.", "gauge");
  out.sample("pharos_build_info", {{"version", d.version}, {"commit", d.commit}}, 1);

  if (d.serverStats) {
    net::ServerStats s = d.serverStats();
    out.family("pharos_http_connections_active", "Open HTTP connections.", "gauge");
    out.sample("pharos_http_connections_active", {}, static_cast<double>(s.activeConnections));
    out.family("pharos_http_connections_accepted_total", "HTTP connections accepted.", "counter");
    out.sample("pharos_http_connections_accepted_total", {}, static_cast<double>(s.acceptedTotal));
    out.family("pharos_http_connections_rejected_total",
               "HTTP connections turned away over the limit.", "counter");
    out.sample("pharos_http_connections_rejected_total", {}, static_cast<double>(s.rejectedTotal));
    out.family("pharos_http_connections_denied_total",
               "HTTP connections closed at accept: the client is outside server.allow_cidrs.",
               "counter");
    out.sample("pharos_http_connections_denied_total", {}, static_cast<double>(s.deniedTotal));
    out.family("pharos_http_requests_total", "HTTP requests answered.", "counter");
    out.sample("pharos_http_requests_total", {}, static_cast<double>(s.requestsTotal));
  }

  out.family("pharos_bus_queue_messages", "Messages in each bus queue, by state.", "gauge");
  if (auto stats = d.bus.stats(); stats.ok()) {
    for (const bus::QueueStats& q : *stats) {
      out.sample("pharos_bus_queue_messages", {{"queue", q.queue}, {"state", "ready"}},
                 static_cast<double>(q.ready));
      out.sample("pharos_bus_queue_messages", {{"queue", q.queue}, {"state", "in_flight"}},
                 static_cast<double>(q.inFlight));
      out.sample("pharos_bus_queue_messages", {{"queue", q.queue}, {"state", "delayed"}},
                 static_cast<double>(q.delayed));
      out.sample("pharos_bus_queue_messages", {{"queue", q.queue}, {"state", "dead"}},
                 static_cast<double>(q.dead));
    }
  }
  for (const auto& collect : d.collectors)
    collect(out);
  return std::move(out).str();
}

std::vector<RouteSpec> systemRoutes(SystemRoutesDeps deps) {
  auto d = std::make_shared<SystemRoutesDeps>(std::move(deps));
  std::vector<RouteSpec> specs;

  RouteSpec health;
  health.method = "GET";
  health.pattern = "/healthz";
  health.summary = "Liveness: the process answers";
  health.tag = "system";
  health.responseSchema = {{"type", "object"}, {"properties", {{"status", {{"type", "string"}}}}}};
  health.handler = [](net::HttpRequest&) {
    return net::HttpResponse::json(200, R"({"status":"ok"})");
  };
  specs.push_back(std::move(health));

  RouteSpec ready;
  ready.method = "GET";
  ready.pattern = "/readyz";
  ready.summary = "Readiness: the store and the bus answer";
  ready.tag = "system";
  ready.responseSchema = {{"type", "object"}, {"properties", {{"status", {{"type", "string"}}}}}};
  ready.handler = [d](net::HttpRequest&) {
    static const logging::Logger log("api");
    std::string failures;
    auto probe = [&](std::string_view name, Status s) {
      if (s.ok()) return;
      if (!failures.empty()) failures += "; ";
      failures += fmt::format("{}: {}", name, s.error().toString());
    };
    probe("store", d->store.ping());
    probe("bus", d->bus.ping());
    if (failures.empty()) {
      if (d->backends.empty() && !d->leases) {
        return net::HttpResponse::json(200, R"({"status":"ready"})");
      }
      nlohmann::json body{{"status", "ready"}, {"backends", d->backends}};
      if (d->leases) body["leases"] = d->leases();
      if (!d->modules.empty()) body["modules"] = d->modules;
      if (d->healthShard) body["health_shard"] = d->healthShard();
      return net::HttpResponse::json(200, body.dump());
    }
    log.warn("not ready", {{"reason", failures}});
    net::HttpResponse r = net::HttpResponse::error(503, "not_ready", failures);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  };
  specs.push_back(std::move(ready));

  RouteSpec metrics;
  metrics.method = "GET";
  metrics.pattern = "/metrics";
  metrics.scope = auth::Scope::kRead;
  metrics.summary = "Pharos' own metrics in the Prometheus text format";
  metrics.tag = "system";
  metrics.responseContentType = std::string(kPrometheusContentType);
  metrics.responseSchema = {{"type", "string"}};
  metrics.handler = [d](net::HttpRequest&) {
    return net::HttpResponse::text(200, renderSystemMetrics(*d),
                                   std::string(kPrometheusContentType));
  };
  specs.push_back(std::move(metrics));
  return specs;
}

void addSystemRoutes(net::Router& router, SystemRoutesDeps deps) {
  for (RouteSpec& spec : systemRoutes(std::move(deps)))
    router.add(spec.method, spec.pattern, std::move(spec.handler));
}

}  // namespace pharos::api
