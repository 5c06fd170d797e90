// PromQL through the metrics store (SQLite file, chunks persisted, the head in memory), as
// GET /api/v1/metrics/query_range runs it, rendering included.
//   build/bench/metrics_query_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/malloc_tuning.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "latency_counters.h"
#include "metrics/metrics_store.h"
#include "promql/evaluator.h"
#include "promql/parser.h"
#include "promql/render.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::metrics {
namespace {

constexpr std::int64_t kEnd = 1'700'000'000'000 / 3'600'000 * 3'600'000;
constexpr std::int64_t kDay = 86'400'000;

struct Fixture {
  testing::TempDir dir;
  testing::ManualClock clock{fromUnixMillis(kEnd)};
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<MetricsStore> metrics;

  Fixture() {
    tuneMallocForServer();  // as `pharos serve` runs
    store::SqliteStoreOptions storeOptions;
    storeOptions.pageSize = 65536;  // as the app opens it
    store = store::SqliteStore::open(dir.file("metrics.db"), storeOptions).value();
    MetricsOptions options;
    options.walDir = dir.file("wal");
    options.rawRetention = Millis(40 * kDay);
    metrics = MetricsStore::open(*store, options, clock).value();
  }

  std::string query(const std::string& expr, std::int64_t start, std::int64_t end,
                    std::int64_t step) {
    auto parsed = promql::parse(expr).value();
    promql::EvalOptions options;
    options.maxSteps = 100'000;
    auto result = promql::evaluateRange(*metrics, *parsed, start, end, step, options);
    if (!result.ok()) std::abort();
    return promql::renderQueryResult(*result);
  }
};

// One counter scraped every 15 s for 30 days (172,800 samples, persisted), queried over the
// 30 days at a 1 m step (43,201 points), answered from 1-minute rollups.
void BM_OneSeries30DaysAt1mStep(benchmark::State& state) {
  Fixture f;
  Labels labels{{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", "a:80"}};
  std::vector<IncomingSample> batch;
  double v = 0;
  for (std::int64_t t = kEnd - 30 * kDay; t < kEnd; t += 15'000) {
    v += static_cast<double>(t % 7);
    batch.push_back({labels, {t, v}});
    if (batch.size() == 10'000) {
      if (!f.metrics->append(batch).ok()) std::abort();
      batch.clear();
    }
  }
  if (!f.metrics->append(batch).ok() || !f.metrics->flush().ok()) std::abort();
  const std::string expr =
      state.range(0) == 0 ? "http_requests_total" : "rate(http_requests_total[5m])";
  std::size_t bytes = f.query(expr, kEnd - 30 * kDay, kEnd, 60'000).size();  // warm caches
  bench::measureLatency(state,
                        [&] { bytes = f.query(expr, kEnd - 30 * kDay, kEnd, 60'000).size(); });
  state.counters["response_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_OneSeries30DaysAt1mStep)
    ->Arg(0)
    ->Arg(1)
    ->Iterations(300)
    ->Unit(benchmark::kMillisecond);

// sum by (job) (rate(x[5m])) over 10,000 series (10 jobs) for 1 h at a 15 s step, the
// samples (one every 15 s) in the head as they are for the last hours.
void BM_SumRate10kSeries1h(benchmark::State& state) {
  Fixture f;
  std::vector<IncomingSample> batch;
  for (int i = 0; i < 10'000; ++i) {
    batch.push_back({Labels{{"__name__", "x"},
                            {"job", "job" + std::to_string(i % 10)},
                            {"instance", "host" + std::to_string(i) + ":9100"}},
                     {0, 0}});
  }
  std::vector<SeriesRef> refs;
  std::vector<MetricsStore::RefSample> byRef;
  for (std::int64_t t = kEnd - 3'600'000 - 600'000; t <= kEnd; t += 15'000) {
    if (refs.empty()) {
      for (auto& s : batch)
        s.sample = {t, 1};
      if (!f.metrics->append(batch, &refs).ok()) std::abort();
      for (SeriesRef r : refs)
        byRef.push_back({r, {t, 1}});
      continue;
    }
    for (std::size_t k = 0; k < byRef.size(); ++k)
      byRef[k].sample = {t, byRef[k].sample.v + static_cast<double>(k % 5)};
    if (!f.metrics->appendRefs(byRef).ok()) std::abort();
  }
  f.query("sum by (job) (rate(x[5m]))", kEnd - 3'600'000, kEnd, 15'000);  // warm caches
  bench::measureLatency(state, [&] {
    benchmark::DoNotOptimize(f.query("sum by (job) (rate(x[5m]))", kEnd - 3'600'000, kEnd, 15'000));
  });
}
BENCHMARK(BM_SumRate10kSeries1h)->Iterations(100)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pharos::metrics

BENCHMARK_MAIN();
