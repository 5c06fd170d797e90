// Embedded bus throughput and latency on the real disk (synchronous=FULL, fsync per commit).
//   build-bus/bench/bus_embedded_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "bus/embedded/embedded_bus.h"
#include "core/clock.h"
#include "fakes/temp_dir.h"
#include "latency_counters.h"

namespace pharos::bus {
namespace {

EmbeddedBusPtr openBus(const testing::TempDir& dir) {
  auto bus = EmbeddedBus::open(dir.file("bus.db"), systemClock());
  if (!bus.ok() || !(*bus)->declareQueue("bench", {}).ok()) std::abort();
  return std::move(bus).value();
}

std::string body(int64_t seq) {
  return "{\"seq\":" + std::to_string(seq) +
         ",\"service\":\"checkout\",\"level\":\"info\",\"msg\":\"request served in 12 ms\"}";
}

// Messages/s that go all the way through: sendBatch(1000) + receive(1000) + ack(1000), each
// one durable commit.
void BM_BatchedSendReceiveAck(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  testing::TempDir dir;
  auto bus = openBus(dir);
  std::vector<std::string> bodies(batch);
  std::vector<std::string> receipts;
  int64_t seq = 0;
  for (auto _ : state) {
    for (auto& b : bodies)
      b = body(seq++);
    if (!bus->sendBatch("bench", bodies).ok()) state.SkipWithError("sendBatch failed");
    auto got = bus->receive("bench", batch, Millis(0));
    if (!got.ok() || got->size() != batch) state.SkipWithError("receive failed");
    receipts.clear();
    for (auto& m : *got)
      receipts.push_back(std::move(m.receipt));
    if (!bus->ack(receipts).ok()) state.SkipWithError("ack failed");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_BatchedSendReceiveAck)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

// One durable send per call: latency percentiles over 5000 sends, in microseconds.
void BM_SingleSendLatency(benchmark::State& state) {
  testing::TempDir dir;
  auto bus = openBus(dir);
  int64_t seq = 0;
  bench::measureLatency(state, [&] {
    if (!bus->send("bench", body(seq++)).ok()) state.SkipWithError("send failed");
  });
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SingleSendLatency)->Iterations(5000)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace pharos::bus

BENCHMARK_MAIN();
