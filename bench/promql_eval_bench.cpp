// PromQL evaluation over an in-memory Queryable, selection included.
//   build-rel/bench/promql_eval_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "fakes/memory_queryable.h"
#include "promql/evaluator.h"
#include "promql/parser.h"
#include "promql/render.h"

namespace pharos {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t kM = 60 * kS;
constexpr std::int64_t kH = 60 * kM;

// 10,000 counters (10 jobs x 1,000 instances), one sample every 15 s for 1 h 10 m.
fakes::MemoryQueryable& tenThousandSeries() {
  static fakes::MemoryQueryable* db = [] {
    auto* q = new fakes::MemoryQueryable();
    for (int job = 0; job < 10; ++job) {
      for (int instance = 0; instance < 1000; ++instance) {
        std::vector<Sample> samples;
        double v = instance;
        for (std::int64_t t = 0; t <= kH + 10 * kM; t += 15 * kS) {
          v += (instance % 7) + 1;
          samples.push_back({t, v});
        }
        q->add(Labels{{"__name__", "http_requests_total"},
                      {"job", "job-" + std::to_string(job)},
                      {"instance", "host-" + std::to_string(instance) + ":9100"}},
               std::move(samples));
      }
    }
    return q;
  }();
  return *db;
}

void runRange(benchmark::State& state, fakes::MemoryQueryable& db, const char* query,
              std::int64_t start, std::int64_t end, std::int64_t step,
              const promql::EvalOptions& options) {
  auto expr = promql::parse(query);
  if (!expr.ok()) std::abort();
  std::size_t points = 0;
  for (auto _ : state) {
    auto r = promql::evaluateRange(db, **expr, start, end, step, options);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    points = 0;
    for (const auto& s : r->series)
      points += s.points.size();
    benchmark::DoNotOptimize(points);
  }
  state.counters["points"] = static_cast<double>(points);
}

// The brief's target: under 200 ms in Release.
void BM_SumByJobRate10kSeries1h(benchmark::State& state) {
  runRange(state, tenThousandSeries(), "sum by (job) (rate(http_requests_total[5m]))", 10 * kM,
           10 * kM + kH, 15 * kS, {});
}
BENCHMARK(BM_SumByJobRate10kSeries1h)->Unit(benchmark::kMillisecond)->MinTime(2);

// The share of the above that is the in-memory selection alone (copying 2.8 M samples).
void BM_SelectOnly10kSeries(benchmark::State& state) {
  auto& db = tenThousandSeries();
  auto m = promql::Matcher::make(promql::Matcher::Type::kEqual, "__name__", "http_requests_total");
  std::vector<promql::Matcher> matchers = {*m};
  for (auto _ : state) {
    auto r = db.select(matchers, 10 * kM - 5 * kM, 10 * kM + kH);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SelectOnly10kSeries)->Unit(benchmark::kMillisecond);

void BM_RenderRate10kSeries1h(benchmark::State& state) {
  auto& db = tenThousandSeries();
  auto expr = promql::parse("rate(http_requests_total{job=\"job-3\"}[5m])");
  auto r = promql::evaluateRange(db, **expr, 10 * kM, 10 * kM + kH, 15 * kS);
  if (!r.ok()) std::abort();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string json = promql::renderQueryResult(*r);
    bytes = json.size();
    benchmark::DoNotOptimize(json);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderRate10kSeries1h)->Unit(benchmark::kMillisecond);

// One series, 30 days of raw 15 s samples, queried at a 1 m step (43,200 steps, so past the
// default 11,000-step limit, which the bench raises).
fakes::MemoryQueryable& oneSeriesThirtyDays() {
  static fakes::MemoryQueryable* db = [] {
    auto* q = new fakes::MemoryQueryable();
    std::vector<Sample> samples;
    double v = 0;
    for (std::int64_t t = 0; t <= 30 * 24 * kH + kH; t += 15 * kS) {
      v += 3;
      samples.push_back({t, v});
    }
    q->add(Labels{{"__name__", "cpu_seconds_total"}, {"job", "node"}}, std::move(samples));
    return q;
  }();
  return *db;
}

void BM_OneSeries30DaysAt1m(benchmark::State& state, const char* query) {
  promql::EvalOptions options;
  options.maxSteps = 50'000;
  runRange(state, oneSeriesThirtyDays(), query, kH, kH + 30 * 24 * kH, kM, options);
}
BENCHMARK_CAPTURE(BM_OneSeries30DaysAt1m, rate, "rate(cpu_seconds_total[5m])")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_OneSeries30DaysAt1m, avg_over_time, "avg_over_time(cpu_seconds_total[1h])")
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pharos

BENCHMARK_MAIN();
