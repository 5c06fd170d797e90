#include "app/backends.h"

#include <filesystem>

#include <fmt/format.h>

#include "bus/embedded/embedded_bus.h"
#include "objects/local/local_object_store.h"
#include "store/sqlite/sqlite_store.h"

#ifdef PHAROS_HAVE_NATS
#include "bus/nats/nats_bus.h"
#endif
#ifdef PHAROS_HAVE_S3
#include "objects/s3/s3_object_store.h"
#endif

#ifdef PHAROS_HAVE_POSTGRES
#include "store/postgres/conninfo.h"
#include "store/postgres/postgres_store.h"
#endif

namespace pharos::app {
namespace {

// Used only where a backend was left out of the build.
[[maybe_unused]] Error notBuilt(std::string_view key, std::string_view backend,
                                std::string_view option) {
  return makeError(ErrorCode::kFailedPrecondition,
                   fmt::format("{} is {}, but this binary was built without it (-D{}=OFF)", key,
                               backend, option),
                   std::string(key));
}

std::string sqlitePath(const config::Config& config, StoreRole role) {
  return config.dataDir + (role == StoreRole::kMain ? "/pharos.db" : "/metrics.db");
}

Result<store::StorePtr> openSqlite(const config::Config& config, StoreRole role, StoreOpen mode) {
  std::string path = sqlitePath(config, role);
  std::error_code ec;
  if (mode == StoreOpen::kExisting && !std::filesystem::exists(path, ec)) {
    return makeError(ErrorCode::kNotFound,
                     "no database at " + path + " (is --data the server's data directory?)");
  }
  store::SqliteStoreOptions o;
  o.busyTimeout = config.store.busyTimeout;
  // Chunk rows are about a kilobyte: 64 KiB pages waste a tenth of what 4 KiB pages do
  // (measured: 2.06 against 2.32 bytes per sample, bench/metrics_store_bench).
  if (role == StoreRole::kMetrics) o.pageSize = 65536;
  PHAROS_ASSIGN_OR_RETURN(auto opened, store::SqliteStore::open(path, o));
  return store::StorePtr(std::move(opened));
}

#ifdef PHAROS_HAVE_POSTGRES
Result<store::StorePtr> openPostgres(const config::Config& config, StoreRole role,
                                     std::string_view node) {
  PHAROS_ASSIGN_OR_RETURN(store::postgres::ConninfoSummary target,
                          store::postgres::parseConninfo(config.store.url));
  if (config.env == config::Environment::kProd && !target.local() && !target.tlsRequired()) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "prod reaches PostgreSQL at " + target.describe() +
                         " over the network: add sslmode=require (or verify-full) to store.url",
                     "store.url");
  }
  store::PostgresStoreOptions o;
  o.conninfo = config.store.url;
  // The metrics pool is small: one flusher writes, queries read.
  o.poolSize = role == StoreRole::kMain ? static_cast<size_t>(config.store.poolSize)
                                        : std::max<size_t>(2, config.store.poolSize / 4);
  o.acquireTimeout = config.store.busyTimeout;
  if (role == StoreRole::kMetrics) {
    // Each process keeps its own metrics (series ids are numbered in memory, and the write-
    // ahead log is local): a schema per node on the shared database, never one for all.
    o.schema = "pharos_metrics_" + std::string(node);
  }
  PHAROS_ASSIGN_OR_RETURN(auto opened, store::PostgresStore::open(std::move(o)));
  return store::StorePtr(std::move(opened));
}
#endif

}  // namespace

Result<store::StorePtr> openConfiguredStore(const config::Config& config, StoreRole role,
                                            StoreOpen mode, std::string_view node) {
  if (config.store.backend == config::StoreBackend::kSqlite) return openSqlite(config, role, mode);
#ifdef PHAROS_HAVE_POSTGRES
  auto opened = openPostgres(config, role, node);
  if (!opened.ok()) return std::move(opened).error().withContext(describeStore(config, role));
  return opened;
#else
  (void)mode;
  (void)node;
  return notBuilt("store.backend", "postgres", "PHAROS_WITH_POSTGRES");
#endif
}

std::string describeStore(const config::Config& config, StoreRole role) {
  if (config.store.backend == config::StoreBackend::kSqlite) return sqlitePath(config, role);
#ifdef PHAROS_HAVE_POSTGRES
  auto target = store::postgres::parseConninfo(config.store.url);
  if (target.ok()) return "postgres " + target->describe();
#endif
  return "postgres";
}

bool logIndexIsShared(const config::Config& config) {
  return config.store.backend == config::StoreBackend::kPostgres;
}

Result<bus::BusPtr> openConfiguredBus(const config::Config& config, Clock& clock) {
  if (config.bus.backend == config::BusBackend::kEmbedded) {
    PHAROS_ASSIGN_OR_RETURN(auto opened, bus::EmbeddedBus::open(config.dataDir + "/bus.db", clock));
    return bus::BusPtr(std::move(opened));
  }
#ifdef PHAROS_HAVE_NATS
  bus::NatsBusOptions o;
  o.servers = config.bus.servers;
  o.replicas = static_cast<int>(config.bus.replicas);
  o.prefix = config.bus.prefix;
  o.user = config.bus.user;
  o.password = config.bus.password;
  o.credentialsFile = config.bus.credentialsFile;
  o.tlsCaFile = config.bus.tlsCaFile;
  o.tlsCertFile = config.bus.tlsCertFile;
  o.tlsKeyFile = config.bus.tlsKeyFile;
  auto opened = bus::NatsBus::open(o, clock);
  if (!opened.ok()) return std::move(opened).error().withContext("bus");
  return bus::BusPtr(std::move(opened).value());
#else
  (void)clock;
  return notBuilt("bus.backend", "nats", "PHAROS_WITH_NATS");
#endif
}

Result<objects::ObjectStorePtr> openConfiguredObjects(const config::Config& config, Clock& clock) {
  if (config.objects.backend == config::ObjectsBackend::kLocal) {
    PHAROS_ASSIGN_OR_RETURN(auto opened,
                            objects::LocalObjectStore::open(config.dataDir + "/objects", clock));
    return objects::ObjectStorePtr(std::move(opened));
  }
#ifdef PHAROS_HAVE_S3
  const config::S3Config& c = config.objects.s3;
  objects::S3Options o;
  o.endpoint = c.endpoint;
  o.region = c.region;
  o.bucket = c.bucket;
  o.prefix = c.prefix;
  o.accessKeyId = c.accessKeyId;
  o.secretAccessKey = c.secretAccessKey;
  o.pathStyle = c.pathStyle;
  auto opened = objects::S3ObjectStore::open(o, clock);
  if (!opened.ok()) return std::move(opened).error().withContext("objects.s3");
  return objects::ObjectStorePtr(std::move(opened).value());
#else
  (void)clock;
  return notBuilt("objects.backend", "s3", "PHAROS_WITH_S3");
#endif
}

std::string describeBus(const config::Config& config) {
  if (config.bus.backend == config::BusBackend::kEmbedded) return config.dataDir + "/bus.db";
  return fmt::format("nats {}", fmt::join(config.bus.servers, ","));
}

std::map<std::string, std::string> backendKinds(const config::Config& config) {
  return {{"store", config.store.backend == config::StoreBackend::kSqlite ? "sqlite" : "postgres"},
          {"bus", config.bus.backend == config::BusBackend::kEmbedded ? "embedded" : "nats"},
          {"objects", config.objects.backend == config::ObjectsBackend::kLocal ? "local" : "s3"}};
}

std::string describeObjects(const config::Config& config) {
  if (config.objects.backend == config::ObjectsBackend::kLocal) {
    return config.dataDir + "/objects";
  }
  const config::S3Config& s3 = config.objects.s3;
  return fmt::format("s3 {}/{}{}{}", s3.endpoint, s3.bucket, s3.prefix.empty() ? "" : "/",
                     s3.prefix);
}

}  // namespace pharos::app
