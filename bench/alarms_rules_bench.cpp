// The rule engine's costs:
//  - one evaluation round of 1,000 threshold rules over the real metrics store (each rule a
//    PromQL selector over 1 or 10 series of an hour of 15 s samples; 10 % of the series
//    breach, so the round also re-sends their firing alerts);
//  - a check state event to the sink (the event-driven path of check rules), each a real
//    transition stored in SQLite (one durable transaction).
//   build/bench/alarms_rules_bench
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "alarms/rule_engine.h"
#include "core/config/node_json.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "metrics/metrics_store.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::alarms {
namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;
constexpr std::int64_t kScrape = 15'000;
constexpr std::int64_t kHour = 3'600'000;
constexpr int kRules = 1'000;

RuleSpec parseRule(const nlohmann::json& j) {
  auto parsed = parseRuleJson(j);
  if (!std::holds_alternative<RuleSpec>(parsed)) std::abort();
  return std::get<RuleSpec>(std::move(parsed));
}

struct World {
  testing::TempDir dir;
  testing::ManualClock clock{fromUnixMillis(kStart)};
  std::unique_ptr<store::SqliteStore> metricsDb;
  std::unique_ptr<metrics::MetricsStore> metrics;
  std::unique_ptr<store::SqliteStore> db;
  std::unique_ptr<RuleEngine> engine;
  std::size_t sent = 0;

  explicit World(int seriesPerRule) {
    metricsDb = store::SqliteStore::open(dir.file("metrics.db")).value();
    metrics::MetricsOptions options;
    options.walDir = dir.file("wal");
    metrics = metrics::MetricsStore::open(*metricsDb, options, clock).value();
    db = store::SqliteStore::open(dir.file("pharos.db")).value();
    engine = RuleEngine::open(*db, *metrics, clock, [this](const Alert&) { ++sent; }).value();
    std::vector<RuleSpec> rules;
    for (int r = 0; r < kRules; ++r) {
      rules.push_back(parseRule({{"name", "rule_" + std::to_string(r)},
                                 {"kind", "threshold"},
                                 {"expr", "metric_" + std::to_string(r) + "{job=\"node\"}"},
                                 {"op", ">"},
                                 {"value", 0.9},
                                 {"clear", 0.8},
                                 {"annotations", {{"summary", "{{ $labels.host }} {{ $value }}"}}},
                                 {"interval", "30s"}}));
    }
    if (!engine->setRules(std::move(rules)).ok()) std::abort();
    // metric_<r>{host="h<i>"}: an hour of samples; host h0 of every tenth rule breaches.
    for (std::int64_t t = kStart; t <= kStart + kHour; t += kScrape) {
      std::vector<metrics::IncomingSample> batch;
      for (int r = 0; r < kRules; ++r) {
        for (int h = 0; h < seriesPerRule; ++h) {
          double v = (r % 10 == 0 && h == 0) ? 0.95 : 0.2 + 0.001 * h;
          batch.push_back({Labels{{"__name__", "metric_" + std::to_string(r)},
                                  {"host", "h" + std::to_string(h)},
                                  {"job", "node"}},
                           Sample{t, v}});
        }
      }
      if (!metrics->append(batch).ok()) std::abort();
      clock.advance(Millis(kScrape));
    }
  }
};

void BM_ThresholdRound(benchmark::State& state) {
  World world(static_cast<int>(state.range(0)));
  // Rounds 30 s apart inside the hour of data; the first one (every alert turning FIRING,
  // stored) is not measured.
  std::int64_t t = kStart + 5 * 60'000;
  auto firstStart = std::chrono::steady_clock::now();
  if (!world.engine->evaluate(fromUnixMillis(t)).ok()) std::abort();
  double firstMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - firstStart)
          .count();
  world.sent = 0;
  for (auto _ : state) {
    t += 30'000;
    if (!world.engine->evaluate(fromUnixMillis(t)).ok()) std::abort();
  }
  state.counters["rules"] = kRules;
  state.counters["first_round_ms"] = firstMs;
  state.counters["series"] = static_cast<double>(kRules * state.range(0));
  state.counters["alerts_per_round"] =
      static_cast<double>(world.sent) / static_cast<double>(state.iterations());
  // Seconds per rule evaluation (shown as a time: "1.2u" is 1.2 microseconds).
  state.counters["per_rule"] = benchmark::Counter(
      kRules, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ThresholdRound)->Arg(1)->Arg(10)->Iterations(100)->Unit(benchmark::kMillisecond);

void BM_CheckEventToSink(benchmark::State& state) {
  testing::TempDir dir;
  testing::ManualClock clock;
  auto db = store::SqliteStore::open(dir.file("pharos.db")).value();
  auto metricsDb = store::SqliteStore::open(dir.file("metrics.db")).value();
  metrics::MetricsOptions options;
  options.walDir = dir.file("wal");
  auto metrics = metrics::MetricsStore::open(*metricsDb, options, clock).value();
  std::size_t sent = 0;
  auto engine = RuleEngine::open(*db, *metrics, clock, [&](const Alert&) { ++sent; }).value();
  std::vector<RuleSpec> rules;
  for (int r = 0; r < 100; ++r) {
    rules.push_back(parseRule({{"name", "team_" + std::to_string(r)},
                               {"kind", "check"},
                               {"checks", "{team=\"t" + std::to_string(r) + "\"}"}}));
  }
  if (!engine->setRules(std::move(rules)).ok()) std::abort();
  bool down = false;
  for (auto _ : state) {
    down = !down;
    clock.advance(Millis(1));
    CheckTransitionEvent e{"pg",
                           clock.now(),
                           down ? "up" : "down",
                           down ? "down" : "up",
                           "",
                           false,
                           Labels{{"check", "pg"}, {"team", "t42"}, {"type", "tcp"}}};
    if (!engine->onCheckTransition(e).ok()) std::abort();
  }
  if (sent != static_cast<std::size_t>(state.iterations())) std::abort();
}
BENCHMARK(BM_CheckEventToSink)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace pharos::alarms

BENCHMARK_MAIN();
