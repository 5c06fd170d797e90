// The outbound client against a local listener, and the policy decision on its own.
//
//   ./build-rel/bench/net_outbound_bench
//
// BM_PolicyDecide: one decision (the cost added to every connect). BM_FetchBlocking: one
// blocking GET after another over loopback (resolve, policy, connect, request, response),
// with p50/p99. BM_FetchConcurrent: `range(0)` GETs in flight at once on the client's two
// threads, requests a second in items_per_second. The listener is the net HttpServer with
// two threads on the same machine, so these figures bound the client from above.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "latency_counters.h"
#include "net/http_server.h"
#include "net/outbound_client.h"

namespace pharos::net {
namespace {

struct Listener {
  Listener() {
    auto router = std::make_shared<Router>();
    router->add("GET", "/ok", [](HttpRequest&) { return HttpResponse::text(200, "ok"); });
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.maxConnections = 100'000;
    auto started = HttpServer::start(options, router);
    if (!started.ok()) std::abort();
    server = std::move(started).value();
    url = "http://127.0.0.1:" + std::to_string(server->port()) + "/ok";
  }
  ~Listener() { server->stop(std::chrono::milliseconds(0)); }
  HttpServerPtr server;
  std::string url;
};

void BM_PolicyDecide(benchmark::State& state) {
  config::OutboundConfig rules;
  rules.checks.allow = {"10.0.0.0/8", "*.corp.example"};
  rules.checks.deny = {"10.9.0.0/16", "*.forbidden.example"};
  auto policy = OutboundPolicy::create(rules, config::Environment::kProd);
  std::vector<IpAddress> addresses;
  for (const char* a : {"169.254.169.254", "10.1.2.3", "93.184.216.34", "::ffff:127.0.0.1",
                        "2606:4700::1111", "64:ff9b::a9fe:a9fe"}) {
    addresses.push_back(*IpAddress::parse(a));
  }
  size_t i = 0;
  for (auto _ : state) {
    OutboundPurpose purpose = i % 2 ? OutboundPurpose::kChecks : OutboundPurpose::kReceivers;
    OutboundDecision d =
        policy->decide(addresses[i % addresses.size()], 443, "api.corp.example", purpose);
    benchmark::DoNotOptimize(d);
    ++i;
  }
}
BENCHMARK(BM_PolicyDecide);

void BM_FetchBlocking(benchmark::State& state) {
  Listener listener;
  OutboundPolicy policy(config::Environment::kDev);
  OutboundClient client(policy, {2});
  OutboundRequest request;
  request.url = listener.url;
  bench::measureLatency(state, [&] {
    auto r = client.fetch(request);
    if (!r.ok()) state.SkipWithError(r.error().message.c_str());
  });
}
BENCHMARK(BM_FetchBlocking)->UseRealTime();

void BM_FetchConcurrent(benchmark::State& state) {
  Listener listener;
  OutboundPolicy policy(config::Environment::kDev);
  OutboundClient client(policy, {2});
  const int inFlight = static_cast<int>(state.range(0));
  int64_t failures = 0;
  for (auto _ : state) {
    std::mutex mu;
    std::condition_variable cv;
    int done = 0;
    for (int i = 0; i < inFlight; ++i) {
      OutboundRequest request;
      request.url = listener.url;
      client.fetchAsync(std::move(request), [&](Result<OutboundResponse> r) {
        std::lock_guard lock(mu);
        if (!r.ok()) ++failures;
        if (++done == inFlight) cv.notify_one();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done == inFlight; });
  }
  state.SetItemsProcessed(state.iterations() * inFlight);
  state.counters["failures"] = static_cast<double>(failures);
}
BENCHMARK(BM_FetchConcurrent)->Arg(64)->Arg(512)->UseRealTime();

}  // namespace
}  // namespace pharos::net

BENCHMARK_MAIN();
