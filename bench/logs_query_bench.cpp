// Log query matching: records tested per second by a compiled QueryMatcher, and parsing.
//   build/bench/logs_query_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "logs/query_matcher.h"
#include "logs/query_parser.h"

namespace pharos::logs {
namespace {

// 4,096 synthetic lines: nginx-like access lines and application errors, ~100 bytes each.
const std::vector<Record>& records() {
  static const std::vector<Record>* rs = [] {
    auto* out = new std::vector<Record>();
    std::mt19937 rng(7);
    const char* services[] = {"api", "web", "worker", "db", "auth"};
    const char* paths[] = {"/api/v1/orders", "/api/v1/users/42", "/healthz", "/login", "/static"};
    const char* errors[] = {"connection refused", "context deadline exceeded", "timeout",
                            "upstream reset", "no route to host"};
    for (int i = 0; i < 4096; ++i) {
      Record r;
      r.service = services[rng() % 5];
      r.host = "web-" + std::to_string(rng() % 20);
      r.httpStatus = rng() % 10 == 0 ? 503 : 200;
      r.latencyMs = static_cast<double>(rng() % 1000);
      r.level = r.httpStatus >= 500 ? Level::kError : Level::kInfo;
      if (rng() % 4 == 0) {
        r.message = std::string("dial tcp 10.0.") + std::to_string(rng() % 255) + "." +
                    std::to_string(rng() % 255) + ":5432: " + errors[rng() % 5] +
                    " while handling request id=" + std::to_string(rng());
      } else {
        r.message = std::string("GET ") + paths[rng() % 5] + " HTTP/1.1 " +
                    std::to_string(r.httpStatus) + " " + std::to_string(rng() % 5000) +
                    " \"Mozilla/5.0 (X11; Linux x86_64)\" rt=0." + std::to_string(rng() % 999);
      }
      r.attributes = {{"pod", r.host + "-abc"}, {"region", rng() % 2 ? "eu" : "us"}};
      out->push_back(std::move(r));
    }
    return out;
  }();
  return *rs;
}

void matchQuery(benchmark::State& state, const char* text) {
  auto query = parseLogQuery(text);
  if (!query.ok()) std::abort();
  QueryMatcher matcher(*query);
  const auto& rs = records();
  std::size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    for (const auto& r : rs)
      hits += matcher.matches(r) ? 1 : 0;
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rs.size()));
  state.counters["hit_ratio"] = static_cast<double>(hits) / static_cast<double>(rs.size());
}

BENCHMARK_CAPTURE(matchQuery, term, "timeout");
BENCHMARK_CAPTURE(matchQuery, phrase, "\"connection refused\"");
BENCHMARK_CAPTURE(matchQuery, prefix, "conn*");
BENCHMARK_CAPTURE(matchQuery, typical,
                  "service:api level>=error (timeout OR \"connection refused\") -healthz");
BENCHMARK_CAPTURE(matchQuery, fields_only, "status>=500 latency_ms>250 pod:web-1*");
BENCHMARK_CAPTURE(matchQuery, attribute_miss, "region:ap OR missing");

void parseQuery(benchmark::State& state) {
  for (auto _ : state) {
    auto q = parseLogQuery(
        "service:api level>=error (timeout OR \"connection refused\") -healthz | stats count() "
        "by (service, level)");
    benchmark::DoNotOptimize(q);
  }
}
BENCHMARK(parseQuery);

}  // namespace
}  // namespace pharos::logs

BENCHMARK_MAIN();
