#include "app/pharos_app.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "api/analysis_routes.h"
#include "api/audit_routes.h"
#include "api/backup_routes.h"
#include "api/health_routes.h"
#include "api/keys_routes.h"
#include "api/log_routes.h"
#include "api/metrics_routes.h"
#include "api/openapi.h"
#include "api/route_table.h"
#include "api/system_routes.h"
#include "app/backends.h"
#include "app/backup_command.h"
#include "app/build_info.h"
#include "app/crypto_keys_command.h"
#include "bus/embedded/embedded_bus.h"
#include "core/malloc_tuning.h"
#include "dashboard/dashboard_routes.h"
#include "health/health_config.h"
#include "logs/shared_log_index.h"
#include "objects/local/local_object_store.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::app {
namespace {

std::vector<objects::LifecycleRule> lifecycleRules(const config::Config& c) {
  std::vector<objects::LifecycleRule> rules;
  for (const config::LifecycleRuleConfig& r : c.objects.lifecycle) {
    rules.push_back(objects::LifecycleRule{r.prefix, r.compressAfter, r.expireAfter});
  }
  rules.push_back(objects::LifecycleRule{"archive/", std::nullopt, c.retention.archive});
  return rules;
}

}  // namespace

PharosApp::PharosApp(config::Config config, Clock& clock, ConfigSource source,
                     std::optional<Secret> envMasterKey)
    : config_(std::move(config)),
      clock_(clock),
      configSource_(std::move(source)),
      envMasterKey_(std::move(envMasterKey)),
      createdAt_(clock.monotonic()),
      lifecycle_(clock) {
  // In the canonical order, each once.
  for (std::string_view m : config::kModuleNames) {
    if (config_.modules.empty() ||
        std::find(config_.modules.begin(), config_.modules.end(), m) != config_.modules.end()) {
      modules_.emplace_back(m);
    }
  }
  declareServices();
}

bool PharosApp::runs(std::string_view module) const {
  return std::find(modules_.begin(), modules_.end(), module) != modules_.end();
}

PharosApp::~PharosApp() {
  stop();
}

void PharosApp::declareServices() {
  // A module this process does not run is not declared; what depends on it starts without it.
  std::set<std::string> declared;
  auto add = [this, &declared](std::string name, std::vector<std::string> deps,
                               Status (PharosApp::*start)(), std::function<void(MonoTime)> stop) {
    std::erase_if(deps, [&](const std::string& d) { return !declared.contains(d); });
    declared.insert(name);
    lifecycle_.add({std::move(name), std::move(deps), [this, start] { return (this->*start)(); },
                    std::move(stop)});
  };
  add("data_dir", {}, &PharosApp::startDataDir, [this](MonoTime) { lock_.reset(); });
  add("store", {"data_dir"}, &PharosApp::startStore, [this](MonoTime) {
    if (membership_) membership_->stop();  // its leases and member row, released at once
    membership_.reset();
    leases_.reset();
    store_.reset();
  });
  add("bus", {"data_dir"}, &PharosApp::startBus, [this](MonoTime) { bus_.reset(); });
  // After the store: its lifecycle sweeps run under a lease.
  add("objects", {"data_dir", "store"}, &PharosApp::startObjects, [this](MonoTime) {
    sweeper_.reset();
    objects_.reset();
  });
  add("crypto", {"store"}, &PharosApp::startCrypto, [this](MonoTime) { keyring_.reset(); });
  // API-key salts are sealed with the keyring's secrets key.
  add("auth", {"store", "crypto"}, &PharosApp::startAuth, [this](MonoTime) {
    auditPruner_.reset();
    audit_.reset();
    keys_.reset();
  });
  add("outbound", {}, &PharosApp::startOutbound, [this](MonoTime) {
    outbound_.reset();
    outboundPolicy_.reset();
  });
  // After the store: on PostgreSQL, the metrics schema is named after the node.
  add("metrics", {"data_dir", "store"}, &PharosApp::startMetrics, [this](MonoTime) {
    metricsFlusher_.reset();
    if (metrics_) {
      // What is still only in the write-ahead log would replay fine; flushing now makes the
      // next start quicker.
      if (Status s = metrics_->flush(metrics::MetricsStore::Checkpoint::kNow); !s.ok()) {
        log_.warn("metrics flush at shutdown failed", {{"error", s.error().toString()}});
      }
    }
    metrics_.reset();
    metricsDb_.reset();
  });
  if (runs("health")) {
    add("health", {"store", "bus", "metrics", "outbound"}, &PharosApp::startHealth,
        [this](MonoTime) {
          healthPruner_.reset();
          beatReader_.reset();
          if (membership_ && membership_->sharding()) membership_->sharding()->setOnGained({});
          if (health_) health_->stop();
          health_.reset();
          checkClient_.reset();
          uptimeDays_.reset();
          checkResults_.reset();
          checks_.reset();
          sharedBeats_.reset();
        });
  }
  if (runs("logs")) {
    add("logs", {"data_dir", "bus", "objects", "metrics", "crypto"}, &PharosApp::startLogs,
        [this](MonoTime) {
          if (logs_) logs_->stop();
          logs_.reset();
        });
    add("syslog", {"logs"}, &PharosApp::startSyslog, [this](MonoTime) {
      if (syslog_) syslog_->stop();
      syslog_.reset();
    });
  }
  if (runs("alerting")) {
    add("alerting", {"store", "bus", "metrics", "outbound", "health", "crypto"},
        &PharosApp::startAlerting, [this](MonoTime) { alerting_.reset(); });
  }
  // After logs and health, whose output it reads; stopped before them. The observer is
  // removed first: once that returns the log processor no longer calls into the service.
  add("analysis", {"store", "bus", "metrics", "logs", "health"}, &PharosApp::startAnalysis,
      [this](MonoTime) {
        if (logs_) logs_->setRecordObserver({});
        if (analysis_) analysis_->stop();
        anomalies_ = nullptr;
        analysis_.reset();
        metricScorer_.reset();
        pastAnomalies_.reset();
      });
  // Backups read the data directory the other modules write; stopped before them (after the
  // API that queues jobs), so a running backup finishes while they still run.
  if (runs("backups")) {
    add("backups", {"crypto", "objects"}, &PharosApp::startBackups, [this](MonoTime) {
      if (backups_) backups_->stop();
      backups_.reset();
      backupCopies_.reset();
    });
  }
  add("api",
      {"store", "bus", "auth", "metrics", "health", "logs", "alerting", "analysis", "backups"},
      &PharosApp::startApi, [this](MonoTime) {
        router_.reset();
        gateway_.reset();
        systemDeps_.reset();
        alertingDeps_.reset();
      });
  // After the API: the self-scrape renders what GET /metrics serves.
  if (runs("scrapes")) {
    add("scrapes", {"metrics", "outbound", "api"}, &PharosApp::startScrapes,
        [this](MonoTime) { scraper_.reset(); });
  }
  add("http", {"api"}, &PharosApp::startHttp, [this](MonoTime deadline) {
    auto left = std::chrono::duration_cast<Millis>(deadline - clock_.monotonic());
    http_->stop(std::max(left, Millis(0)));
    http_.reset();
  });
}

Status PharosApp::startDataDir() {
  PHAROS_ASSIGN_OR_RETURN(DataDirLock lock, DataDirLock::acquire(config_.dataDir));
  lock_.emplace(std::move(lock));
  return okStatus();
}

Status PharosApp::startStore() {
  PHAROS_ASSIGN_OR_RETURN(store_,
                          openConfiguredStore(config_, StoreRole::kMain, StoreOpen::kCreate));
  if (config_.store.backend == config::StoreBackend::kPostgres) {
    log_.info("store on PostgreSQL", {{"store", describeStore(config_, StoreRole::kMain)}});
  }
  PHAROS_ASSIGN_OR_RETURN(node_, nodeId(config_.dataDir));
  PHAROS_ASSIGN_OR_RETURN(leases_, store::LeaseTable::open(*store_, clock_));
  Membership::Options m;
  m.node = node_;
  m.modules = modules_;
  m.shared = config_.store.backend == config::StoreBackend::kPostgres;
  m.onLost = [this](const std::string& module) {
    // Another process runs it now; going on would run it twice. A clean stop, and the
    // supervisor (systemd, Kubernetes) starts this process again.
    log_.error("stopping: another process took over a module that runs once", {{"module", module}});
    ::kill(::getpid(), SIGTERM);
  };
  PHAROS_ASSIGN_OR_RETURN(membership_, Membership::open(*store_, *leases_, clock_, std::move(m)));
  return membership_->start();
}

bool PharosApp::claim(std::string_view work, Millis ttl) {
  auto lease = leases_->acquire(work, node_, ttl);
  if (lease.ok()) return true;
  if (lease.error().code == ErrorCode::kFailedPrecondition) {
    log_.debug("work left to the lease holder", {{"work", work}, {"why", lease.error().message}});
  } else {
    log_.warn("lease not taken; skipping this round",
              {{"work", work}, {"error", lease.error().toString()}});
  }
  return false;
}

std::map<std::string, int64_t> PharosApp::heldLeases() {
  std::map<std::string, int64_t> held;
  auto all = leases_->list();
  if (!all.ok()) return held;
  for (const store::Lease& l : *all) {
    if (l.holder == node_ && l.expiresAt > clock_.now()) held[l.name] = l.token;
  }
  return held;
}

Status PharosApp::startBus() {
  PHAROS_ASSIGN_OR_RETURN(bus_, openConfiguredBus(config_, clock_));
  if (config_.bus.backend != config::BusBackend::kEmbedded) {
    log_.info("bus on NATS JetStream", {{"bus", describeBus(config_)}});
  }
  return okStatus();
}

Status PharosApp::startObjects() {
  PHAROS_ASSIGN_OR_RETURN(objects_, openConfiguredObjects(config_, clock_));
  if (config_.objects.backend != config::ObjectsBackend::kLocal) {
    log_.info("objects on S3", {{"objects", describeObjects(config_)}});
  }
  sweeper_ = std::make_unique<objects::LifecycleSweeper>(
      *objects_, clock_,
      objects::LifecycleSweeper::Options{
          lifecycleRules(config_), config_.objects.sweepInterval,
          [this] { return claim("retention.objects", config_.objects.sweepInterval * 2); }});
  sweeper_->start();
  return okStatus();
}

Status PharosApp::startAuth() {
  PHAROS_ASSIGN_OR_RETURN(keys_, auth::openApiKeys(*store_, clock_, *keyring_));
  PHAROS_ASSIGN_OR_RETURN(audit_, auth::openAuditLog(*store_, clock_));
  PHAROS_TRY(bootstrapKeys());
  auditPruner_ = std::make_unique<PeriodicTask>(std::chrono::hours(1), [this] {
    if (!claim("retention.audit", std::chrono::hours(2))) return;
    auto pruned = audit_->prune(config_.auth.auditRetention);
    if (!pruned.ok()) {
      log_.warn("audit pruning failed", {{"error", pruned.error().toString()}});
    } else if (*pruned > 0) {
      log_.info("audit entries pruned", {{"count", *pruned}});
    }
  });
  auditPruner_->start();
  return okStatus();
}

Status PharosApp::startCrypto() {
  PHAROS_ASSIGN_OR_RETURN(crypto::MasterKey master,
                          openServerMasterKey(config_, envMasterKey_, log_));
  PHAROS_ASSIGN_OR_RETURN(keyring_, crypto::Keyring::open(*store_, std::move(master), clock_));
  return okStatus();
}

Status PharosApp::startOutbound() {
  PHAROS_ASSIGN_OR_RETURN(net::OutboundPolicy policy,
                          net::OutboundPolicy::create(config_.outbound, config_.env));
  // Receivers must not be pointed back at Pharos itself.
  PHAROS_TRY(policy.addOwnListener(config_.server.listen));
  outboundPolicy_ = std::make_unique<net::OutboundPolicy>(std::move(policy));
  outbound_ =
      std::make_unique<net::OutboundClient>(*outboundPolicy_, net::OutboundClient::Options{});
  return okStatus();
}

namespace {

// Bytes the data directory holds, counting the metrics database by its used pages: SQLite
// keeps freed pages in the file, and the disk budget must see deletions take effect.
std::uint64_t dataDirUsage(const std::string& dir, store::Store& metricsDb) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  if (metricsDb.dialect() == store::Dialect::kPostgres) {
    // The samples live in the database, not here: count its tables (with indexes and TOAST).
    // metric_chunks is partitioned by time, and a partitioned table has no storage of its own:
    // its partitions count (pg_partition_tree has none for a table not yet partitioned).
    auto used = metricsDb.query(
        "SELECT COALESCE((SELECT sum(pg_total_relation_size(relid)) FROM "
        "pg_partition_tree('metric_chunks')), 0)::bigint + "
        "COALESCE(pg_total_relation_size('metric_chunks'), 0) + "
        "COALESCE(pg_total_relation_size('metric_series'), 0)");
    if (used.ok() && !used->empty()) total += static_cast<std::uint64_t>(used->at(0).integer(0));
    return total;
  }
  auto free = metricsDb.query("PRAGMA freelist_count");
  auto page = metricsDb.query("PRAGMA page_size");
  if (free.ok() && page.ok() && !free->empty() && !page->empty()) {
    auto freeBytes = static_cast<std::uint64_t>(free->at(0).integer(0) * page->at(0).integer(0));
    total = total > freeBytes ? total - freeBytes : 0;
  }
  return total;
}

}  // namespace

Status PharosApp::startMetrics() {
  PHAROS_ASSIGN_OR_RETURN(
      metricsDb_, openConfiguredStore(config_, StoreRole::kMetrics, StoreOpen::kCreate, node_));
  const config::MetricsConfig& m = config_.metrics;
  metrics::MetricsOptions options;
  options.walDir = config_.dataDir + "/metrics-wal";
  options.rawRetention = m.rawRetention;
  options.minuteRetention = m.minuteRetention;
  options.hourRetention = m.hourRetention;
  options.maxDiskBytes = m.maxDiskBytes;
  options.diskUsage = [this] { return dataDirUsage(config_.dataDir, *metricsDb_); };
  options.maxSeries = static_cast<std::size_t>(m.maxSeries);
  options.maxSeriesPerMetric = static_cast<std::size_t>(m.maxSeriesPerMetric);
  PHAROS_ASSIGN_OR_RETURN(metrics_, metrics::MetricsStore::open(*metricsDb_, options, clock_));
  metricsFlusher_ = std::make_unique<PeriodicTask>(m.flushInterval, [this] {
    if (Status s = metrics_->flush(); !s.ok()) {
      log_.warn("metrics flush failed", {{"error", s.error().toString()}});
    }
  });
  metricsFlusher_->start();
  return okStatus();
}

// A target given as an address the outbound policy refuses is a config error, said at
// start-up naming the rule (as the API will answer 400 for a check). Names are resolved and
// judged at every scrape instead: DNS may change, and a start must not wait on it.
Status PharosApp::checkScrapeTarget(const std::string& job, const std::string& target) {
  PHAROS_ASSIGN_OR_RETURN(config::HostPort hp, config::parseHostPort(target));
  std::optional<net::IpAddress> address = net::IpAddress::parse(hp.host);
  if (!address) return okStatus();
  net::OutboundDecision decision =
      outboundPolicy_->decide(*address, hp.port, hp.host, net::OutboundPurpose::kScrapes);
  if (decision.allowed) return okStatus();
  return makeError(ErrorCode::kInvalidArgument,
                   fmt::format("metrics.scrape job '{}': target {} is refused by the outbound "
                               "policy: {}",
                               job, target, decision.rule));
}

Status PharosApp::startScrapes() {
  PHAROS_TRY(membership_->holdSingleton("scrapes"));
  std::vector<metrics::ScrapeTarget> targets;
  for (const config::ScrapeJobConfig& job : config_.metrics.scrape) {
    for (const std::string& instance : job.targets) {
      PHAROS_TRY(checkScrapeTarget(job.job, instance));
      metrics::ScrapeTarget t;
      t.job = job.job;
      t.instance = instance;
      t.url = job.scheme + "://" + instance + job.path;
      t.interval = job.interval;
      t.timeout = job.timeout;
      std::vector<Label> labels{{"job", job.job}, {"instance", instance}};
      for (const auto& [name, value] : job.labels)
        labels.push_back({name, value});
      t.labels = Labels::fromUnsorted(std::move(labels));
      t.sampleLimit = static_cast<std::size_t>(job.sampleLimit);
      targets.push_back(std::move(t));
    }
  }
  if (config_.metrics.selfScrapeInterval.count() > 0) {
    metrics::ScrapeTarget self;
    self.job = "pharos";
    self.instance = config_.server.listen;
    self.interval = config_.metrics.selfScrapeInterval;
    self.timeout = config_.metrics.selfScrapeInterval;
    self.labels = Labels{{"job", "pharos"}, {"instance", config_.server.listen}};
    self.source = [this] { return api::renderSystemMetrics(*systemDeps_); };
    targets.push_back(std::move(self));
  }
  scraper_ =
      std::make_unique<metrics::Scraper>(*metrics_, outbound_.get(), clock_, std::move(targets));
  scraper_->start();
  return okStatus();
}

Status PharosApp::startHealth() {
  PHAROS_ASSIGN_OR_RETURN(checks_, health::CheckCatalog::open(*store_, clock_));
  PHAROS_ASSIGN_OR_RETURN(checkResults_,
                          health::ResultRecorder::open(*store_, *metrics_, bus_.get()));
  PHAROS_ASSIGN_OR_RETURN(uptimeDays_, health::UptimeDays::open(*store_));
  health::HealthEngine::Options o;
  o.maxConcurrency = static_cast<int>(config_.health.maxConcurrency);
  o.flushInterval = config_.health.flushInterval;
  health::CheckSharding* sharding = membership_->sharding();
  if (sharding != nullptr) {
    o.runsHere = [sharding](std::string_view check) { return sharding->runsHere(check); };
    // Beats reach whichever process the proxy picks; the owner reads them from the store.
    PHAROS_ASSIGN_OR_RETURN(sharedBeats_, health::SharedBeats::open(*store_));
    o.shareBeat = [this](const std::string& check, WallTime at) {
      return sharedBeats_->record(check, at, node_);
    };
    o.sharedBeatDelay = 2 * kSharedBeatPoll + kSharedBeatPoll / 2;
  }
  // The checks' own client with one thread: probes spend their time waiting, and a second
  // thread would only add wake-ups and lock hand-offs.
  checkClient_ =
      std::make_unique<net::OutboundClient>(*outboundPolicy_, net::OutboundClient::Options{1});
  health_ = std::make_unique<health::HealthEngine>(o, *checkClient_, *outboundPolicy_,
                                                   *checkResults_, clock_);
  if (sharding != nullptr) {
    // A gained check goes on from the state its previous owner left (its last transition),
    // rather than from unknown: no "unknown -> up" in its history at each takeover.
    sharding->setOnGained([this](const std::vector<std::string>& gained) {
      auto statuses = checkResults_->lastStatuses(gained);
      if (!statuses.ok()) {
        // The checks still run; they start from unknown, as a new check does.
        log_.warn("cannot read gained checks' last states",
                  {{"error", statuses.error().toString()}});
        return;
      }
      if (!statuses->empty()) health_->continueStatuses(*statuses);
    });
  }
  checks_->onChange([this, sharding](std::vector<health::SharedCheck> all) {
    if (sharding != nullptr) {
      std::vector<std::string> names;
      names.reserve(all.size());
      for (const health::SharedCheck& c : all)
        names.push_back(c->name);
      sharding->setChecks(names);
    }
    health_->setChecks(std::move(all));
  });
  // Hands the engine the config's checks merged with those defined through the API.
  PHAROS_TRY(applyHealthConfig(config_.health));
  // The trees are read; ten thousand checks' worth of them need not stay.
  config_.health.checks = {};
  config_.health.maintenance = {};
  releaseFreeMemory();
  health_->start();
  if (sharedBeats_) startSharedBeatReader();
  // Hourly: failure reasons and state changes are kept as long as the raw samples they
  // annotate, and each completed day's uptime is written once, for long reports.
  healthPruner_ = std::make_unique<PeriodicTask>(std::chrono::hours(1), [this] {
    if (!claim("retention.health", std::chrono::hours(2))) return;
    auto pruned = checkResults_->prune(clock_.now() - config_.metrics.rawRetention);
    if (!pruned.ok())
      log_.warn("pruning check history failed", {{"error", pruned.error().toString()}});
    // A day is written ten minutes after it ends, once its last results are surely flushed.
    WallTime now = clock_.now();
    auto days = uptimeDays_->compact(*metrics_, now - config_.metrics.hourRetention,
                                     now - std::chrono::minutes(10));
    if (!days.ok()) log_.warn("writing daily uptime failed", {{"error", days.error().toString()}});
  });
  healthPruner_->start();
  return okStatus();
}

void PharosApp::startSharedBeatReader() {
  // Reads back a little before the latest beat seen: another process's beat may be stamped
  // by a clock slightly behind this one's. Beats already known change nothing.
  beatReader_ =
      std::make_unique<PeriodicTask>(kSharedBeatPoll, [this, seen = WallTime{}]() mutable {
        auto beats = sharedBeats_->after(seen - std::chrono::seconds(5));
        if (!beats.ok()) {
          log_.warn("cannot read heartbeats taken by other processes",
                    {{"error", beats.error().toString()}});
          return;
        }
        for (const health::SharedBeats::Beat& b : *beats) {
          seen = std::max(seen, b.at);
          if (b.node == node_) continue;
          if (Status s = health_->beatElsewhere(b.check, b.at);
              !s.ok() && s.error().code != ErrorCode::kNotFound) {
            log_.warn("cannot apply a heartbeat",
                      {{"check", b.check}, {"error", s.error().toString()}});
          }
        }
      });
  beatReader_->start();
}

Status PharosApp::startLogs() {
  logs::LogPipeline::ArchiveSeal seal;
  if (config_.crypto.encryptArchive) {
    seal = [keyring = keyring_.get()](std::string_view compressed) {
      return keyring->seal(crypto::Purpose::kArchive, compressed);
    };
  }
  // On a shared bus or bucket, this data directory's ingest log gets its own queue and archive
  // prefix: another process's batch messages name offsets in its own log, not in ours.
  logs::LogPipeline::Names names;
  if (config_.bus.backend != config::BusBackend::kEmbedded ||
      config_.objects.backend != config::ObjectsBackend::kLocal) {
    names = logs::LogPipeline::Names::forNode(node_);  // read when the store started
    log_.info("log pipeline on shared backends",
              {{"queue", names.queue}, {"archive", names.archivePrefix}});
  }
  // On PostgreSQL, processed lines go to the index every process shares, so a search on any
  // of them finds what every logs process took in.
  std::unique_ptr<logs::LogIndex> index;
  if (logIndexIsShared(config_)) {
    logs::LogIndexOptions options;
    options.indexedAttributes = config_.logs.indexedAttributes;
    PHAROS_ASSIGN_OR_RETURN(index, logs::SharedLogIndex::open(*store_, node_, std::move(options)));
  }
  PHAROS_ASSIGN_OR_RETURN(
      logs_, logs::LogPipeline::open(config_.dataDir + "/logs", config_.logs, *bus_, *objects_,
                                     metrics_.get(), clock_, std::move(seal), std::move(names),
                                     std::move(index)));
  logs_->start();
  return okStatus();
}

Status PharosApp::startSyslog() {
  PHAROS_ASSIGN_OR_RETURN(config::HostPort hp, config::parseHostPort(config_.syslog.listen));
  PHAROS_ASSIGN_OR_RETURN(syslog_,
                          logs::SyslogServer::start({.host = hp.host, .port = hp.port}, *logs_));
  log_.info("listening",
            {{"syslog", fmt::format("{}:{} (tcp, udp)", hp.host, syslog_->tcpPort())}});
  return okStatus();
}

Status PharosApp::startAlerting() {
  PHAROS_TRY(membership_->holdSingleton("alerting"));
  // The checks run in another process: the SLOs still honour the maintenance windows.
  if (!maintenance_) PHAROS_TRY(applyHealthConfig(config_.health));
  std::string externalUrl = config_.alerting.externalUrl;
  if (externalUrl.empty()) {
    externalUrl = (config_.server.tls.enabled() ? "https://" : "http://") + config_.server.listen;
  }
  PHAROS_ASSIGN_OR_RETURN(
      alerting_,
      Alerting::start(config_,
                      Alerting::Deps{*store_, *bus_, *metrics_, *outboundPolicy_, health_.get(),
                                     *keyring_, clock_, maintenance_, std::move(externalUrl),
                                     [this] { return membership_->holds("alerting"); }}));
  config_.slo = {};
  config_.alerting = {};
  config_.notify = {};
  return okStatus();
}

Status PharosApp::startAnalysis() {
  // Findings stay readable from the store where the detector does not run.
  if (!config_.analysis.enabled || !runs("analysis")) {
    PHAROS_ASSIGN_OR_RETURN(pastAnomalies_, analysis::AnomalyStore::open(*store_));
    anomalies_ = pastAnomalies_.get();
    return okStatus();
  }
  auto options = analysis::AnalysisServiceOptions::fromConfig(config_.analysis);
  options.checkStateTopic = std::string(health::kStateTopic);
  PHAROS_ASSIGN_OR_RETURN(analysis_,
                          analysis::AnalysisService::open(*store_, *bus_, clock_, options));
  anomalies_ = &analysis_->anomalies();
  if (!config_.analysis.metrics.empty()) {
    PHAROS_ASSIGN_OR_RETURN(metricScorer_, analysis::MetricScorer::create(
                                               *metrics_, {.selectors = config_.analysis.metrics}));
    analysis::MetricScorer* scorer = metricScorer_.get();
    analysis_->addSource("metrics", [scorer](int64_t nowMs) { return scorer->run(nowMs); });
  }
  analysis::AnalysisService* service = analysis_.get();
  logs_->setRecordObserver(
      [service](std::span<const logs::Record> records, const logs::TemplateMiner& miner) {
        service->observeRecords(records, miner);
      });
  analysis_->start();
  return okStatus();
}

namespace {

// The checks and maintenance windows of `health`, or every problem in one error.
Result<health::HealthDefinitions> readHealth(const config::HealthConfig& health) {
  auto read = health::readHealthConfig(health);
  if (auto* problems = std::get_if<std::vector<config::Diagnostic>>(&read)) {
    std::string message;
    for (const auto& d : *problems)
      message += (message.empty() ? "" : "\n") + d.toString();
    return makeError(ErrorCode::kInvalidArgument, message);
  }
  return std::move(std::get<health::HealthDefinitions>(read));
}

}  // namespace

Status PharosApp::applyHealthConfig(const config::HealthConfig& health) {
  PHAROS_ASSIGN_OR_RETURN(health::HealthDefinitions defs, readHealth(health));
  maintenance_ = std::make_shared<const health::MaintenanceCalendar>(std::move(defs.maintenance));
  if (health_) {
    health_->setMaintenance(maintenance_);
    checks_->setConfigChecks(std::move(defs.checks));
  }
  return okStatus();
}

Result<std::string> PharosApp::reloadConfig() {
  std::lock_guard lock(reloadMutex_);
  if (!configSource_) {
    return makeError(ErrorCode::kFailedPrecondition, "pharos was started without a config file");
  }
  PHAROS_ASSIGN_OR_RETURN(config::Config next, config::toResult(configSource_()));
  if (!health_ && !alerting_) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "neither health nor alerting runs in this process: nothing to reload");
  }
  PHAROS_TRY(applyHealthConfig(next.health));
  if (alerting_) PHAROS_TRY(alerting_->reload(next, maintenance_));
  std::size_t checks = next.health.checks.items.size();
  std::size_t windows = next.health.maintenance.items.size();
  next = {};
  releaseFreeMemory();
  std::string message =
      fmt::format("{} check(s) and {} maintenance window(s) from the config", checks, windows);
  log_.info("config reloaded", {{"checks", checks}, {"maintenance_windows", windows}});
  return message;
}

Status PharosApp::bootstrapKeys() {
  if (!config_.auth.bootstrapKey.empty()) {
    return keys_->ensureBootstrapKey(config_.auth.bootstrapKey);
  }
  PHAROS_ASSIGN_OR_RETURN(size_t active, keys_->activeKeyCount());
  if (active > 0 || !config_.auth.enabled) return okStatus();
  if (config_.env != config::Environment::kDev) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "no API key exists: give a bootstrap admin key in PHAROS_BOOTSTRAP_KEY (or "
                     "auth.bootstrap_key_file), or create one with `pharos keys create --role "
                     "admin --name NAME --data DIR` before the first start");
  }
  PHAROS_ASSIGN_OR_RETURN(auth::CreatedKey key, keys_->create("admin", auth::Role::kAdmin));
  // Straight to the terminal, never through the log: logs are shipped and kept.
  fmt::print(stderr,
             "\nFirst start: created an admin API key. It is shown only this once; keep it:\n\n"
             "  {}\n\n"
             "Send it as `Authorization: Bearer <key>`; make more with `pharos keys create`.\n\n",
             key.token.reveal());
  return okStatus();
}

Status PharosApp::startBackups() {
  PHAROS_TRY(membership_->holdSingleton("backups"));
  const config::BackupConfig& c = config_.backup;
  backup::BackupServiceOptions o;
  o.dataDir = config_.dataDir;
  o.backup.partBytes = static_cast<uint64_t>(c.partSize);
  o.backup.pharosVersion = kVersion;
  o.backup.schemaVersions = knownSchemaVersions();
  if (!config_.file.empty()) o.backup.configFile = config_.file;
  if (!c.schedule.empty()) {
    PHAROS_ASSIGN_OR_RETURN(CronSchedule schedule, CronSchedule::parse(c.schedule));
    o.schedule = std::move(schedule);
  }
  o.secondTargetPath = c.secondTarget;
  o.mayRun = [this] { return membership_->holds("backups"); };
  o.retentionCount = static_cast<size_t>(c.retentionCount);
  o.retentionAge = c.retentionAge;
  if (!c.secondTarget.empty()) {
    auto copies = objects::LocalObjectStore::open(c.secondTarget, clock_);
    if (!copies.ok()) return std::move(copies).error().withContext("backup.second_target");
    backupCopies_ = std::move(copies).value();
  }
  if (config_.store.backend == config::StoreBackend::kPostgres) {
    log_.warn(
        "backups hold the data directory, not the PostgreSQL store: back the database up with "
        "PostgreSQL's tools (pg_dump, pg_basebackup); docs/OPERATIONS.md, \"Backups\"",
        {{"store", describeStore(config_, StoreRole::kMain)}});
  }
  backups_ = std::make_unique<backup::BackupService>(*objects_, backupCopies_.get(), *keyring_,
                                                     clock_, std::move(o));
  return backups_->start();
}

Status PharosApp::startApi() {
  router_ = std::make_shared<net::Router>();
  gateway_ =
      std::make_unique<api::Gateway>(*keys_, *audit_, clock_, config_.api, config_.auth.enabled);
  // Each collector reads a module that may not run in this process.
  systemDeps_ = std::make_unique<api::SystemRoutesDeps>(api::SystemRoutesDeps{
      *store_,
      *bus_,
      clock_,
      createdAt_,
      kVersion,
      kCommit,
      [this]() { return http_ ? http_->stats() : net::ServerStats{}; },
      {[this](PrometheusText& out) { metrics::writeMetricsStats(metrics_->stats(), out); },
       [this](PrometheusText& out) {
         if (health_) health::writeEngineStats(health_->stats(), out);
       },
       [this](PrometheusText& out) {
         if (alerting_) alerting_->writeStats(out);
       },
       [this](PrometheusText& out) {
         if (logs_) logs_->writeStats(out);
         if (syslog_) logs::writeSyslogStats(syslog_->stats(), out);
       },
       [this](PrometheusText& out) {
         if (analysis_) analysis_->writeStats(out);
         if (metricScorer_) metricScorer_->writeStats(out);
       },
       [this](PrometheusText& out) {
         if (backups_) backups_->writeStats(out);
       }},
      backendKinds(config_),
      [this] { return heldLeases(); },
      modules_.size() == config::kModuleNames.size() ? std::vector<std::string>{} : modules_,
      membership_->sharding() != nullptr
          ? std::function<nlohmann::json()>([this] { return membership_->shardView(); })
          : std::function<nlohmann::json()>()});
  gateway_->add(api::systemRoutes(*systemDeps_));
  // Without `api`, a process answers /healthz, /readyz and /metrics only (a worker).
  if (runs("api")) addModuleRoutes();
  gateway_->add(api::openApiRoute(*gateway_, kVersion));
  gateway_->install(*router_);
  return okStatus();
}

// The API of each module this process runs; a module run elsewhere answers 404 here, and a
// path-routing proxy in front sends its paths to a process that runs it (docs/OPERATIONS.md).
void PharosApp::addModuleRoutes() {
  gateway_->add(api::metricsRoutes(api::MetricsRoutesDeps{
      *metrics_, clock_,
      [this] { return scraper_ ? scraper_->status() : std::vector<metrics::TargetStatus>{}; }}));
  if (health_) {
    gateway_->add(api::healthRoutes(
        api::HealthRoutesDeps{*checks_, *health_, *checkResults_, *uptimeDays_, *metrics_,
                              *outbound_, clock_, [this] { return reloadConfig(); }}));
  }
  if (logs_) gateway_->add(api::logRoutes(api::LogRoutesDeps{*logs_, clock_}));
  if (alerting_) {
    alertingDeps_ = std::make_unique<api::AlertingRoutesDeps>(api::AlertingRoutesDeps{
        alerting_->sloCatalog(), alerting_->sloEngine(), alerting_->rules(), alerting_->silences(),
        alerting_->receivers(), alerting_->outbox(), alerting_->sender(), clock_, config_.env,
        alerting_->externalUrl(), anomalies_});
    gateway_->add(api::sloRoutes(*alertingDeps_));
    gateway_->add(api::alertRoutes(*alertingDeps_));
    gateway_->add(api::notifyRoutes(*alertingDeps_));
  }
  gateway_->add(api::analysisRoutes(api::AnalysisRoutesDeps{*anomalies_, clock_}));
  if (backups_) gateway_->add(api::backupRoutes(*backups_));
  gateway_->add(api::keysRoutes(*keys_));
  gateway_->add(api::auditRoutes(*audit_));
  if (health_) {
    std::vector<config::FieldProblem> ignored;  // reported when the config was loaded
    statusPages_ = std::make_shared<dashboard::StatusPageDeps>(
        dashboard::StatusPageDeps{dashboard::readStatusPages(config_.statusPages.pages, ignored),
                                  *checks_, *health_, *uptimeDays_, *metrics_, clock_});
    gateway_->add(dashboard::dashboardRoutes(statusPages_));
  }
}

Status PharosApp::startHttp() {
  PHAROS_ASSIGN_OR_RETURN(config::HostPort hp, config::parseHostPort(config_.server.listen));
  net::ServerOptions o;
  o.host = hp.host;
  o.port = hp.port;
  o.threads = config_.server.threads;
  o.maxConnections = static_cast<size_t>(config_.server.maxConnections);
  o.maxBodyBytes = static_cast<size_t>(config_.server.maxBodyBytes);
  o.maxHeaderBytes = static_cast<size_t>(config_.server.maxHeaderBytes);
  o.readTimeout = config_.server.readTimeout;
  o.idleTimeout = config_.server.idleTimeout;
  o.tlsCertFile = config_.server.tls.certFile;
  o.tlsKeyFile = config_.server.tls.keyFile;
  o.allowCidrs = config_.server.allowCidrs;
  o.trustedProxies = config_.server.trustedProxies;
  PHAROS_ASSIGN_OR_RETURN(http_, net::HttpServer::start(o, router_));
  log_.info("listening", {{"http", fmt::format("{}:{}", hp.host, http_->port())},
                          {"tls", config_.server.tls.enabled()}});
  return okStatus();
}

Status PharosApp::start() {
  PHAROS_TRY(lifecycle_.startAll());
  started_ = true;
  auto ms = std::chrono::duration_cast<Millis>(clock_.monotonic() - createdAt_).count();
  log_.info("pharos started", {{"version", kVersion},
                               {"env", config::environmentName(config_.env)},
                               {"data_dir", config_.dataDir},
                               {"startup_ms", ms}});
  return okStatus();
}

void PharosApp::stop() {
  if (!started_) return;
  started_ = false;
  lifecycle_.stopAll(config_.server.drainTimeout);
  log_.info("pharos stopped");
}

Status PharosApp::reloadTls() {
  if (!http_ || !config_.server.tls.enabled()) return okStatus();
  PHAROS_TRY(http_->reloadTls());
  log_.info("TLS certificate reloaded", {{"cert_file", config_.server.tls.certFile}});
  return okStatus();
}

uint16_t PharosApp::httpPort() const {
  return http_ ? http_->port() : 0;
}

int runServe(config::Config config, PharosApp::ConfigSource source,
             std::optional<Secret> envMasterKey) {
  // Signals are taken synchronously by this thread; every thread the app starts inherits the
  // blocked mask, so none of them is interrupted by one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  tuneMallocForServer();
  logging::Logger log("app");
  // Every connection and every open file costs a descriptor; servers commonly raise the soft
  // limit to the hard one so server.max_connections, not a default of 1024, is the limit.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &files) != 0) log.warn("cannot raise the open-file limit");
  }
  Millis drainTimeout = config.server.drainTimeout;
  PharosApp app(std::move(config), systemClock(), std::move(source), std::move(envMasterKey));
  if (Status s = app.start(); !s.ok()) {
    log.error("cannot start", {{"error", s.error().toString()}});
    fmt::print(stderr, "pharos: cannot start: {}\n", s.error().toString());
    return 1;
  }
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      // Certificates are renewed in place (certbot, cert-manager): pick up the new files.
      if (Status s = app.reloadTls(); !s.ok()) {
        log.error("TLS reload failed; still serving the previous certificate",
                  {{"error", s.error().toString()}});
      }
      // Config-as-code: checks and maintenance windows follow the file.
      if (auto r = app.reloadConfig();
          !r.ok() && r.error().code != ErrorCode::kFailedPrecondition) {
        log.error("config reload failed; still running the previous checks",
                  {{"error", r.error().toString()}});
      }
      continue;
    }
    log.info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                               {"drain_timeout_ms", drainTimeout.count()}});
    break;
  }
  app.stop();
  return 0;
}

}  // namespace pharos::app
