// The metrics store's write path and memory, on the real disk (the write-ahead log is
// fsynced once per batch, as append() does before it returns).
//   build/bench/metrics_store_bench
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/clock.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "metrics/metrics_store.h"
#include "metrics_dataset.h"
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
    // The caller's batch is not the store's memory: measure from here. Heap bytes in use
    // (mallinfo2), which RSS would blur with pages malloc keeps after frees.
    auto before = mallinfo2().uordblks;
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
    auto after = mallinfo2().uordblks;
    state.counters["bytes_per_series"] =
        static_cast<double>(after - before) / static_cast<double>(series);
    state.counters["head_bytes_per_series"] =
        static_cast<double>(f.metrics->stats().headBytes) / static_cast<double>(series);
  }
}
BENCHMARK(BM_MemoryPerActiveSeries)->Arg(20'000)->Iterations(1)->Unit(benchmark::kMillisecond);

Labels parseDatasetLabels(const std::string& name, const std::string& text) {
  std::vector<Label> labels{{"__name__", name}};
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t eq = text.find('=', at);
    std::size_t close = text.find('"', eq + 2);
    labels.push_back({text.substr(at, eq - at), text.substr(eq + 2, close - eq - 2)});
    at = close + 2;  // past the quote and the comma
  }
  return Labels::fromUnsorted(std::move(labels));
}

std::int64_t queryInt(store::Store& store, const std::string& sql) {
  auto rows = store.query(sql);
  return rows.ok() && !rows->empty() && !rows->at(0).isNull(0) ? rows->at(0).integer(0) : 0;
}

// Bytes on disk per sample for the node_exporter-like dataset of bench/metrics_dataset.h,
// through the whole store: chunk rows in SQLite with their keys and index, rollups, and the
// write-ahead log after a flush. Counters: raw_chunk_bytes_per_sample (the XOR chunks alone),
// raw_with_rows_per_sample (the raw chunk rows' share of the file), total_bytes_per_sample
// (the database's used pages plus the log, rollups included).
// Args: jitter in ms (0: scrape timestamps on the grid, as Pharos' scraper records them),
// and the SQLite page size.
void BM_OnDiskBytesPerSample(benchmark::State& state) {
  bench::DatasetOptions dataset;
  // The dataset bench/metrics_prometheus_size.sh backfills into Prometheus by default.
  dataset.targets = 20;
  dataset.hours = 6;
  dataset.jitterMs = static_cast<int>(state.range(0));
  for (auto _ : state) {
    testing::TempDir dir;
    testing::ManualClock clock{
        fromUnixMillis(dataset.startMs + static_cast<std::int64_t>(dataset.hours * 3'600'000))};
    store::SqliteStoreOptions storeOptions;
    storeOptions.pageSize = static_cast<int>(state.range(1));
    auto store = store::SqliteStore::open(dir.file("metrics.db"), storeOptions).value();
    MetricsOptions options;
    options.walDir = dir.file("wal");
    auto metrics = MetricsStore::open(*store, options, clock).value();
    std::int64_t samples = 0;
    bench::Dataset data(dataset);
    data.forEachSeries([&](const bench::DatasetSeries& series) {
      Labels labels = parseDatasetLabels(series.name, series.labels);
      std::vector<IncomingSample> batch;
      batch.reserve(series.samples.size());
      for (const Sample& s : series.samples)
        batch.push_back({labels, s});
      auto result = metrics->append(batch);
      if (!result.ok() || result->appended != batch.size()) state.SkipWithError("append failed");
      samples += static_cast<std::int64_t>(batch.size());
    });
    clock.advance(Millis(3 * 3'600'000));  // every window over: all chunks seal
    if (!metrics->flush().ok()) state.SkipWithError("flush failed");
    auto s = static_cast<double>(samples);
    std::int64_t pages =
        queryInt(*store, "PRAGMA page_count") - queryInt(*store, "PRAGMA freelist_count");
    std::int64_t fileBytes = pages * queryInt(*store, "PRAGMA page_size");
    std::int64_t rawData =
        queryInt(*store, "SELECT SUM(LENGTH(data)) FROM metric_chunks WHERE resolution = 0");
    std::int64_t allData = queryInt(*store, "SELECT SUM(LENGTH(data)) FROM metric_chunks");
    std::int64_t rawRows =
        queryInt(*store, "SELECT COUNT(*) FROM metric_chunks WHERE resolution = 0");
    std::int64_t rows = queryInt(*store, "SELECT COUNT(*) FROM metric_chunks");
    // The file's bytes beyond the blobs are row and index overhead: share them by rows.
    double overheadPerRow = static_cast<double>(fileBytes - allData) / static_cast<double>(rows);
    state.counters["samples"] = s;
    state.counters["hour_rollup_bytes_per_sample"] = static_cast<double>(allData - rawData) / s;
    state.counters["file_overhead_bytes_per_row"] = overheadPerRow;
    state.counters["raw_chunk_bytes_per_sample"] = static_cast<double>(rawData) / s;
    state.counters["raw_with_rows_per_sample"] =
        (static_cast<double>(rawData) + overheadPerRow * static_cast<double>(rawRows)) / s;
    state.counters["total_bytes_per_sample"] =
        static_cast<double>(fileBytes + static_cast<std::int64_t>(metrics->stats().walBytes)) / s;
  }
}
BENCHMARK(BM_OnDiskBytesPerSample)
    ->Args({0, 4096})
    ->Args({0, 65536})
    ->Args({3, 65536})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace pharos::metrics

BENCHMARK_MAIN();
