// The store's cost on each backend (issue 11), for docs/BENCHMARKS.md:
// - embedded SQLite: the upsert spelled the portable way (ON CONFLICT … DO UPDATE) against
//   the SQLite-only INSERT OR REPLACE it replaced, on the metrics chunk table's shape: the
//   "no cost for the abstraction" figure;
// - PostgreSQL, when PHAROS_BENCH_POSTGRES holds a conninfo (bench/store_backends.sh starts a
//   server and sets it): the same statements through the pool and prepared statements.
//
//   build/bench/store_backends_bench                # SQLite only
//   bench/store_backends.sh                         # both, PostgreSQL on a throw-away server

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "fakes/temp_dir.h"
#include "store/sqlite/sqlite_store.h"

#ifdef PHAROS_HAVE_POSTGRES
#include "store/postgres/postgres_store.h"
#endif

namespace pharos::store {
namespace {

MigrationSet chunks() {
  Table t{"bench_chunks",
          {{"series_id", ColumnType::kInteger, false},
           {"resolution", ColumnType::kInteger, false},
           {"min_t", ColumnType::kInteger, false},
           {"max_t", ColumnType::kInteger, false},
           {"samples", ColumnType::kInteger, false},
           {"data", ColumnType::kBlob, false}},
          {"series_id", "resolution", "min_t"},
          {}};
  return MigrationSet{"bench_chunks", {{1, "chunks", {t}, {}}}};
}

const char* kOnConflict =
    "INSERT INTO bench_chunks (series_id, resolution, min_t, max_t, samples, data) VALUES ($1, "
    "$2, $3, $4, $5, $6) ON CONFLICT (series_id, resolution, min_t) DO UPDATE SET max_t = "
    "excluded.max_t, samples = excluded.samples, data = excluded.data";
const char* kInsertOrReplace =
    "INSERT OR REPLACE INTO bench_chunks (series_id, resolution, min_t, max_t, samples, data) "
    "VALUES ($1, $2, $3, $4, $5, $6)";

std::unique_ptr<Store> openBackend(const std::string& backend, testing::TempDir& dir) {
#ifdef PHAROS_HAVE_POSTGRES
  if (backend == "postgres") {
    const char* conninfo = std::getenv("PHAROS_BENCH_POSTGRES");
    if (conninfo == nullptr) return nullptr;
    PostgresStoreOptions o;
    o.conninfo = Secret(conninfo);
    auto s = PostgresStore::open(std::move(o));
    if (!s.ok()) return nullptr;
    (void)(*s)->execute("DROP TABLE IF EXISTS bench_chunks");
    (void)(*s)->execute("DELETE FROM _schema_migrations WHERE component = 'bench_chunks'");
    return std::move(s).value();
  }
#endif
  if (backend != "sqlite") return nullptr;
  auto s = SqliteStore::open(dir.file("bench.db"));
  return s.ok() ? std::unique_ptr<Store>(std::move(s).value()) : nullptr;
}

// Upserts of ~1 KiB chunks, `perTransaction` rows in each transaction (1: each its own).
void upserts(benchmark::State& state, const std::string& backend, const char* sql) {
  testing::TempDir dir;
  auto store = openBackend(backend, dir);
  if (store == nullptr) {
    state.SkipWithError("backend not available (PHAROS_BENCH_POSTGRES unset?)");
    return;
  }
  if (!store->migrate(chunks()).ok()) {
    state.SkipWithError("migration failed");
    return;
  }
  const int64_t perTransaction = state.range(0);
  const std::string data(1024, 'x');
  int64_t i = 0;
  for (auto _ : state) {
    Status s = store->transaction([&](Session& session) -> Status {
      for (int64_t k = 0; k < perTransaction; ++k, ++i) {
        // Every other row replaces an earlier one, as a replayed chunk does.
        int64_t series = (i / 2) % 5000;
        PHAROS_TRY(
            session.execute(sql, {series, int64_t{0}, int64_t{1000}, i, int64_t{120}, Blob{data}}));
      }
      return okStatus();
    });
    if (!s.ok()) {
      state.SkipWithError(s.error().toString().c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * perTransaction);
}

void BM_SqliteInsertOrReplace(benchmark::State& state) {
  upserts(state, "sqlite", kInsertOrReplace);
}
void BM_SqliteOnConflictUpdate(benchmark::State& state) {
  upserts(state, "sqlite", kOnConflict);
}
void BM_PostgresOnConflictUpdate(benchmark::State& state) {
  upserts(state, "postgres", kOnConflict);
}

BENCHMARK(BM_SqliteInsertOrReplace)->Arg(1)->Arg(100)->UseRealTime();
BENCHMARK(BM_SqliteOnConflictUpdate)->Arg(1)->Arg(100)->UseRealTime();
BENCHMARK(BM_PostgresOnConflictUpdate)->Arg(1)->Arg(100)->UseRealTime();

// Point reads by primary key, the store's most common query.
void pointReads(benchmark::State& state, const std::string& backend) {
  testing::TempDir dir;
  auto store = openBackend(backend, dir);
  if (store == nullptr || !store->migrate(chunks()).ok()) {
    state.SkipWithError("backend not available (PHAROS_BENCH_POSTGRES unset?)");
    return;
  }
  const std::string data(1024, 'x');
  (void)store->transaction([&](Session& session) -> Status {
    for (int64_t s = 0; s < 1000; ++s)
      PHAROS_TRY(
          session.execute(kOnConflict, {s, int64_t{0}, int64_t{1000}, s, int64_t{1}, Blob{data}}));
    return okStatus();
  });
  int64_t i = 0;
  for (auto _ : state) {
    auto rows = store->query(
        "SELECT max_t, data FROM bench_chunks WHERE series_id = $1 AND resolution = 0 AND "
        "min_t = 1000",
        {(i++) % 1000});
    if (!rows.ok() || rows->size() != 1) {
      state.SkipWithError("read failed");
      return;
    }
    benchmark::DoNotOptimize(rows);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SqlitePointRead(benchmark::State& state) {
  pointReads(state, "sqlite");
}
void BM_PostgresPointRead(benchmark::State& state) {
  pointReads(state, "postgres");
}
BENCHMARK(BM_SqlitePointRead)->UseRealTime();
BENCHMARK(BM_PostgresPointRead)->UseRealTime();

}  // namespace
}  // namespace pharos::store

BENCHMARK_MAIN();
