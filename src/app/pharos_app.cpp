#include "app/pharos_app.h"

#include <signal.h>
#include <sys/resource.h>

#include <filesystem>

#include <fmt/format.h>

#include "api/audit_routes.h"
#include "api/keys_routes.h"
#include "api/openapi.h"
#include "api/route_table.h"
#include "api/system_routes.h"
#include "app/build_info.h"
#include "bus/embedded/embedded_bus.h"
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

PharosApp::PharosApp(config::Config config, Clock& clock)
    : config_(std::move(config)), clock_(clock), createdAt_(clock.monotonic()), lifecycle_(clock) {
  declareServices();
}

PharosApp::~PharosApp() {
  stop();
}

void PharosApp::declareServices() {
  auto add = [this](std::string name, std::vector<std::string> deps, Status (PharosApp::*start)(),
                    std::function<void(MonoTime)> stop) {
    lifecycle_.add({std::move(name), std::move(deps), [this, start] { return (this->*start)(); },
                    std::move(stop)});
  };
  add("data_dir", {}, &PharosApp::startDataDir, [this](MonoTime) { lock_.reset(); });
  add("store", {"data_dir"}, &PharosApp::startStore, [this](MonoTime) { store_.reset(); });
  add("bus", {"data_dir"}, &PharosApp::startBus, [this](MonoTime) { bus_.reset(); });
  add("objects", {"data_dir"}, &PharosApp::startObjects, [this](MonoTime) {
    sweeper_.reset();
    objects_.reset();
  });
  add("auth", {"store"}, &PharosApp::startAuth, [this](MonoTime) {
    auditPruner_.reset();
    audit_.reset();
    keys_.reset();
  });
  add("api", {"store", "bus", "auth"}, &PharosApp::startApi, [this](MonoTime) {
    router_.reset();
    gateway_.reset();
  });
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
  store::SqliteStoreOptions o;
  o.busyTimeout = config_.store.busyTimeout;
  PHAROS_ASSIGN_OR_RETURN(store_, store::SqliteStore::open(config_.dataDir + "/pharos.db", o));
  return okStatus();
}

Status PharosApp::startBus() {
  PHAROS_ASSIGN_OR_RETURN(bus_, bus::EmbeddedBus::open(config_.dataDir + "/bus.db", clock_));
  return okStatus();
}

Status PharosApp::startObjects() {
  PHAROS_ASSIGN_OR_RETURN(objects_,
                          objects::LocalObjectStore::open(config_.dataDir + "/objects", clock_));
  sweeper_ = std::make_unique<objects::LifecycleSweeper>(
      *objects_, clock_,
      objects::LifecycleSweeper::Options{lifecycleRules(config_), config_.objects.sweepInterval});
  sweeper_->start();
  return okStatus();
}

Status PharosApp::startAuth() {
  PHAROS_ASSIGN_OR_RETURN(keys_, auth::openApiKeys(*store_, clock_));
  PHAROS_ASSIGN_OR_RETURN(audit_, auth::openAuditLog(*store_, clock_));
  PHAROS_TRY(bootstrapKeys());
  auditPruner_ = std::make_unique<PeriodicTask>(std::chrono::hours(1), [this] {
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

Status PharosApp::startApi() {
  router_ = std::make_shared<net::Router>();
  gateway_ =
      std::make_unique<api::Gateway>(*keys_, *audit_, clock_, config_.api, config_.auth.enabled);
  gateway_->add(api::systemRoutes(
      api::SystemRoutesDeps{*store_, *bus_, clock_, createdAt_, kVersion, kCommit,
                            [this]() { return http_ ? http_->stats() : net::ServerStats{}; }}));
  gateway_->add(api::keysRoutes(*keys_));
  gateway_->add(api::auditRoutes(*audit_));
  gateway_->add(api::openApiRoute(*gateway_, kVersion));
  gateway_->install(*router_);
  return okStatus();
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

int runServe(const config::Config& config) {
  // Signals are taken synchronously by this thread; every thread the app starts inherits the
  // blocked mask, so none of them is interrupted by one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  logging::Logger log("app");
  // Every connection and every open file costs a descriptor; servers commonly raise the soft
  // limit to the hard one so server.max_connections, not a default of 1024, is the limit.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &files) != 0) log.warn("cannot raise the open-file limit");
  }
  PharosApp app(config, systemClock());
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
      continue;
    }
    log.info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                               {"drain_timeout_ms", config.server.drainTimeout.count()}});
    break;
  }
  app.stop();
  return 0;
}

}  // namespace pharos::app
