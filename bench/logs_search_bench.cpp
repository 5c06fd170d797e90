// Search of a rare term over LOGS_SEARCH_LINES (default 10,000,000) indexed lines: the
// issue's "p99 under 100 ms". The index is built once in a temporary directory from
// synthetic syslog-like lines (the shapes of bench/logs/gen.py); 200 of them carry a rare
// word. Each iteration runs one query through the same path as GET /api/v1/logs/query:
// parse, FTS expression, index search newest first (limit 100), matcher.
//   build/bench/logs_search_bench                      # 10M lines (builds for a few minutes)
//   LOGS_SEARCH_LINES=1000000 build/bench/logs_search_bench
// With PHAROS_BENCH_POSTGRES (a conninfo; bench/logs_shared_index.sh starts a server), the same
// on the shared index on PostgreSQL (SharedLogIndex) instead of the embedded one.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "fakes/temp_dir.h"
#include "logs/log_index.h"
#include "logs/log_query.h"
#include "logs/shared_log_index.h"

#ifdef PHAROS_HAVE_POSTGRES
#include "store/postgres/postgres_store.h"
#endif

namespace pharos::logs {
namespace {

constexpr int kRare = 200;

std::size_t lineCount() {
  const char* env = std::getenv("LOGS_SEARCH_LINES");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 10'000'000;
}

struct Corpus {
  testing::TempDir dir;
  std::unique_ptr<store::Store> store;  // the shared index's
  std::unique_ptr<LogIndex> index;
  double buildSeconds = 0;
  std::size_t lines = 0;
};

Corpus& corpus() {
  static Corpus* c = [] {
    auto* c = new Corpus;
    c->lines = lineCount();
    const char* conninfo = std::getenv("PHAROS_BENCH_POSTGRES");
    if (conninfo == nullptr) {
      auto opened = LogIndex::open(c->dir.file("index.db"), {});
      if (!opened.ok()) std::abort();
      c->index = std::move(*opened);
    } else {
#ifdef PHAROS_HAVE_POSTGRES
      store::PostgresStoreOptions o;
      o.conninfo = Secret(conninfo);
      auto s = store::PostgresStore::open(std::move(o));
      if (!s.ok()) std::abort();
      c->store = std::move(*s);
      auto opened = SharedLogIndex::open(*c->store, "bench", {});
      if (!opened.ok()) std::abort();
      c->index = std::move(*opened);
#else
      std::abort();  // built without PostgreSQL
#endif
    }
    const char* services[] = {"api", "web", "db", "auth", "queue", "worker", "kernel", "cache"};
    const char* words[] = {"alpha",  "bravo", "carbon", "delta",  "ember", "falcon", "garnet",
                           "harbor", "iris",  "jasper", "kepler", "lumen", "meadow", "nova"};
    const char* templates[] = {
        "GET /api/v1/orders/%u 200 %ums user=%s trace=%016llx",
        "upstream payments returned 503 after %ums, retry %u/3 user=%s trace=%016llx",
        "checkpoint complete: wrote %u buffers (%u%%); sync=%s trace=%016llx",
        "Failed password for invalid user %u from 10.%u.%s port %llu ssh2",
        "job %u finished in %ums: resize image %s.png request %016llx"};
    std::mt19937_64 rng(7);
    std::vector<std::size_t> rareAt;
    for (int i = 0; i < kRare; ++i)
      rareAt.push_back(rng() % c->lines);
    std::sort(rareAt.begin(), rareAt.end());
    std::int64_t base = 1'764'892'800'000'000'000;
    std::vector<Record> batch;
    std::size_t rareNext = 0;
    auto started = std::chrono::steady_clock::now();
    char text[256];
    for (std::size_t i = 0; i < c->lines; ++i) {
      Record& r = batch.emplace_back();
      r.timestampNs = r.receivedNs = base + static_cast<std::int64_t>(i) * 1'000'000;
      r.service = services[rng() % 8];
      r.level = static_cast<Level>(3 + rng() % 3);
      std::snprintf(text, sizeof text, templates[rng() % 5], static_cast<unsigned>(rng() % 100000),
                    static_cast<unsigned>(rng() % 900), words[rng() % 14],
                    static_cast<unsigned long long>(rng()));
      r.message = text;
      r.host = "web-" + std::to_string(rng() % 40);
      while (rareNext < rareAt.size() && rareAt[rareNext] == i) {
        r.message += " zyxwv" + std::to_string(rareNext % 20);
        ++rareNext;
      }
      if (batch.size() == 20'000) {
        if (!c->index->write(batch, i).ok()) std::abort();
        batch.clear();
      }
    }
    if (!batch.empty() && !c->index->write(batch, c->lines).ok()) std::abort();
    c->buildSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return c;
  }();
  return *c;
}

void searchOnce(const std::string& text, std::size_t& found) {
  auto query = parseLogQuery(text);
  QueryMatcher matcher(*query);
  SearchRequest request{
      .startNs = 0, .endNs = INT64_MAX, .ftsExpression = ftsExpression(*query), .limit = 100};
  auto page = corpus().index->search(request, [&](const Record& r) { return matcher.matches(r); });
  if (!page.ok()) std::abort();
  found = page->records.size();
}

void runQueries(benchmark::State& state, const std::vector<std::string>& queries) {
  Corpus& c = corpus();
  std::vector<double> ms;
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    searchOnce(queries[i++ % queries.size()], found);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    benchmark::DoNotOptimize(found);
  }
  std::sort(ms.begin(), ms.end());
  state.counters["lines"] = static_cast<double>(c.lines);
  state.counters["build_lines_per_s"] = static_cast<double>(c.lines) / c.buildSeconds;
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  state.counters["found_last"] = static_cast<double>(found);
}

void BM_RareTerm(benchmark::State& state) {
  std::vector<std::string> queries;
  for (int k = 0; k < 20; ++k)
    queries.push_back("zyxwv" + std::to_string(k));
  runQueries(state, queries);
}
BENCHMARK(BM_RareTerm)->Iterations(400)->Unit(benchmark::kMillisecond);

void BM_RareTermWithField(benchmark::State& state) {
  std::vector<std::string> queries;
  for (int k = 0; k < 20; ++k)
    queries.push_back("zyxwv" + std::to_string(k) + " level>=warn");
  runQueries(state, queries);
}
BENCHMARK(BM_RareTermWithField)->Iterations(400)->Unit(benchmark::kMillisecond);

// Newest 100 of a common service: the page fills from the newest blocks.
void BM_CommonFieldNewest100(benchmark::State& state) {
  runQueries(state, {"service:api", "service:db level:error", "upstream 503"});
}
BENCHMARK(BM_CommonFieldNewest100)->Iterations(200)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pharos::logs

BENCHMARK_MAIN();
