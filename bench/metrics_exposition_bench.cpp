// Throughput of the exposition parser on a node_exporter-like body of about 10,000 samples:
// HELP/TYPE lines, counters, gauges and histograms with `le` buckets, 2 to 6 labels a sample.
//
//   build-rel/bench/metrics_exposition_bench
//
// The figures of merit are bytes_per_second (target: 100 MB/s) and samples/s (target:
// 1.5 M/s) on one core, Release build.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "metrics/exposition.h"

namespace pharos::metrics {
namespace {

struct Family {
  std::string name;  // without the counter's _total
  std::string type;
  std::string help;
  std::vector<std::string> labelSets;  // rendered `a="1",b="2"`, one per series
};

// The same families in either format; only the counter suffix, # EOF and timestamps differ.
std::string render(const std::vector<Family>& families, bool openMetrics, std::size_t& samples) {
  static const char* kBuckets[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                   "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> real(0, 1e6);
  std::string out;
  samples = 0;
  for (const auto& f : families) {
    std::string familyName = f.type == "counter" && !openMetrics ? f.name + "_total" : f.name;
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", familyName, f.help, familyName, f.type);
    for (const auto& labels : f.labelSets) {
      if (f.type == "histogram") {
        std::uint64_t count = 0;
        for (const char* le : kBuckets) {
          count += rng() % 1000;
          out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", f.name, labels, le, count);
        }
        out += fmt::format("{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", f.name, labels, real(rng),
                           f.name, labels, count);
        samples += std::size(kBuckets) + 2;
      } else if (f.type == "counter") {
        out += fmt::format("{}_total{{{}}} {}\n", f.name, labels, rng() % 100000000);
        ++samples;
      } else {
        out += fmt::format("{}{{{}}} {}\n", f.name, labels, real(rng));
        ++samples;
      }
    }
  }
  if (openMetrics) out += "# EOF\n";
  return out;
}

std::vector<Family> nodeExporterLike() {
  std::vector<Family> families;
  static const char* kModes[] = {"idle",    "iowait", "irq",    "nice",
                                 "softirq", "steal",  "system", "user"};
  Family cpu{"node_cpu_seconds", "counter", "Seconds the CPUs spent in each mode.", {}};
  for (int c = 0; c < 64; ++c) {
    for (const char* mode : kModes)
      cpu.labelSets.push_back(fmt::format("cpu=\"{}\",mode=\"{}\"", c, mode));
  }
  families.push_back(std::move(cpu));

  static const char* kNetMetrics[] = {"receive_bytes",    "transmit_bytes", "receive_packets",
                                      "transmit_packets", "receive_errs",   "transmit_errs",
                                      "receive_drop",     "transmit_drop"};
  for (const char* metric : kNetMetrics) {
    Family f{std::string("node_network_") + metric,
             "counter",
             std::string("Network device statistic ") + metric + ".",
             {}};
    for (int d = 0; d < 40; ++d)
      f.labelSets.push_back(fmt::format("device=\"veth{:08x}\"", d * 2654435761u));
    families.push_back(std::move(f));
  }

  static const char* kFsMetrics[] = {"avail_bytes", "size_bytes", "files", "files_free",
                                     "readonly"};
  for (const char* metric : kFsMetrics) {
    Family f{std::string("node_filesystem_") + metric, "gauge", "Filesystem information.", {}};
    for (int m = 0; m < 60; ++m) {
      f.labelSets.push_back(fmt::format(
          "device=\"/dev/nvme0n1p{}\",fstype=\"ext4\",mountpoint=\"/var/lib/kubelet/pods/{:x}\"", m,
          m * 40503u));
    }
    families.push_back(std::move(f));
  }

  Family http{"http_request_duration_seconds", "histogram", "Request latency.", {}};
  static const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};
  static const char* kCodes[] = {"200", "201", "404", "500"};
  for (int h = 0; h < 40; ++h) {
    for (const char* method : kMethods) {
      for (const char* code : kCodes) {
        http.labelSets.push_back(fmt::format(
            "handler=\"/api/v1/resource{}\",method=\"{}\",code=\"{}\",instance=\"10.0.{}.{}:9100\"",
            h, method, code, h / 8, h % 8));
      }
    }
  }
  families.push_back(std::move(http));
  return families;
}

void runParse(benchmark::State& state, ExpositionFormat format) {
  std::size_t samples = 0;
  std::string body = render(nodeExporterLike(), format == ExpositionFormat::kOpenMetrics, samples);
  for (auto _ : state) {
    auto parsed = parseExposition(body, format);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.error().message.c_str());
      return;
    }
    if (parsed->samples.size() != samples) {
      state.SkipWithError("unexpected sample count");
      return;
    }
    benchmark::DoNotOptimize(parsed->samples.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.counters["samples"] = static_cast<double>(samples);
  state.counters["body_bytes"] = static_cast<double>(body.size());
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

void BM_ParsePrometheusText(benchmark::State& state) {
  runParse(state, ExpositionFormat::kPrometheusText);
}
BENCHMARK(BM_ParsePrometheusText)->Unit(benchmark::kMillisecond);

void BM_ParseOpenMetrics(benchmark::State& state) {
  runParse(state, ExpositionFormat::kOpenMetrics);
}
BENCHMARK(BM_ParseOpenMetrics)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pharos::metrics

BENCHMARK_MAIN();
