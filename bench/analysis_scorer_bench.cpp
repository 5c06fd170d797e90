// MetricScorer::run() over a real metrics store (SQLite + write-ahead log on the temp dir's
// disk): 1,000 series with 100 new points each per run. A run selects the new samples, scores
// them, and appends (durably) one pharos_anomaly_score sample per point; appending the source
// samples is outside the timing.
//   build/bench/analysis_scorer_bench
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "analysis/metric_scorer.h"
#include "core/clock.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "metrics/metrics_store.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::analysis {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;
constexpr int64_t kStep = 15'000;

struct Fixture {
  testing::TempDir dir;
  testing::ManualClock clock{fromUnixMillis(kStart)};
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<metrics::MetricsStore> metrics;
  std::vector<Labels> series;
  int64_t t = kStart;  // the newest sample appended

  explicit Fixture(int count) {
    store = store::SqliteStore::open(dir.file("metrics.db")).value();
    metrics::MetricsOptions options;
    options.walDir = dir.file("wal");
    options.maxFutureMs = 365LL * 86'400'000;  // the benchmark writes ahead of its clock
    metrics = metrics::MetricsStore::open(*store, options, clock).value();
    for (int i = 0; i < count; ++i) {
      series.push_back(Labels{
          {"__name__", "http_latency_seconds"},
          {"job", "api"},
          {"instance", "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ":80"},
          {"route", "/v1/items"}});
    }
  }

  static double value(std::size_t s, int64_t t) {
    const double i = static_cast<double>(t / kStep);
    return 0.2 + 0.01 * static_cast<double>(s % 7) +
           0.02 * std::sin(i * 0.3 + static_cast<double>(s)) +
           (static_cast<int64_t>(i) % 997 == 0 ? 1.0 : 0.0);
  }

  // `points` new samples of every series, one batch per timestamp (a scrape of everything).
  void appendPoints(int points) {
    std::vector<metrics::IncomingSample> batch;
    batch.reserve(series.size());
    for (int p = 0; p < points; ++p) {
      t += kStep;
      batch.clear();
      for (std::size_t s = 0; s < series.size(); ++s)
        batch.push_back({series[s], {t, value(s, t)}});
      if (!metrics->append(batch).ok()) std::abort();
    }
  }
};

void BM_ScorerRun(benchmark::State& state) {
  const int seriesCount = static_cast<int>(state.range(0));
  const int points = static_cast<int>(state.range(1));
  Fixture f(seriesCount);
  f.appendPoints(240);  // an hour of history to learn from
  auto scorer =
      MetricScorer::create(*f.metrics, {.selectors = {"http_latency_seconds{job=\"api\"}"}})
          .value();
  // The first run learns every series' history (one select per new series).
  const auto learnStart = std::chrono::steady_clock::now();
  if (!scorer->run(f.t).ok()) std::abort();
  const std::chrono::duration<double, std::milli> learn =
      std::chrono::steady_clock::now() - learnStart;

  // One untimed scoring run creates the score series: the loop measures the steady state.
  f.appendPoints(points);
  if (!scorer->run(f.t).ok()) std::abort();
  const std::uint64_t warmup = scorer->pointsScored();

  std::size_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    f.appendPoints(points);
    state.ResumeTiming();
    auto found = scorer->run(f.t);
    if (!found.ok()) std::abort();
    events += found->size();
  }
  const double scored = static_cast<double>(scorer->pointsScored() - warmup);
  if (scored != static_cast<double>(state.iterations()) * seriesCount * points) std::abort();
  state.SetItemsProcessed(static_cast<int64_t>(scored));
  state.counters["points_per_s"] = benchmark::Counter(scored, benchmark::Counter::kIsRate);
  state.counters["events"] = static_cast<double>(events);
  state.counters["first_run_ms"] = learn.count();
}
BENCHMARK(BM_ScorerRun)
    ->Args({1000, 100})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(10);

}  // namespace
}  // namespace pharos::analysis

BENCHMARK_MAIN();
