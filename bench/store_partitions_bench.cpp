// Retention on PostgreSQL (issue 11): expiring N days of metric chunks by DROP of their day
// partitions (DayPartitions, as metrics::expireChunks does it, with the row-level DELETE for
// the edge day) against the DELETE an unpartitioned table needs; and the one-off cost of the
// upgrade that partitions an existing table. Rows have the shape of metric_chunks (about 200
// bytes of data each); Arg(0) is the days expired, Arg(1) the rows a day. Counters: the
// partitions dropped, the rows deleted one by one, and the WAL bytes the retention wrote.
//
//   tests/tools/test-postgres.sh start /tmp/bench-pg --durable
//   PHAROS_BENCH_POSTGRES="$(cat /tmp/bench-pg/conninfo)" build/bench/store_partitions_bench

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "store/day_partitions.h"

#ifdef PHAROS_HAVE_POSTGRES
#include "store/postgres/postgres_store.h"
#endif

namespace pharos::store {
namespace {

constexpr std::int64_t kFirstDay = 19'675;
constexpr std::int64_t kSeries = 1000;
constexpr std::int64_t kMaxSpan = 2 * 3'600'000;

Table chunks() {
  return Table{"bench_part_chunks",
               {{"series_id", ColumnType::kInteger, false},
                {"resolution", ColumnType::kInteger, false},
                {"min_t", ColumnType::kInteger, false},
                {"max_t", ColumnType::kInteger, false},
                {"samples", ColumnType::kInteger, false},
                {"data", ColumnType::kBlob, false}},
               {"series_id", "resolution", "min_t"},
               {{"bench_part_chunks_by_age", {"resolution", "min_t"}}}};
}

PartitionScheme scheme() {
  return PartitionScheme{
      .parent = "bench_part_chunks", .millisColumn = "min_t", .groupColumn = "resolution"};
}

std::unique_ptr<Store> openPostgres() {
#ifdef PHAROS_HAVE_POSTGRES
  const char* conninfo = std::getenv("PHAROS_BENCH_POSTGRES");
  if (conninfo == nullptr || *conninfo == '\0') return nullptr;
  PostgresStoreOptions o;
  o.conninfo = Secret(conninfo);
  auto s = PostgresStore::open(std::move(o));
  return s.ok() ? std::move(s).value() : nullptr;
#else
  return nullptr;
#endif
}

// `days` + 1 days of chunks in a plain table: `days` to expire and one to keep.
bool load(Store& store, std::int64_t days, std::int64_t rowsPerDay) {
  if (!store.execute("DROP TABLE IF EXISTS bench_part_chunks CASCADE").ok()) return false;
  if (!store.execute("DROP TABLE IF EXISTS bench_part_chunks_unpartitioned CASCADE").ok())
    return false;
  for (const std::string& sql : renderTable(chunks(), Dialect::kPostgres)) {
    if (!store.execute(sql).ok()) return false;
  }
  const std::int64_t step = kMsPerDay * kSeries / rowsPerDay;
  auto loaded = store.execute(
      "INSERT INTO bench_part_chunks SELECT i % $1, 0, $2 + (i / $1) * $3, $2 + (i / $1) * $3 + "
      "$3 - 1, 120, decode(repeat(md5(i::text), 12), 'hex') FROM generate_series(0::bigint, $4 "
      "- 1) AS i",
      {kSeries, kFirstDay * kMsPerDay, step, (days + 1) * rowsPerDay});
  return loaded.ok() && store.execute("ANALYZE bench_part_chunks").ok();
}

bool partition(Store& store) {
  return store.transaction([](Session& s) { return partitionExistingTable(s, chunks(), scheme()); })
      .ok();
}

Result<std::int64_t> deleteBefore(Store& store, std::int64_t cutoff) {
  return store.execute(
      "DELETE FROM bench_part_chunks WHERE resolution = 0 AND min_t < $1 AND max_t < $1", {cutoff});
}

// Where PostgreSQL's WAL stands now, and the bytes written since `from`: a DELETE writes a
// record for every row it removes, a DROP a few for the catalog.
std::string walPosition(Store& store) {
  auto rows = store.query("SELECT pg_current_wal_insert_lsn()::text");
  return rows.ok() && !rows->empty() ? std::string(rows->at(0).text(0)) : "0/0";
}

double walBytesSince(Store& store, const std::string& from) {
  auto rows = store.query("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::bigint",
                          {from});
  return rows.ok() && !rows->empty() ? static_cast<double>(rows->at(0).integer(0)) : -1;
}

void run(benchmark::State& state, bool partitioned) {
  auto store = openPostgres();
  if (!store) {
    state.SkipWithError("PostgreSQL not available (PHAROS_BENCH_POSTGRES unset?)");
    return;
  }
  const std::int64_t days = state.range(0);
  const std::int64_t rowsPerDay = state.range(1);
  const std::int64_t cutoff = (kFirstDay + days) * kMsPerDay;
  std::int64_t partitionsDropped = 0;
  std::int64_t rowsDeleted = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (!load(*store, days, rowsPerDay) || (partitioned && !partition(*store))) {
      state.SkipWithError("could not load the table");
      return;
    }
    DayPartitions parts(*store, scheme());
    const std::string wal = walPosition(*store);
    state.ResumeTiming();
    if (partitioned) {
      auto dropped = parts.dropDaysEndingBy(0, cutoff - kMaxSpan, false);
      if (!dropped.ok()) state.SkipWithError(dropped.error().toString().c_str());
      partitionsDropped = dropped.valueOr(0);
    }
    auto deleted = deleteBefore(*store, cutoff);
    if (!deleted.ok()) state.SkipWithError(deleted.error().toString().c_str());
    rowsDeleted = deleted.valueOr(0);
    state.PauseTiming();
    state.counters["wal_bytes"] = walBytesSince(*store, wal);
    state.ResumeTiming();
  }
  state.counters["partitions_dropped"] = static_cast<double>(partitionsDropped);
  state.counters["rows_deleted"] = static_cast<double>(rowsDeleted);
}

void BM_RetentionByDelete(benchmark::State& state) {
  run(state, false);
}

void BM_RetentionByDropPartition(benchmark::State& state) {
  run(state, true);
}

// The upgrade's one-off copy of an existing table into its partitions.
void BM_PartitionExistingTable(benchmark::State& state) {
  auto store = openPostgres();
  if (!store) {
    state.SkipWithError("PostgreSQL not available (PHAROS_BENCH_POSTGRES unset?)");
    return;
  }
  for (auto _ : state) {
    state.PauseTiming();
    if (!load(*store, state.range(0), state.range(1))) {
      state.SkipWithError("could not load the table");
      return;
    }
    state.ResumeTiming();
    if (!partition(*store)) state.SkipWithError("partitioning failed");
  }
}

BENCHMARK(BM_RetentionByDelete)
    ->Args({7, 100'000})
    ->Args({7, 400'000})
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_RetentionByDropPartition)
    ->Args({7, 100'000})
    ->Args({7, 400'000})
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_PartitionExistingTable)
    ->Args({7, 100'000})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace pharos::store

BENCHMARK_MAIN();
