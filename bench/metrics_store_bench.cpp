// The metrics store's write path and memory, on the real disk (the write-ahead log is
// fsynced once per batch, as append() does before it returns).
//   build/bench/metrics_store_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/process_stats.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "metrics/metrics_store.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::metrics {
namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;

struct Fixture {
  testing::TempDir dir;
  testing::ManualClock clock{fromUnixMillis(kStart)};
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<MetricsStore> metrics;

  Fixture() {
    store = store::SqliteStore::open(dir.file("metrics.db")).value();
    MetricsOptions options;
    options.walDir = dir.file("wal");
    options.maxFutureMs = 365LL * 86'400'000;  // the benchmark writes ahead of its clock
    metrics = MetricsStore::open(*store, options, clock).value();
  }
};

// node_exporter-like label sets: 6 labels, the instance varying slowest.
std::vector<Labels> makeSeries(int count) {
  std::vector<Labels> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    out.push_back(Labels{{"__name__", "node_metric_" + std::to_string(i % 100) + "_total"},
                         {"job", "node"},
                         {"instance", "10.0." + std::to_string(i / 25600) + "." +
                                          std::to_string((i / 100) % 256) + ":9100"},
                         {"cpu", std::to_string(i % 8)},
                         {"mode", i % 2 ? "user" : "system"},
                         {"env", "prod"}});
  }
  return out;
}

// Samples/s appended: one batch = one sample for each of `series` series at one timestamp
// (a scrape of everything), durable when append() returns.
void BM_AppendBatched(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  Fixture f;
  auto labels = makeSeries(series);
  std::vector<IncomingSample> batch;
  for (const auto& l : labels)
    batch.push_back({l, {kStart, 0}});
  std::int64_t t = kStart;
  double v = 0;
  // Creating the series is a one-time cost (measured apart, below): steady state here.
  if (!f.metrics->append(batch).ok()) state.SkipWithError("append failed");
  for (auto _ : state) {
    t += 15'000;
    v += 1.25;
    for (auto& s : batch)
      s.sample = {t, v};
    auto result = f.metrics->append(batch);
    if (!result.ok() || result->appended != batch.size()) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations() * series);
}
BENCHMARK(BM_AppendBatched)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The same through appendRefs(), as a scrape loop does once it knows its series' refs.
void BM_AppendRefsBatched(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  Fixture f;
  auto labels = makeSeries(series);
  std::vector<IncomingSample> first;
  for (const auto& l : labels)
    first.push_back({l, {kStart, 0}});
  std::vector<SeriesRef> refs;
  if (!f.metrics->append(first, &refs).ok()) state.SkipWithError("append failed");
  std::vector<MetricsStore::RefSample> batch;
  for (SeriesRef ref : refs)
    batch.push_back({ref, {kStart, 0}});
  std::int64_t t = kStart;
  double v = 0;
  for (auto _ : state) {
    t += 15'000;
    v += 1.25;
    for (auto& s : batch)
      s.sample = {t, v};
    auto result = f.metrics->appendRefs(batch);
    if (!result.ok() || result->appended != batch.size()) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations() * series);
}
BENCHMARK(BM_AppendRefsBatched)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// New series/s: the first scrape of 100,000 series (index, postings, write-ahead record).
void BM_CreateSeries(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  auto labels = makeSeries(series);
  std::vector<IncomingSample> batch;
  for (const auto& l : labels)
    batch.push_back({l, {kStart, 1}});
  for (auto _ : state) {
    state.PauseTiming();
    auto f = std::make_unique<Fixture>();
    state.ResumeTiming();
    auto result = f->metrics->append(batch);
    if (!result.ok() || result->createdSeries != batch.size()) state.SkipWithError("failed");
    state.PauseTiming();
    f.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * series);
}
BENCHMARK(BM_CreateSeries)->Arg(100'000)->Iterations(3)->Unit(benchmark::kMillisecond);

// Resident memory per active series once each holds a full 2-hour open chunk of 15 s
// samples (480), reported as the counter bytes_per_series.
void BM_MemoryPerActiveSeries(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  for (auto _ : state) {
    Fixture f;
    auto labels = makeSeries(series);
    std::vector<IncomingSample> batch;
    for (const auto& l : labels)
      batch.push_back({l, {kStart, 0}});
    // The caller's batch is not the store's memory: measure from here.
    auto before = readProcessStats().value().residentBytes;
    // Start on a window boundary so all 480 samples share one open chunk.
    std::int64_t t = kStart - kStart % (2 * 3'600'000);
    for (auto& s : batch)
      s.sample.t = t;
    for (int i = 0; i < 479; ++i) {
      t += 15'000;
      for (std::size_t k = 0; k < batch.size(); ++k)
        batch[k].sample = {t, static_cast<double>(i * (k % 7) + (k % 13) * 1024)};
      if (!f.metrics->append(batch).ok()) state.SkipWithError("append failed");
    }
    auto after = readProcessStats().value().residentBytes;
    state.counters["bytes_per_series"] =
        static_cast<double>(after - before) / static_cast<double>(series);
    state.counters["head_bytes_per_series"] =
        static_cast<double>(f.metrics->stats().headBytes) / static_cast<double>(series);
  }
}
BENCHMARK(BM_MemoryPerActiveSeries)->Arg(50'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pharos::metrics

BENCHMARK_MAIN();
