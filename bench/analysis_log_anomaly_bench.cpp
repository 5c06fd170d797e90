// Lines per second of LogAnomalyDetector::observe() on one core, in the steady state (every
// service past warm-up, its templates learned), with the minute closes and polls a server
// would run: the simulated clock moves 0.3 ms a line (200,000 lines/s, the processor's
// rate), so each service's minute closes once per 12M lines, and poll() runs every 200k
// lines. The 1M-line mix repeats, so after the warm-up no template is new.
//
//   ./build/bench/analysis_log_anomaly_bench
//
// Arguments: services, templates per service (Zipf-distributed use, as real logs are: a few
// templates carry most lines). items_per_second is the figure of merit (the processor needs
// 200,000 lines/s; the miner does >= 1,000,000). bytes_per_template: the detector's heap
// after warm-up over the templates it tracks (glibc's mallinfo2).
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "analysis/log_anomaly_detector.h"

namespace pharos::analysis {
namespace {

struct Line {
  uint32_t service;
  uint64_t templateId;
  bool isError;
  uint32_t message;
};

struct Workload {
  std::vector<std::string> services;
  std::vector<std::string> templates;
  std::vector<std::string> messages;
  std::vector<Line> lines;
};

Workload makeWorkload(int services, int templatesPerService) {
  Workload w;
  std::mt19937_64 rng(1);
  for (int s = 0; s < services; ++s)
    w.services.push_back("service-" + std::to_string(s));
  for (int t = 0; t < templatesPerService; ++t) {
    w.templates.push_back("GET /api/v1/items/<NUM> returned <NUM> in <NUM>ms from <IP> tpl " +
                          std::to_string(t));
  }
  for (int m = 0; m < 1024; ++m) {
    w.messages.push_back("GET /api/v1/items/" + std::to_string(rng() % 100000) +
                         " returned 200 in " + std::to_string(rng() % 900) + "ms from 10.0.0." +
                         std::to_string(m % 255));
  }
  // Zipf(1) over the templates.
  std::vector<double> weights;
  for (int t = 0; t < templatesPerService; ++t)
    weights.push_back(1.0 / (t + 1));
  std::discrete_distribution<int> pick(weights.begin(), weights.end());
  std::uniform_int_distribution<int> service(0, services - 1);
  std::bernoulli_distribution error(0.02);
  // Lines come in short runs per service, as batches from one source do.
  int current = 0;
  for (int i = 0; i < (1 << 20); ++i) {
    if (i % 16 == 0) current = service(rng);
    int t = pick(rng);
    w.lines.push_back({static_cast<uint32_t>(current),
                       static_cast<uint64_t>(current) * 100000 + static_cast<uint64_t>(t) + 1,
                       error(rng), static_cast<uint32_t>(rng() % w.messages.size())});
  }
  return w;
}

void BM_Observe(benchmark::State& state) {
  const int services = static_cast<int>(state.range(0));
  const int templates = static_cast<int>(state.range(1));
  const Workload w = makeWorkload(services, templates);
  const std::size_t heapBefore = mallinfo2().uordblks;
  LogAnomalyDetector detector;
  const int64_t base = 1'700'000'040'000;
  // Warm up past every service's warm-up, so the loop measures the steady state.
  int64_t n = 0;
  auto ts = [&] { return base + (n * 3) / 10; };
  const std::size_t mask = w.lines.size() - 1;
  auto feed = [&] {
    const Line& l = w.lines[static_cast<std::size_t>(n) & mask];
    detector.observe(ts(), w.services[l.service], l.templateId,
                     w.templates[l.templateId % 100000 - 1], l.isError, w.messages[l.message]);
    ++n;
    if (n % 200'000 == 0) benchmark::DoNotOptimize(detector.poll(ts()));
  };
  while (ts() < base + 11 * 60'000)
    feed();
  // Heap held by the detector (glibc's count of allocated bytes), per template tracked.
  const double heapBytes = static_cast<double>(mallinfo2().uordblks - heapBefore);
  std::size_t events = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) {
      const Line& l = w.lines[static_cast<std::size_t>(n) & mask];
      detector.observe(ts(), w.services[l.service], l.templateId,
                       w.templates[l.templateId % 100000 - 1], l.isError, w.messages[l.message]);
      ++n;
      if (n % 200'000 == 0) events += detector.poll(ts()).size();
    }
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  state.counters["templates"] = static_cast<double>(detector.templateCount());
  state.counters["bytes_per_template"] = heapBytes / static_cast<double>(detector.templateCount());
  state.counters["events"] = static_cast<double>(events);
}
BENCHMARK(BM_Observe)
    ->Args({1, 50})
    ->Args({50, 200})
    ->Args({200, 1000})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace pharos::analysis

BENCHMARK_MAIN();
