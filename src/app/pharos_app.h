#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "analysis/analysis_service.h"
#include "analysis/anomaly_store.h"
#include "analysis/metric_scorer.h"
#include "api/alerting_routes.h"
#include "app/alerting.h"
#include "app/data_dir.h"
#include "app/lifecycle.h"
#include "app/membership.h"
#include "auth/auth.h"
#include "backup/backup_service.h"
#include "bus/bus.h"
#include "core/clock.h"
#include "core/config/config.h"
#include "core/config/loader.h"
#include "core/periodic_task.h"
#include "core/secret.h"
#include "crypto/keyring.h"
#include "dashboard/status_page.h"
#include "health/catalog.h"
#include "health/engine.h"
#include "health/recorder.h"
#include "health/shared_beats.h"
#include "health/uptime_days.h"
#include "logs/pipeline.h"
#include "logs/syslog_server.h"
#include "metrics/metrics_store.h"
#include "metrics/scraper.h"
#include "net/http_server.h"
#include "net/outbound_client.h"
#include "net/outbound_policy.h"
#include "net/router.h"
#include "objects/lifecycle_sweeper.h"
#include "objects/object_store.h"
#include "store/lease_table.h"
#include "store/store.h"

namespace pharos::api {
class Gateway;
struct SystemRoutesDeps;
}  // namespace pharos::api

namespace pharos::app {

// The composition root: the only place that knows every module. It builds the object graph
// from the config, starts modules in dependency order and stops them in reverse.
class PharosApp {
 public:
  // Reads the config again (its file, with the same options), for reloadConfig().
  using ConfigSource = std::function<config::LoadOutcome()>;

  // `envMasterKey`: PHAROS_MASTER_KEY's value, read by main (see loadMasterKey).
  PharosApp(config::Config config, Clock& clock, ConfigSource source = {},
            std::optional<Secret> envMasterKey = {});
  ~PharosApp();
  PharosApp(const PharosApp&) = delete;
  PharosApp& operator=(const PharosApp&) = delete;

  // Starts every module; on failure stops what had started and returns why.
  Status start();
  // Stops in reverse order within the config's drain timeout. Idempotent.
  void stop();

  // Re-reads the TLS certificate and key (SIGHUP); on error the old ones stay in use.
  Status reloadTls();

  // Re-reads the config (SIGHUP, POST /api/v1/config/reload) and applies what can change
  // while running: health checks, maintenance windows and alerting (those this process runs).
  // An invalid config changes nothing; the error lists every problem. Other sections need a
  // restart, and the answer says so when they differ.
  Result<std::string> reloadConfig();

  // The bound HTTP port (useful with port 0). Precondition: started.
  uint16_t httpPort() const;

 private:
  void declareServices();
  Status startDataDir();
  Status startStore();
  Status startBus();
  Status startObjects();
  Status startAuth();
  Status startCrypto();
  Status startOutbound();
  Status startMetrics();
  Status startScrapes();
  Status checkScrapeTarget(const std::string& job, const std::string& target);
  Status startHealth();
  Status applyHealthConfig(const config::HealthConfig& health);
  Status startLogs();
  Status startSyslog();
  Status startAlerting();
  Status startAnalysis();
  // How often a health process reads the heartbeats the others took.
  static constexpr Millis kSharedBeatPoll{1'000};
  void startSharedBeatReader();
  Status startBackups();
  Status startApi();
  void addModuleRoutes();
  Status startHttp();
  // Makes sure someone can call the API: the configured bootstrap key, or in dev a new admin
  // key printed once on first start; staging and prod refuse to start with no key at all.
  Status bootstrapKeys();
  // Whether this process runs `module` (config `modules:`, `--modules`; all by default).
  bool runs(std::string_view module) const;
  // Whether this process runs `work` now: it holds (or just took) the lease of that name, so
  // of the processes on a shared store exactly one does. False while another holds it, or
  // when the store cannot say (this round is skipped).
  bool claim(std::string_view work, Millis ttl);
  // The leases this process holds now, name -> fencing token, for /readyz.
  std::map<std::string, int64_t> heldLeases();

  config::Config config_;
  Clock& clock_;
  ConfigSource configSource_;
  std::optional<Secret> envMasterKey_;
  std::mutex reloadMutex_;
  MonoTime createdAt_;
  Lifecycle lifecycle_;
  bool started_ = false;

  std::optional<DataDirLock> lock_;
  store::StorePtr store_;
  // Who runs the work that must happen once; the holder is this data directory's node id.
  std::unique_ptr<store::LeaseTable> leases_;
  std::string node_;
  std::vector<std::string> modules_;  // what this process runs, resolved from the config
  // Its member row, module leases and share of the checks on a shared store.
  std::unique_ptr<Membership> membership_;
  bus::BusPtr bus_;
  auth::ApiKeysPtr keys_;
  // The data keys (secrets, backups, archive) wrapped by the master key, in the store.
  crypto::KeyringPtr keyring_;
  auth::AuditLogPtr audit_;
  std::unique_ptr<PeriodicTask> auditPruner_;
  objects::ObjectStorePtr objects_;
  std::unique_ptr<objects::LifecycleSweeper> sweeper_;
  std::unique_ptr<net::OutboundPolicy> outboundPolicy_;
  net::OutboundClientPtr outbound_;
  store::StorePtr metricsDb_;  // its own file: sample writes never wait on the main store
  std::unique_ptr<metrics::MetricsStore> metrics_;
  std::unique_ptr<PeriodicTask> metricsFlusher_;
  std::unique_ptr<metrics::Scraper> scraper_;
  net::OutboundClientPtr checkClient_;  // the health checks' own: one thread, kept-alive pool
  std::unique_ptr<health::CheckCatalog> checks_;
  std::unique_ptr<health::ResultRecorder> checkResults_;
  std::unique_ptr<health::UptimeDays> uptimeDays_;
  std::unique_ptr<health::HealthEngine> health_;
  std::unique_ptr<PeriodicTask> healthPruner_;
  // With several health processes: the beats each took, and the reader of the others'.
  std::unique_ptr<health::SharedBeats> sharedBeats_;
  std::unique_ptr<PeriodicTask> beatReader_;
  // The health engine's maintenance windows, shared with the SLOs.
  std::shared_ptr<const health::MaintenanceCalendar> maintenance_;
  std::unique_ptr<logs::LogPipeline> logs_;
  std::unique_ptr<logs::SyslogServer> syslog_;
  std::unique_ptr<Alerting> alerting_;
  // Fed by the log processor and the checks' state topic; null with analysis.enabled false.
  std::unique_ptr<analysis::AnalysisService> analysis_;
  std::unique_ptr<analysis::MetricScorer> metricScorer_;  // analysis.metrics; polled by analysis_
  // What the API reads findings from: the service's store, or with the service off, the
  // tables alone (findings from before it was turned off stay readable).
  std::unique_ptr<analysis::AnomalyStore> pastAnomalies_;
  analysis::AnomalyStore* anomalies_ = nullptr;
  objects::ObjectStorePtr backupCopies_;  // backup.second_target; null without one
  std::unique_ptr<backup::BackupService> backups_;
  std::unique_ptr<api::AlertingRoutesDeps> alertingDeps_;
  std::shared_ptr<dashboard::StatusPageDeps> statusPages_;
  std::unique_ptr<api::SystemRoutesDeps> systemDeps_;  // also read by the self-scrape
  std::unique_ptr<api::Gateway> gateway_;              // before router_: the router calls into it
  std::shared_ptr<net::Router> router_;
  net::HttpServerPtr http_;
  logging::Logger log_{"app"};
};

// `pharos serve`: starts, then waits for SIGTERM or SIGINT and stops within the drain
// timeout. Returns the process exit code.
int runServe(config::Config config, PharosApp::ConfigSource source = {},
             std::optional<Secret> envMasterKey = {});

}  // namespace pharos::app
