// One SLO evaluation round in steady state: 1,000 SLOs (availability of checks by name and by
// label, ratios of counters, latency histograms, boolean gauges), four burn-rate pairs each,
// over a real metrics store holding a day of history. Each round first receives 30 s of new
// samples (not timed), then evaluates (timed): what the engine's 30 s tick costs.
//   build/bench/slo_bench
// Reports CPU time per round, and the engine's memory per SLO as a counter.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/config/node_json.h"
#include "core/malloc_tuning.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "metrics/metrics_store.h"
#include "slo/engine.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::slo {
namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kStart = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
constexpr std::int64_t kHistory = kDay;
constexpr std::int64_t kRound = 30 * kSecond;

constexpr int kChecks = 600;      // 550 SLOs by name, 50 by team (30 checks each)
constexpr int kServices = 200;    // ratio SLOs: 3 counters each
constexpr int kHistograms = 100;  // latency SLOs: 4 buckets and a count each
constexpr int kGauges = 150;      // gauge SLOs
constexpr std::int64_t kCheckEvery = 30 * kSecond;
constexpr std::int64_t kScrapeEvery = 15 * kSecond;

struct SeriesPlan {
  Labels labels;
  std::int64_t every;
  enum class Kind { kUp, kCounter, kGauge } kind;
  double rate = 0;  // counters: increase per sample
};

struct World {
  testing::TempDir dir;
  testing::ManualClock clock{fromUnixMillis(kStart)};
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<metrics::MetricsStore> metrics;
  std::vector<SeriesPlan> plan;
  std::vector<metrics::SeriesRef> refs;
  std::vector<double> values;
  std::vector<std::int64_t> next;
  std::vector<SloSpec> slos;
  std::unique_ptr<SloEngine> engine;

  World() {
    tuneMallocForServer();
    store::SqliteStoreOptions storeOptions;
    storeOptions.pageSize = 65536;
    store = store::SqliteStore::open(dir.file("metrics.db"), storeOptions).value();
    metrics::MetricsOptions options;
    options.walDir = dir.file("wal");
    metrics = metrics::MetricsStore::open(*store, options, clock).value();
    makePlan();
    std::vector<metrics::IncomingSample> first;
    for (std::size_t i = 0; i < plan.size(); ++i)
      first.push_back({plan[i].labels, {kStart, 0}});
    if (!metrics->append(first, &refs).ok()) std::abort();
    values.assign(plan.size(), 0);
    next.assign(plan.size(), kStart);
    for (std::size_t i = 0; i < plan.size(); ++i)
      next[i] = kStart + plan[i].every;
    for (std::int64_t t = kStart; t < kStart + kHistory; t += kHour) {
      advance(kHour);
      if ((t - kStart) % (6 * kHour) == 0) {
        if (!metrics->flush(metrics::MetricsStore::Checkpoint::kNow).ok()) std::abort();
      }
    }
    if (!metrics->flush(metrics::MetricsStore::Checkpoint::kNow).ok()) std::abort();
    makeSlos();
    engine = std::make_unique<SloEngine>(*metrics, nullptr, clock);
    engine->setSlos(slos);
    // The first round reads each SLO's history from the rollups.
    if (!engine->evaluate().ok()) std::abort();
  }

  void makePlan() {
    for (int i = 0; i < kChecks; ++i) {
      plan.push_back({Labels{{"__name__", "pharos_check_up"},
                             {"check", "check" + std::to_string(i)},
                             {"type", "http"},
                             {"team", "team" + std::to_string(i % 20)}},
                      kCheckEvery, SeriesPlan::Kind::kUp});
    }
    for (int i = 0; i < kServices; ++i) {
      for (auto [code, rate] : {std::pair{"200", 50.0}, {"404", 3.0}, {"500", 0.05}}) {
        plan.push_back({Labels{{"__name__", "http_requests_total"},
                               {"service", "svc" + std::to_string(i)},
                               {"code", code}},
                        kScrapeEvery, SeriesPlan::Kind::kCounter, rate});
      }
    }
    for (int i = 0; i < kHistograms; ++i) {
      std::string service = "lat" + std::to_string(i);
      for (auto [le, rate] : {std::pair{"0.1", 30.0}, {"0.3", 45.0}, {"1", 49.0}, {"+Inf", 50.0}}) {
        plan.push_back(
            {Labels{{"__name__", "request_seconds_bucket"}, {"service", service}, {"le", le}},
             kScrapeEvery, SeriesPlan::Kind::kCounter, rate});
      }
      plan.push_back({Labels{{"__name__", "request_seconds_count"}, {"service", service}},
                      kScrapeEvery, SeriesPlan::Kind::kCounter, 50.0});
    }
    for (int i = 0; i < kGauges; ++i) {
      plan.push_back({Labels{{"__name__", "up"}, {"job", "job" + std::to_string(i)}}, kScrapeEvery,
                      SeriesPlan::Kind::kGauge});
    }
  }

  void makeSlos() {
    auto parse = [&](const std::string& json) {
      ParsedSlo parsed = parseSloSpec(config::nodeFromJson(nlohmann::json::parse(json)));
      if (!std::holds_alternative<SloSpec>(parsed)) std::abort();
      slos.push_back(std::get<SloSpec>(std::move(parsed)));
    };
    for (int i = 0; i < 550; ++i) {
      parse(R"({"name":"check)" + std::to_string(i) + R"(","objective":99.9,"check":"check)" +
            std::to_string(i) + R"("})");
    }
    for (int i = 0; i < 20; ++i) {
      parse(R"({"name":"team)" + std::to_string(i) +
            R"(","objective":99.5,"window":"month","checks":"team=\"team)" + std::to_string(i) +
            R"(\""})");
    }
    for (int i = 0; i < kServices; ++i) {
      std::string s = "svc" + std::to_string(i);
      parse(R"({"name":")" + s + R"(","objective":99,"good":"http_requests_total{service=\")" + s +
            R"(\",code!=\"500\"}","total":"http_requests_total{service=\")" + s + R"(\"}"})");
    }
    for (int i = 0; i < kHistograms; ++i) {
      std::string s = "lat" + std::to_string(i);
      parse(R"({"name":")" + s +
            R"(","objective":90,"window":"7d","histogram":"request_seconds{service=\")" + s +
            R"(\"}","threshold":0.3})");
    }
    for (int i = 0; i < 130; ++i) {
      parse(R"({"name":"job)" + std::to_string(i) + R"(","objective":99.5,"gauge":"up{job=\"job)" +
            std::to_string(i) + R"(\"}"})");
    }
    if (slos.size() != 1000) std::abort();
  }

  // Moves the clock by `by` and appends every sample due meanwhile.
  void advance(std::int64_t by) {
    clock.advance(Millis(by));
    std::int64_t now = toUnixMillis(clock.now());
    std::vector<metrics::MetricsStore::RefSample> batch;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      for (; next[i] <= now; next[i] += plan[i].every) {
        double v = 0;
        std::int64_t t = next[i];
        switch (plan[i].kind) {
          case SeriesPlan::Kind::kUp:
          case SeriesPlan::Kind::kGauge:
            v = (t / kSecond + static_cast<std::int64_t>(i)) % 997 == 0 ? 0 : 1;
            break;
          case SeriesPlan::Kind::kCounter:
            values[i] += plan[i].rate;
            v = values[i];
            break;
        }
        batch.push_back({refs[i], {t, v}});
      }
    }
    auto appended = metrics->appendRefs(batch);
    if (!appended.ok() || appended->rejected() > 0) std::abort();
  }
};

World& world() {
  static World w;
  return w;
}

void BM_SloRound1000Slos(benchmark::State& state) {
  World& w = world();
  for (auto _ : state) {
    state.PauseTiming();
    w.advance(kRound);
    state.ResumeTiming();
    if (!w.engine->evaluate().ok()) std::abort();
  }
  state.counters["slos"] = static_cast<double>(w.slos.size());
  state.counters["bytes_per_slo"] =
      static_cast<double>(w.engine->memoryBytes()) / static_cast<double>(w.slos.size());
  auto s = w.engine->status("svc7");
  if (!s || !s->problem.empty() || s->events.total <= 0) std::abort();
}
BENCHMARK(BM_SloRound1000Slos)->Iterations(200)->Unit(benchmark::kMillisecond);

// The first round after a start: every SLO's history read from the rollups.
void BM_SloBackfill1000Slos(benchmark::State& state) {
  World& w = world();
  for (auto _ : state) {
    SloEngine fresh(*w.metrics, nullptr, w.clock);
    fresh.setSlos(w.slos);
    if (!fresh.evaluate().ok()) std::abort();
  }
}
BENCHMARK(BM_SloBackfill1000Slos)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pharos::slo

BENCHMARK_MAIN();
