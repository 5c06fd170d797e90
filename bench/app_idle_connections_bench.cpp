// Holds 10,000 idle keep-alive connections open against a real `pharos serve` and reports its
// resident memory before and after. Target: under 100 MB with 10,000 connections.
// Run by bench/api_http.sh; alone: build/bench/app_idle_connections_bench
#include <signal.h>
#include <sys/resource.h>

#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "e2e/process.h"
#include "fakes/http_client.h"
#include "fakes/temp_dir.h"

namespace {

constexpr int kConnections = 10'000;

void raiseFdLimit() {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
}

void BM_IdleKeepAliveConnections(benchmark::State& state) {
  raiseFdLimit();
  for (auto _ : state) {
    pharos::testing::TempDir dir;
    std::string config = dir.file("pharos.yaml");
    // The probe route is rate limited per client address; this client is one address.
    std::ofstream(config) << "server:\n  max_connections: 12000\n  idle_timeout: 10m\n"
                          << "api:\n  anonymous_rate_limit: {rate: 1000000, burst: 1000000}\n";
    pharos::testing::Process server({PHAROS_BINARY, "serve", "--config", config, "--data",
                                     dir.file("data"), "--listen", "127.0.0.1:0"});
    if (!server.waitForOutput("pharos started", std::chrono::seconds(10))) {
      state.SkipWithError("pharos did not start");
      return;
    }
    auto at = server.output().find("http=127.0.0.1:");
    uint16_t port = static_cast<uint16_t>(std::stoi(server.output().substr(at + 15)));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    double before = static_cast<double>(pharos::testing::residentKiB(server.pid())) / 1024.0;

    std::vector<std::unique_ptr<pharos::testing::Client>> clients;
    clients.reserve(kConnections);
    int answered = 0;
    for (int i = 0; i < kConnections; ++i) {
      auto c = std::make_unique<pharos::testing::Client>(port);
      if (!c->connected()) break;
      c->send("GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n");
      if (auto r = c->read(); r && r->status == 200) ++answered;
      clients.push_back(std::move(c));
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
    double after = static_cast<double>(pharos::testing::residentKiB(server.pid())) / 1024.0;
    state.counters["connections"] = answered;
    state.counters["rss_before_MiB"] = before;
    state.counters["rss_with_connections_MiB"] = after;
    state.counters["KiB_per_connection"] = answered > 0 ? (after - before) * 1024.0 / answered : 0;
    clients.clear();
    server.signalAndWait(SIGTERM, std::chrono::seconds(20));
  }
}
BENCHMARK(BM_IdleKeepAliveConnections)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
