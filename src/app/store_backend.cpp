#include "app/store_backend.h"

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

#ifdef PHAROS_HAVE_POSTGRES
#include "store/postgres/conninfo.h"
#include "store/postgres/postgres_store.h"
#endif

namespace pharos::app {
namespace {

std::string sqlitePath(const config::Config& config, StoreRole role) {
  return config.dataDir + (role == StoreRole::kMain ? "/pharos.db" : "/metrics.db");
}

Result<store::StorePtr> openSqlite(const config::Config& config, StoreRole role,
                                   StoreOpen mode) {
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
Result<store::StorePtr> openPostgres(const config::Config& config, StoreRole role) {
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
  PHAROS_ASSIGN_OR_RETURN(auto opened, store::PostgresStore::open(std::move(o)));
  return store::StorePtr(std::move(opened));
}
#endif

}  // namespace

Result<store::StorePtr> openConfiguredStore(const config::Config& config, StoreRole role,
                                            StoreOpen mode) {
  if (config.store.backend == config::StoreBackend::kSqlite) return openSqlite(config, role, mode);
#ifdef PHAROS_HAVE_POSTGRES
  auto opened = openPostgres(config, role);
  if (!opened.ok()) return std::move(opened).error().withContext(describeStore(config, role));
  return opened;
#else
  (void)mode;
  return makeError(ErrorCode::kFailedPrecondition,
                   "store.backend is postgres, but this binary was built without it "
                   "(-DPHAROS_WITH_POSTGRES=OFF)",
                   "store.backend");
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

}  // namespace pharos::app
