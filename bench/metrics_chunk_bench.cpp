// Speed and size of the metrics chunk encodings on the realistic dataset of
// metrics_dataset.h (node_exporter-like series, 15 s scrapes with a few ms of jitter).
//
//   PHAROS_BENCH_TARGETS=2 PHAROS_BENCH_HOURS=24 build-rel/bench/metrics_chunk_bench
//
// The figures of merit are the counters of BM_DatasetBytesPerSample: `bytes_per_sample` is
// the encoded chunks (with their 2-byte count header) over the samples, with chunks cut
// every 120 or 480 samples; `framed_bytes_per_sample` adds the framing Prometheus puts around
// each chunk in a block's chunks/ files (length uvarint, encoding byte, CRC32), for a
// like-for-like comparison (bench/metrics_prometheus_size.sh). Encode and decode speeds are
// items/s (samples/s).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "metrics/xor_chunk.h"
#include "metrics_dataset.h"

namespace pharos::metrics {
namespace {

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

double envDouble(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v ? std::atof(v) : fallback;
}

struct Data {
  std::vector<std::vector<Sample>> series;
  std::size_t samples = 0;
};

// The dataset for a jitter, generated once per process.
const Data& dataset(int jitterMs) {
  static std::map<int, std::unique_ptr<Data>> cache;
  auto& slot = cache[jitterMs];
  if (!slot) {
    bench::DatasetOptions options;
    options.targets = envInt("PHAROS_BENCH_TARGETS", 2);
    options.hours = envDouble("PHAROS_BENCH_HOURS", 24);
    options.seed = static_cast<std::uint64_t>(envInt("PHAROS_BENCH_SEED", 1));
    options.jitterMs = jitterMs;
    slot = std::make_unique<Data>();
    bench::Dataset(options).forEachSeries([&](const bench::DatasetSeries& s) {
      slot->samples += s.samples.size();
      slot->series.push_back(s.samples);
    });
  }
  return *slot;
}

int defaultJitter() {
  return envInt("PHAROS_BENCH_JITTER_MS", bench::DatasetOptions().jitterMs);
}

std::size_t uvarintBytes(std::size_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Encodes every series of the dataset into chunks of range(0) samples. range(1) == 0 uses the
// default jitter, 1 a dataset without jitter (perfectly regular timestamps).
void BM_DatasetBytesPerSample(benchmark::State& state) {
  const auto chunkSamples = static_cast<std::size_t>(state.range(0));
  const Data& data = dataset(state.range(1) == 0 ? defaultJitter() : 0);
  std::size_t bytes = 0, framed = 0, chunks = 0;
  for (auto _ : state) {
    bytes = framed = chunks = 0;
    for (const auto& series : data.series) {
      for (std::size_t start = 0; start < series.size(); start += chunkSamples) {
        XorChunkWriter writer;
        std::size_t end = std::min(series.size(), start + chunkSamples);
        for (std::size_t i = start; i < end; ++i)
          writer.append(series[i].t, series[i].v);
        std::size_t size = writer.bytes().size();
        bytes += size;
        framed += size + uvarintBytes(size) + 1 + 4;
        ++chunks;
        benchmark::DoNotOptimize(writer.bytes().data());
      }
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * data.samples));
  auto samples = static_cast<double>(data.samples);
  state.counters["bytes_per_sample"] = static_cast<double>(bytes) / samples;
  state.counters["framed_bytes_per_sample"] = static_cast<double>(framed) / samples;
  state.counters["samples"] = samples;
  state.counters["series"] = static_cast<double>(data.series.size());
  state.counters["chunks"] = static_cast<double>(chunks);
}
BENCHMARK(BM_DatasetBytesPerSample)
    ->ArgNames({"chunk", "no_jitter"})
    ->Args({120, 0})
    ->Args({480, 0})
    ->Args({120, 1})
    ->Args({480, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

void BM_DatasetDecode(benchmark::State& state) {
  const auto chunkSamples = static_cast<std::size_t>(state.range(0));
  const Data& data = dataset(defaultJitter());
  std::vector<std::string> chunks;
  for (const auto& series : data.series) {
    for (std::size_t start = 0; start < series.size(); start += chunkSamples) {
      XorChunkWriter writer;
      for (std::size_t i = start; i < std::min(series.size(), start + chunkSamples); ++i)
        writer.append(series[i].t, series[i].v);
      chunks.emplace_back(writer.bytes());
    }
  }
  std::vector<Sample> out;
  out.reserve(chunkSamples);
  for (auto _ : state) {
    for (const auto& chunk : chunks) {
      out.clear();
      auto status = appendXorChunkRange(chunk, INT64_MIN, INT64_MAX, out);
      if (!status.ok()) {
        state.SkipWithError(status.error().toString().c_str());
        return;
      }
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * data.samples));
}
BENCHMARK(BM_DatasetDecode)->ArgName("chunk")->Arg(120)->Arg(480)->Unit(benchmark::kMillisecond);

// The codec alone on the cheapest and the dearest common shapes: a regular constant series
// and a jittered float counter, 120 samples a chunk.
void BM_Append(benchmark::State& state) {
  std::vector<Sample> samples(120);
  double counter = 1e6;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    counter += state.range(0) ? static_cast<double>(i * 7919 % 1500) / 100 : 0;
    std::int64_t jitter = state.range(0) ? static_cast<std::int64_t>(i * 31 % 7) - 3 : 0;
    samples[i] = {1700000000000 + static_cast<std::int64_t>(i) * 15000 + jitter,
                  state.range(0) ? counter : 1.0};
  }
  for (auto _ : state) {
    XorChunkWriter writer;
    for (const auto& s : samples)
      writer.append(s.t, s.v);
    benchmark::DoNotOptimize(writer.bytes().data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * samples.size()));
}
BENCHMARK(BM_Append)->ArgName("jittered_counter")->Arg(0)->Arg(1);

}  // namespace
}  // namespace pharos::metrics

BENCHMARK_MAIN();
