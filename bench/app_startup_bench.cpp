// Start-up: from exec of `pharos serve` on an empty data directory to the first 200 from
// /readyz, and the resident memory once it is idle. Targets: under 100 ms, under 20 MB.
// Run by bench/foundation.sh; alone: build/bench/app_startup_bench
#include <signal.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <thread>

#include "e2e/process.h"
#include "fakes/free_port.h"
#include "fakes/http_client.h"
#include "fakes/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;

void BM_StartToReady(benchmark::State& state) {
  double rssMiB = 0;
  for (auto _ : state) {
    pharos::testing::TempDir dir;
    uint16_t port = pharos::testing::freeLoopbackPort();
    std::string listen = "127.0.0.1:" + std::to_string(port);
    auto began = Clock::now();
    pharos::testing::Process server(
        {PHAROS_BINARY, "serve", "--data", dir.file("data"), "--listen", listen});
    bool ready = false;
    while (!ready && Clock::now() - began < std::chrono::seconds(10)) {
      auto r = pharos::testing::httpGet(port, "/readyz");
      ready = r && r->status == 200;
      if (!ready) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    auto took = std::chrono::duration<double>(Clock::now() - began).count();
    if (!ready) {
      state.SkipWithError("pharos did not become ready in 10 s");
      break;
    }
    state.SetIterationTime(took);
    state.PauseTiming();
    std::this_thread::sleep_for(std::chrono::seconds(1));  // idle: the lifecycle sweep has run
    rssMiB = static_cast<double>(pharos::testing::residentKiB(server.pid())) / 1024.0;
    server.signalAndWait(SIGTERM, std::chrono::seconds(10));
    state.ResumeTiming();
  }
  state.counters["idle_rss_MiB"] = rssMiB;
}
BENCHMARK(BM_StartToReady)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
