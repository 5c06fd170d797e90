// The uptime report (GET /api/v1/reports/uptime?period=month) for 1,000 checks run every
// 10 s for a whole month: 259 million results, persisted with their hourly rollups as the
// server keeps them. The report reads whole hours from the rollups and the partial hours at
// the edges raw.
//   build/bench/health_uptime_bench
// Building the month takes a few minutes (progress on stderr) and about 1 GB of disk in $TMPDIR.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/malloc_tuning.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "health/uptime.h"
#include "health/uptime_days.h"
#include "latency_counters.h"
#include "metrics/metrics_store.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::health {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kMonthStart = 1'698'796'800'000;  // 2023-11-01T00:00:00Z
constexpr std::int64_t kMonthEnd = kMonthStart + 30 * kDay;
constexpr int kChecks = 1'000;
constexpr std::int64_t kInterval = 10'000;

struct Month {
  testing::TempDir dir;
  testing::ManualClock clock{fromUnixMillis(kMonthStart)};
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<metrics::MetricsStore> metrics;
  std::unique_ptr<store::SqliteStore> main;  // pharos.db, where the day rows live
  std::unique_ptr<UptimeDays> days;
  std::uint64_t expectedUp = 0;

  Month() {
    tuneMallocForServer();  // as `pharos serve` runs
    store::SqliteStoreOptions storeOptions;
    storeOptions.pageSize = 65536;  // as the app opens it
    store = store::SqliteStore::open(dir.file("metrics.db"), storeOptions).value();
    metrics::MetricsOptions options;
    options.walDir = dir.file("wal");
    options.rawRetention = Millis(40 * kDay);
    metrics = metrics::MetricsStore::open(*store, options, clock).value();
    build();
    main = store::SqliteStore::open(dir.file("pharos.db"), {}).value();
    days = UptimeDays::open(*main).value();
    // What the server does once a day, here for the whole month at once.
    auto written = days->compact(*metrics, fromUnixMillis(kMonthStart), fromUnixMillis(kMonthEnd));
    if (!written.ok() || *written != 30) std::abort();
  }

  // Every check up except for an outage of a few runs now and then, as real checks are.
  void build() {
    std::vector<metrics::IncomingSample> first;
    for (int i = 0; i < kChecks; ++i) {
      first.push_back({Labels{{"__name__", "pharos_check_up"},
                              {"check", "check" + std::to_string(i)},
                              {"type", "http"},
                              {"team", i % 2 == 0 ? "web" : "db"}},
                       {kMonthStart, 1}});
    }
    std::vector<metrics::SeriesRef> refs;
    if (!metrics->append(first, &refs).ok()) std::abort();
    expectedUp = kChecks;
    std::vector<metrics::MetricsStore::RefSample> batch;
    for (std::int64_t hour = kMonthStart; hour < kMonthEnd; hour += kHour) {
      batch.clear();
      for (std::int64_t t = std::max(hour, kMonthStart + kInterval); t < hour + kHour;
           t += kInterval) {
        for (int i = 0; i < kChecks; ++i) {
          // check i is down for 6 runs once every (97 + i) hours
          bool down = ((t / kHour) % (97 + i) == 0) && (t % kHour) < 6 * kInterval;
          batch.push_back({refs[i], {t, down ? 0.0 : 1.0}});
          if (!down) ++expectedUp;
        }
      }
      // The store refuses samples from the future: the clock moves first.
      clock.advance(Millis(kHour));
      auto appended = metrics->appendRefs(batch);
      if (!appended.ok() || appended->rejected() > 0) std::abort();
      if ((hour - kMonthStart) % (6 * kHour) == 0) {
        if (!metrics->flush(metrics::MetricsStore::Checkpoint::kNow).ok()) std::abort();
        std::fprintf(stderr, "\rbuilding the month: day %lld of 30",
                     static_cast<long long>((hour - kMonthStart) / kDay + 1));
      }
    }
    clock.advance(Millis(kHour));
    if (!metrics->flush(metrics::MetricsStore::Checkpoint::kNow).ok()) std::abort();
    std::fprintf(stderr, "\n");
  }
};

Month& month() {
  static Month m;
  return m;
}

// What GET /api/v1/reports/uptime?period=month runs: the day rows.
void BM_UptimeReportMonth1000Checks(benchmark::State& state) {
  Month& m = month();
  std::uint64_t runs = 0;
  std::uint64_t up = 0;
  bench::measureLatency(state, [&] {
    auto figures = m.days->uptime(*m.metrics, {}, std::nullopt, fromUnixMillis(kMonthStart),
                                  fromUnixMillis(kMonthEnd));
    if (!figures.ok() || figures->size() != static_cast<std::size_t>(kChecks)) std::abort();
    runs = up = 0;
    for (const auto& [check, f] : *figures) {
      runs += f.runs;
      up += f.upRuns;
    }
  });
  // The report is exact: every run of the month, each up one counted.
  if (runs != static_cast<std::uint64_t>(kChecks) * 30 * kDay / kInterval || up != m.expectedUp) {
    std::fprintf(stderr, "wrong report: %llu runs, %llu up (expected %llu up)\n",
                 static_cast<unsigned long long>(runs), static_cast<unsigned long long>(up),
                 static_cast<unsigned long long>(m.expectedUp));
    std::abort();
  }
  state.counters["runs"] = static_cast<double>(runs);
}
BENCHMARK(BM_UptimeReportMonth1000Checks)->Iterations(20)->Unit(benchmark::kMillisecond);

// A rolling 30-day window with edges off the day and the hour: 28 whole days from rows, the
// partial days from hourly rollups, the partial hours from raw samples.
void BM_UptimeRolling30DaysUnaligned(benchmark::State& state) {
  Month& m = month();
  bench::measureLatency(state, [&] {
    auto figures =
        m.days->uptime(*m.metrics, {}, std::nullopt, fromUnixMillis(kMonthStart + 1'234'567),
                       fromUnixMillis(kMonthEnd - 2'345'678));
    if (!figures.ok() || figures->size() != static_cast<std::size_t>(kChecks)) std::abort();
  });
}
BENCHMARK(BM_UptimeRolling30DaysUnaligned)->Iterations(20)->Unit(benchmark::kMillisecond);

// The month from the hourly rollups alone, as before the day rows (for comparison).
void BM_UptimeMonthFromHourlyRollups(benchmark::State& state) {
  Month& m = month();
  bench::measureLatency(state, [&] {
    auto figures =
        uptimeByCheck(*m.metrics, {}, fromUnixMillis(kMonthStart), fromUnixMillis(kMonthEnd));
    if (!figures.ok() || figures->size() != static_cast<std::size_t>(kChecks)) std::abort();
  });
}
BENCHMARK(BM_UptimeMonthFromHourlyRollups)->Iterations(5)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pharos::health

BENCHMARK_MAIN();
