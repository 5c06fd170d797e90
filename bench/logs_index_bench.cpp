// The embedded log index's write path on the log benchmark's content (bench/logs/gen.py), as
// the server feeds it: each line framed as syslog over TCP, parsed by LineParser, mined by
// TemplateMiner, and written in chunks of 20,000 records (a 4 MiB processing step).
//   - BM_Prepare: what a write does before SQLite (blocks cut, encoded and zstd'd, their token
//     sets built), on the caller's thread and a helper, as in SqliteLogIndex::write;
//   - BM_BlockDocument / BM_EncodeBlock: the two halves of preparing one block, on one thread;
//   - BM_Write/N/B: the whole write into a fresh index, FTS5 included, of the records N times,
//     in blocks of B records (LogIndexOptions::blockRecords).
// Times are the process's CPU time (all threads).
//
//   python3 bench/logs/gen.py 400000 /tmp/archive-bench.log
//   PHAROS_INDEX_BENCH=/tmp/archive-bench.log build/bench/logs_index_bench
// PHAROS_INDEX_BENCH_LINES caps the lines read (default 200,000); PHAROS_INDEX_BENCH_CHUNK sets
// the records of one write in BM_Write (default 20,000, the server's processing step).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/task_thread.h"
#include "logs/index_blocks.h"
#include "logs/line_parser.h"
#include "logs/log_index.h"
#include "logs/record_codec.h"
#include "logs/template_miner.h"

namespace {

using pharos::logs::Record;

constexpr std::size_t kChunk = 20'000;

std::size_t writeChunk() {
  const char* env = std::getenv("PHAROS_INDEX_BENCH_CHUNK");
  return env != nullptr ? std::strtoul(env, nullptr, 10) : kChunk;
}

const std::vector<Record>& records() {
  static const std::vector<Record> all = [] {
    const char* path = std::getenv("PHAROS_INDEX_BENCH");
    if (path == nullptr) {
      std::fprintf(stderr, "set PHAROS_INDEX_BENCH to a file from bench/logs/gen.py\n");
      std::exit(2);
    }
    const char* cap = std::getenv("PHAROS_INDEX_BENCH_LINES");
    std::size_t maxLines = cap != nullptr ? std::strtoul(cap, nullptr, 10) : 200'000;
    std::ifstream in(path, std::ios::binary);
    pharos::logs::LineParser parser;
    pharos::logs::TemplateMiner miner;
    std::vector<Record> out;
    std::int64_t received = 1'764'892'800'000'000'000;
    std::string line;
    while (out.size() < maxLines && std::getline(in, line)) {
      Record& r = out.emplace_back();
      parser.parse(pharos::logs::Source::kSyslogTcp, received, {.message = line}, r);
      r.templateId = miner.add(r.message).id;
      received += 5'000;
    }
    return out;
  }();
  return all;
}

void BM_Prepare(benchmark::State& state) {
  const auto& all = records();
  pharos::logs::LogIndexOptions options;
  pharos::TaskThread helper;
  for (auto _ : state) {
    for (std::size_t at = 0; at < all.size(); at += kChunk) {
      std::span<const Record> chunk(all.data() + at, std::min(kChunk, all.size() - at));
      auto prepared = pharos::logs::prepareWrite(chunk, options, helper);
      benchmark::DoNotOptimize(prepared);
    }
  }
  state.counters["lines_per_s"] = benchmark::Counter(
      static_cast<double>(all.size() * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Prepare)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

std::vector<const Record*> firstBlock() {
  std::vector<const Record*> block;
  for (std::size_t i = 0; i < 1024; ++i)
    block.push_back(&records()[i]);
  return block;
}

void BM_EncodeBlock(benchmark::State& state) {
  auto block = firstBlock();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto data = pharos::logs::encodeRecordBlock(block, static_cast<int>(state.range(0)));
    bytes = data.size();
    benchmark::DoNotOptimize(data);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["lines_per_s"] = benchmark::Counter(
      static_cast<double>(block.size() * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EncodeBlock)->Arg(3)->Arg(1)->Arg(-1)->Unit(benchmark::kMicrosecond);

void BM_BlockDocument(benchmark::State& state) {
  auto block = firstBlock();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto doc = pharos::logs::blockDocument(block, {});
    bytes = doc.size();
    benchmark::DoNotOptimize(doc);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["lines_per_s"] = benchmark::Counter(
      static_cast<double>(block.size() * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BlockDocument)->Unit(benchmark::kMicrosecond);

void BM_Write(benchmark::State& state) {
  const auto& all = records();
  auto dir = std::filesystem::temp_directory_path() / "pharos-index-bench";
  const std::size_t chunkRecords = writeChunk();
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    pharos::logs::LogIndexOptions options;
    options.blockRecords = static_cast<std::size_t>(state.range(1));
    auto index = pharos::logs::LogIndex::open((dir / "index.db").string(), options);
    if (!index.ok()) std::abort();
    state.ResumeTiming();
    // The same records again and again: an index's later writes cost more than its first (FTS5
    // merges its segments as they pile up), and a sustained run is made of later writes.
    for (int round = 0; round < state.range(0); ++round) {
      for (std::size_t at = 0; at < all.size(); at += chunkRecords) {
        std::span<const Record> chunk(all.data() + at, std::min(chunkRecords, all.size() - at));
        if (!(*index)->write(chunk, at + chunk.size()).ok()) std::abort();
      }
    }
  }
  std::filesystem::remove_all(dir);
  state.counters["lines_per_s"] =
      benchmark::Counter(static_cast<double>(all.size() * static_cast<std::size_t>(state.range(0)) *
                                             state.iterations()),
                         benchmark::Counter::kIsRate);
}
// Process CPU time, both threads of a write: what the server pays, whatever else runs.
BENCHMARK(BM_Write)
    ->Args({1, 1024})
    ->Args({5, 1024})
    ->Args({20, 1024})
    ->Args({4, 1024})
    ->Args({10, 1024})
    ->Args({4, 2048})
    ->Args({4, 4096})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
