#pragma once

// A synthetic but realistic scrape dataset for the metrics codec benchmarks: N targets, each
// exposing about 500 series shaped like node_exporter's plus an instrumented HTTP service,
// scraped every 15 s with a few ms of jitter. Deterministic for a seed, and generated one
// series at a time, so a dataset far larger than memory can be streamed (as OpenMetrics
// text for Prometheus' backfill, or into chunks).
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/sample.h"

namespace pharos::bench {

struct DatasetOptions {
  int targets = 20;
  double hours = 24;
  std::uint64_t seed = 1;
  std::int64_t startMs = 1700000000000;
  std::int64_t intervalMs = 15000;
  int jitterMs = 3;  // each scrape's timestamp is off the grid by up to this, either way
};

// How one series (or, for a histogram, a group of series) evolves from scrape to scrape.
enum class SeriesShape {
  kDecimalCounter,  // float counter with `scale` steps (1/100 s for CPU seconds); a = rate/s
  kIntCounter,      // integer counter; a = mean increase per second, bursty
  kPoissonCounter,  // integer counter; a = mean increase per scrape
  kPagesGauge,      // bytes in multiples of 4096, slow random walk; a = start, b = step pages
  kDecimalGauge,    // mean-reverting gauge with `scale` steps; a = mean, b = noise
  kSmallIntGauge,   // small integer random walk; a = start, b = chance of a step
  kConstant,        // a
  kNoisyFloat,      // a gauge whose every bit changes (a timestamp in seconds, a ratio); a, b
  kHistogram,       // _bucket{le}, _sum, _count; a = requests per scrape, b = median latency
};

struct SeriesGroup {
  std::string labels;  // without the target's labels, e.g. cpu="0",mode="idle"
  SeriesShape shape;
  double a = 0;
  double b = 0;
  double scale = 100;
};

struct Family {
  std::string name;
  std::string type;  // counter, gauge, histogram
  std::vector<SeriesGroup> groups;
};

// One generated series: its OpenMetrics sample name, full label text and samples.
struct DatasetSeries {
  std::string name;
  std::string labels;
  std::vector<Sample> samples;
};

class Dataset {
 public:
  explicit Dataset(DatasetOptions options) : options_(options) { buildCatalogue(); }

  const DatasetOptions& options() const { return options_; }
  const std::vector<Family>& families() const { return families_; }
  std::size_t seriesPerTarget() const {
    std::size_t n = 0;
    for (const auto& f : families_)
      for (const auto& g : f.groups)
        n += g.shape == SeriesShape::kHistogram ? kLe.size() + 2 : 1;
    return n;
  }
  std::size_t scrapes() const {
    return static_cast<std::size_t>(options_.hours * 3600000.0 /
                                    static_cast<double>(options_.intervalMs));
  }

  // The scrape times of one target: on a 15 s grid (each target at its own offset) with
  // jitter.
  std::vector<std::int64_t> timestamps(int target) const {
    std::mt19937_64 rng(mix(options_.seed, 0x7157u, static_cast<std::uint64_t>(target)));
    std::uniform_int_distribution<int> jitter(-options_.jitterMs, options_.jitterMs);
    std::int64_t offset = static_cast<std::int64_t>(rng() % 15000);
    std::vector<std::int64_t> times(scrapes());
    for (std::size_t i = 0; i < times.size(); ++i)
      times[i] = options_.startMs + offset + static_cast<std::int64_t>(i) * options_.intervalMs +
                 jitter(rng);
    return times;
  }

  // Calls fn(const DatasetSeries&) for each series of one family of one target, in the
  // family's order (a histogram's buckets, then _sum, then _count).
  template <typename Fn>
  void forEachSeries(std::size_t family, int target, const std::vector<std::int64_t>& times,
                     Fn&& fn) const {
    const Family& f = families_[family];
    std::string targetLabels = "instance=\"host-" + std::to_string(target) + ":9100\",job=\"node\"";
    for (std::size_t g = 0; g < f.groups.size(); ++g) {
      const SeriesGroup& group = f.groups[g];
      std::mt19937_64 rng(
          mix(options_.seed, family * 1000 + g, static_cast<std::uint64_t>(target)));
      std::string labels = group.labels.empty() ? targetLabels : targetLabels + "," + group.labels;
      if (group.shape == SeriesShape::kHistogram) {
        histogram(f.name, labels, group, times, rng, fn);
        continue;
      }
      DatasetSeries s;
      s.name = f.type == "counter" ? f.name + "_total" : f.name;
      s.labels = std::move(labels);
      s.samples = series(group, times, rng);
      fn(static_cast<const DatasetSeries&>(s));
    }
  }

  // Every series of every target, target by target.
  template <typename Fn>
  void forEachSeries(Fn&& fn) const {
    for (int target = 0; target < options_.targets; ++target) {
      auto times = timestamps(target);
      for (std::size_t f = 0; f < families_.size(); ++f)
        forEachSeries(f, target, times, fn);
    }
  }

  // Shortest text that parses back to the same double.
  static void appendNumber(std::string& out, double v) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }

 private:
  static constexpr std::array<double, 12> kLe = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                 0.5,   1,    2.5,   5,    10,  INFINITY};

  static std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    std::uint64_t x = a * 0x9E3779B97F4A7C15ull ^
                      (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
                      (c + 0x94D049BB133111EBull) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 29);
  }

  static std::vector<Sample> series(const SeriesGroup& g, const std::vector<std::int64_t>& times,
                                    std::mt19937_64& rng) {
    std::vector<Sample> out(times.size());
    std::normal_distribution<double> normal(0, 1);
    std::uniform_real_distribution<double> uniform(0, 1);
    double interval = 15;
    // Integer state (hundredths, pages, counts) so values are exactly what an exporter prints.
    double start = std::floor(uniform(rng) * 1e6);
    std::int64_t units = static_cast<std::int64_t>(start * g.scale);
    double level = g.a;
    std::int64_t pages = static_cast<std::int64_t>(g.a / 4096);
    std::poisson_distribution<int> poisson(std::max(g.a, 1e-9));
    for (std::size_t i = 0; i < times.size(); ++i) {
      double v = 0;
      switch (g.shape) {
        case SeriesShape::kDecimalCounter: {
          double inc = g.a * interval * g.scale * std::max(0.0, 1 + 0.3 * normal(rng));
          units += static_cast<std::int64_t>(std::llround(inc));
          v = static_cast<double>(units) / g.scale;
          break;
        }
        case SeriesShape::kIntCounter: {
          double burst = uniform(rng) < 0.1 ? 5 : 1;
          double inc = g.a * interval * burst * std::max(0.0, 1 + 0.5 * normal(rng));
          units += static_cast<std::int64_t>(std::llround(inc));
          v = static_cast<double>(units);
          break;
        }
        case SeriesShape::kPoissonCounter:
          units += g.a > 0 ? poisson(rng) : 0;
          v = static_cast<double>(units);
          break;
        case SeriesShape::kPagesGauge:
          if (uniform(rng) < 0.5) pages += std::llround(normal(rng) * g.b);
          pages = std::max<std::int64_t>(pages, 0);
          v = static_cast<double>(pages * 4096);
          break;
        case SeriesShape::kDecimalGauge:
          level += 0.1 * (g.a - level) + g.b * normal(rng);
          level = std::max(level, 0.0);
          v = std::round(level * g.scale) / g.scale;
          break;
        case SeriesShape::kSmallIntGauge:
          if (uniform(rng) < g.b) level += uniform(rng) < 0.5 ? -1 : 1;
          level = std::max(level, 0.0);
          v = level;
          break;
        case SeriesShape::kConstant:
          v = g.a;
          break;
        case SeriesShape::kNoisyFloat:
          v = g.a > 0 ? static_cast<double>(times[i]) / 1000 + uniform(rng) * 1e-3
                      : g.b * (1 + 0.01 * normal(rng));
          break;
        case SeriesShape::kHistogram:
          break;
      }
      out[i] = {times[i], v};
    }
    return out;
  }

  template <typename Fn>
  static void histogram(const std::string& family, const std::string& labels, const SeriesGroup& g,
                        const std::vector<std::int64_t>& times, std::mt19937_64& rng, Fn&& fn) {
    std::poisson_distribution<int> requests(g.a);
    std::lognormal_distribution<double> latency(std::log(g.b), 0.6);
    std::vector<std::vector<Sample>> buckets(kLe.size(), std::vector<Sample>(times.size()));
    std::vector<Sample> sum(times.size()), count(times.size());
    std::vector<std::uint64_t> cumulative(kLe.size());
    double total = 0;
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < times.size(); ++i) {
      for (int r = requests(rng); r > 0; --r) {
        double l = std::round(latency(rng) * 1e6) / 1e6;  // microsecond timer
        total += l;
        ++n;
        for (std::size_t b = 0; b < kLe.size(); ++b)
          if (l <= kLe[b]) ++cumulative[b];
      }
      for (std::size_t b = 0; b < kLe.size(); ++b)
        buckets[b][i] = {times[i], static_cast<double>(cumulative[b])};
      sum[i] = {times[i], total};
      count[i] = {times[i], static_cast<double>(n)};
    }
    for (std::size_t b = 0; b < kLe.size(); ++b) {
      std::string le;
      if (std::isinf(kLe[b])) {
        le = "+Inf";
      } else {
        appendNumber(le, kLe[b]);
      }
      fn(DatasetSeries{family + "_bucket", labels + ",le=\"" + le + "\"", std::move(buckets[b])});
    }
    fn(DatasetSeries{family + "_sum", labels, std::move(sum)});
    fn(DatasetSeries{family + "_count", labels, std::move(count)});
  }

  void add(std::string name, std::string type, std::vector<SeriesGroup> groups) {
    families_.push_back(Family{std::move(name), std::move(type), std::move(groups)});
  }

  // About 490 series per target, in proportions like a node_exporter host running one
  // instrumented service.
  void buildCatalogue() {
    using S = SeriesShape;
    auto each = [](const std::vector<std::string>& values, const std::string& label, auto make) {
      std::vector<SeriesGroup> groups;
      for (std::size_t i = 0; i < values.size(); ++i) {
        SeriesGroup g = make(i);
        std::string l = label + "=\"" + values[i] + "\"";
        g.labels = g.labels.empty() ? l : l + "," + g.labels;
        groups.push_back(std::move(g));
      }
      return groups;
    };
    const std::vector<std::string> cpus = {"0", "1", "2", "3", "4", "5", "6", "7"};
    const std::vector<std::string> nics = {"eth0", "eth1", "lo", "docker0"};
    const std::vector<std::string> disks = {"sda", "sdb", "nvme0n1", "dm-0"};

    // node_cpu_seconds_total: 8 cpus x 8 modes; idle takes most of each second.
    {
      const std::vector<std::pair<std::string, double>> modes = {
          {"idle", 0.9},      {"iowait", 0.005}, {"irq", 0},       {"nice", 0},
          {"softirq", 0.003}, {"steal", 0},      {"system", 0.02}, {"user", 0.06}};
      std::vector<SeriesGroup> groups;
      for (const auto& cpu : cpus)
        for (const auto& [mode, rate] : modes)
          groups.push_back(
              {"cpu=\"" + cpu + "\",mode=\"" + mode + "\"", S::kDecimalCounter, rate, 0, 100});
      add("node_cpu_seconds", "counter", std::move(groups));
    }
    // Network: bytes and packets move, errors and drops mostly do not.
    for (const auto& [name, rate] :
         std::vector<std::pair<std::string, double>>{{"node_network_receive_bytes", 2e5},
                                                     {"node_network_transmit_bytes", 1e5},
                                                     {"node_network_receive_packets", 300},
                                                     {"node_network_transmit_packets", 200},
                                                     {"node_network_receive_errs", 0},
                                                     {"node_network_transmit_errs", 0},
                                                     {"node_network_receive_drop", 0.001},
                                                     {"node_network_transmit_drop", 0}}) {
      double r = rate;
      add(name, "counter", each(nics, "device", [r](std::size_t i) {
            return SeriesGroup{"", S::kIntCounter, r / static_cast<double>(1 + 3 * i)};
          }));
    }
    for (const auto& [name, rate] :
         std::vector<std::pair<std::string, double>>{{"node_disk_read_bytes", 5e4},
                                                     {"node_disk_written_bytes", 3e5},
                                                     {"node_disk_reads_completed", 5},
                                                     {"node_disk_writes_completed", 30}}) {
      double r = rate;
      add(name, "counter", each(disks, "device", [r](std::size_t i) {
            return SeriesGroup{"", S::kIntCounter, r / static_cast<double>(1 + i)};
          }));
    }
    for (const auto& [name, rate] :
         std::vector<std::pair<std::string, double>>{{"node_disk_io_time_seconds", 0.02},
                                                     {"node_disk_read_time_seconds", 0.004},
                                                     {"node_disk_write_time_seconds", 0.03}}) {
      double r = rate;
      add(name, "counter", each(disks, "device", [r](std::size_t) {
            return SeriesGroup{"", S::kDecimalCounter, r, 0, 1000};
          }));
    }
    add("node_disk_io_now", "gauge", each(disks, "device", [](std::size_t) {
          return SeriesGroup{"", S::kSmallIntGauge, 0, 0.05};
        }));
    // Memory: 40 gauges, a third constant, the rest walking by pages.
    for (int i = 0; i < 40; ++i) {
      std::string name =
          "node_memory_" + std::string(kMemoryNames[static_cast<std::size_t>(i)]) + "_bytes";
      if (i % 3 == 0) {
        add(name, "gauge", {{"", S::kConstant, 4096.0 * (1 + i * 100003 % 4000000)}});
      } else {
        add(name, "gauge",
            {{"", S::kPagesGauge, 4096.0 * (1000 + i * 7919 % 2000000), 1.0 + i % 5 * 20}});
      }
    }
    add("node_load1", "gauge", {{"", S::kDecimalGauge, 1.2, 0.15, 100}});
    add("node_load5", "gauge", {{"", S::kDecimalGauge, 1.1, 0.05, 100}});
    add("node_load15", "gauge", {{"", S::kDecimalGauge, 1.0, 0.02, 100}});
    // Filesystems: 6 mount points x 7 series.
    {
      const std::vector<std::string> mounts = {"/", "/boot", "/var", "/home", "/data", "/run"};
      auto fs = [&](const std::string& name, S shape, double a, double b) {
        add(name, "gauge", each(mounts, "mountpoint", [=](std::size_t i) {
              return SeriesGroup{"fstype=\"ext4\"", shape, a * static_cast<double>(1 + i), b};
            }));
      };
      fs("node_filesystem_avail_bytes", S::kPagesGauge, 4096.0 * 5e6, 3);
      fs("node_filesystem_free_bytes", S::kPagesGauge, 4096.0 * 6e6, 3);
      fs("node_filesystem_size_bytes", S::kConstant, 4096.0 * 2.5e7, 0);
      fs("node_filesystem_files", S::kConstant, 6553600, 0);
      fs("node_filesystem_files_free", S::kSmallIntGauge, 6e6, 0.2);
      fs("node_filesystem_readonly", S::kConstant, 0, 0);
      fs("node_filesystem_device_error", S::kConstant, 0, 0);
    }
    // The service: request counters and latency histograms per handler.
    {
      const std::vector<std::pair<std::string, double>> handlers = {{"/api/v1/query", 20},
                                                                    {"/api/v1/write", 5},
                                                                    {"/login", 1},
                                                                    {"/healthz", 0.25},
                                                                    {"/admin", 0.05}};
      std::vector<SeriesGroup> counters, histograms;
      for (const auto& [handler, rate] : handlers) {
        for (const std::string method : {"GET", "POST"})
          for (const auto& [code, share] : std::vector<std::pair<std::string, double>>{
                   {"200", 0.97}, {"404", 0.02}, {"500", 0.01}})
            counters.push_back(
                {"code=\"" + code + "\",handler=\"" + handler + "\",method=\"" + method + "\"",
                 S::kPoissonCounter, rate * share / 2});
        histograms.push_back({"handler=\"" + handler + "\"", S::kHistogram, rate, 0.04});
      }
      add("http_requests", "counter", std::move(counters));
      add("http_request_duration_seconds", "histogram", std::move(histograms));
    }
    add("up", "gauge", {{"", S::kConstant, 1}});
    add("scrape_duration_seconds", "gauge", {{"", S::kNoisyFloat, 0, 0.012}});
    add("scrape_samples_scraped", "gauge", {{"", S::kConstant, 491}});
    add("scrape_samples_post_metric_relabeling", "gauge", {{"", S::kConstant, 491}});
    add("scrape_series_added", "gauge", {{"", S::kConstant, 0}});
    for (int i = 0; i < 40; ++i) {
      add("node_netstat_" + std::string(kNetstatNames[static_cast<std::size_t>(i)]), "counter",
          {{"", S::kIntCounter, i % 3 == 0 ? 0 : 50.0 / (1 + i)}});
    }
    for (int i = 0; i < 20; ++i) {
      add("node_vmstat_" + std::string(kVmstatNames[static_cast<std::size_t>(i)]), "counter",
          {{"", S::kIntCounter, i % 4 == 0 ? 0 : 2000.0 / (1 + i * i)}});
    }
    add("node_context_switches", "counter", {{"", S::kIntCounter, 3000}});
    add("node_intr", "counter", {{"", S::kIntCounter, 2000}});
    add("node_forks", "counter", {{"", S::kIntCounter, 3}});
    add("node_procs_running", "gauge", {{"", S::kSmallIntGauge, 2, 0.5}});
    add("node_procs_blocked", "gauge", {{"", S::kSmallIntGauge, 0, 0.05}});
    add("node_boot_time_seconds", "gauge", {{"", S::kConstant, 1699000000}});
    add("node_time_seconds", "gauge", {{"", S::kNoisyFloat, 1, 0}});
    add("node_entropy_available_bits", "gauge", {{"", S::kSmallIntGauge, 256, 0.1}});
    add("go_goroutines", "gauge", {{"", S::kSmallIntGauge, 12, 0.2}});
    add("go_threads", "gauge", {{"", S::kConstant, 9}});
    for (const std::string name : {"alloc", "heap_alloc", "heap_inuse", "heap_idle", "heap_sys",
                                   "stack_inuse", "sys", "next_gc"}) {
      add("go_memstats_" + name + "_bytes", "gauge", {{"", S::kPagesGauge, 4096.0 * 2000, 8}});
    }
    add("process_cpu_seconds", "counter", {{"", S::kDecimalCounter, 0.02, 0, 100}});
    add("process_resident_memory_bytes", "gauge", {{"", S::kPagesGauge, 4096.0 * 5000, 4}});
    add("process_virtual_memory_bytes", "gauge", {{"", S::kPagesGauge, 4096.0 * 200000, 2}});
    add("process_open_fds", "gauge", {{"", S::kSmallIntGauge, 10, 0.1}});
    add("process_max_fds", "gauge", {{"", S::kConstant, 1048576}});
    add("process_start_time_seconds", "gauge", {{"", S::kConstant, 1699000012.34}});
    add("node_cpu_frequency_hertz", "gauge", each(cpus, "cpu", [](std::size_t) {
          return SeriesGroup{"", S::kDecimalGauge, 2.8e3, 300, 1};
        }));
    add("node_cpu_scaling_frequency_max_hertz", "gauge", each(cpus, "cpu", [](std::size_t) {
          return SeriesGroup{"", S::kConstant, 3.6e9};
        }));
    add("node_network_mtu_bytes", "gauge", each(nics, "device", [](std::size_t i) {
          return SeriesGroup{"", S::kConstant, i == 2 ? 65536.0 : 1500.0};
        }));
    add("node_network_speed_bytes", "gauge", each(nics, "device", [](std::size_t) {
          return SeriesGroup{"", S::kConstant, 1.25e8};
        }));
    add("node_network_up", "gauge", each(nics, "device", [](std::size_t) {
          return SeriesGroup{"", S::kConstant, 1};
        }));
    add("node_uname_info", "gauge",
        {{"machine=\"x86_64\",release=\"6.1.0-13-amd64\",sysname=\"Linux\"", S::kConstant, 1}});
    add("node_os_info", "gauge", {{"id=\"debian\",version_id=\"12\"", S::kConstant, 1}});
    add("node_hwmon_temp_celsius", "gauge", each(cpus, "sensor", [](std::size_t) {
          return SeriesGroup{"chip=\"coretemp\"", S::kDecimalGauge, 48, 0.8, 1};
        }));
    add("node_timex_offset_seconds", "gauge", {{"", S::kNoisyFloat, 0, 1e-4}});
    add("node_timex_frequency_adjustment_ratio", "gauge", {{"", S::kNoisyFloat, 0, 1.00001}});
    add("node_timex_sync_status", "gauge", {{"", S::kConstant, 1}});
    add("node_timex_maxerror_seconds", "gauge", {{"", S::kDecimalGauge, 0.1, 0.01, 1e6}});
    add("node_timex_estimated_error_seconds", "gauge",
        {{"", S::kDecimalGauge, 0.001, 0.0001, 1e6}});
    add("node_schedstat_running_seconds", "counter", each(cpus, "cpu", [](std::size_t) {
          return SeriesGroup{"", S::kDecimalCounter, 0.08, 0, 1e9};
        }));
    add("node_schedstat_waiting_seconds", "counter", each(cpus, "cpu", [](std::size_t) {
          return SeriesGroup{"", S::kDecimalCounter, 0.01, 0, 1e9};
        }));
    add("node_schedstat_timeslices", "counter", each(cpus, "cpu", [](std::size_t) {
          return SeriesGroup{"", S::kIntCounter, 400};
        }));
    add("node_softnet_processed", "counter", each(cpus, "cpu", [](std::size_t) {
          return SeriesGroup{"", S::kIntCounter, 40};
        }));
    add("node_softnet_dropped", "counter", each(cpus, "cpu", [](std::size_t) {
          return SeriesGroup{"", S::kIntCounter, 0};
        }));
  }

  static constexpr const char* kMemoryNames[40] = {"MemTotal",
                                                   "MemFree",
                                                   "MemAvailable",
                                                   "Buffers",
                                                   "Cached",
                                                   "SwapCached",
                                                   "Active",
                                                   "Inactive",
                                                   "Active_anon",
                                                   "Inactive_anon",
                                                   "Active_file",
                                                   "Inactive_file",
                                                   "Unevictable",
                                                   "Mlocked",
                                                   "SwapTotal",
                                                   "SwapFree",
                                                   "Dirty",
                                                   "Writeback",
                                                   "AnonPages",
                                                   "Mapped",
                                                   "Shmem",
                                                   "KReclaimable",
                                                   "Slab",
                                                   "SReclaimable",
                                                   "SUnreclaim",
                                                   "KernelStack",
                                                   "PageTables",
                                                   "NFS_Unstable",
                                                   "Bounce",
                                                   "WritebackTmp",
                                                   "CommitLimit",
                                                   "Committed_AS",
                                                   "VmallocTotal",
                                                   "VmallocUsed",
                                                   "VmallocChunk",
                                                   "Percpu",
                                                   "HardwareCorrupted",
                                                   "AnonHugePages",
                                                   "ShmemHugePages",
                                                   "Hugetlb"};
  static constexpr const char* kNetstatNames[40] = {"Icmp_InErrors",
                                                    "Icmp_InMsgs",
                                                    "Icmp_OutMsgs",
                                                    "Icmp6_InErrors",
                                                    "Icmp6_InMsgs",
                                                    "Icmp6_OutMsgs",
                                                    "Ip_Forwarding",
                                                    "Ip6_InOctets",
                                                    "Ip6_OutOctets",
                                                    "IpExt_InOctets",
                                                    "IpExt_OutOctets",
                                                    "Tcp_ActiveOpens",
                                                    "Tcp_CurrEstab",
                                                    "Tcp_InErrs",
                                                    "Tcp_InSegs",
                                                    "Tcp_OutRsts",
                                                    "Tcp_OutSegs",
                                                    "Tcp_PassiveOpens",
                                                    "Tcp_RetransSegs",
                                                    "TcpExt_ListenDrops",
                                                    "TcpExt_ListenOverflows",
                                                    "TcpExt_SyncookiesFailed",
                                                    "TcpExt_SyncookiesRecv",
                                                    "TcpExt_SyncookiesSent",
                                                    "TcpExt_TCPSynRetrans",
                                                    "TcpExt_TCPTimeouts",
                                                    "Udp_InDatagrams",
                                                    "Udp_InErrors",
                                                    "Udp_NoPorts",
                                                    "Udp_OutDatagrams",
                                                    "Udp_RcvbufErrors",
                                                    "Udp_SndbufErrors",
                                                    "Udp6_InDatagrams",
                                                    "Udp6_InErrors",
                                                    "Udp6_NoPorts",
                                                    "Udp6_OutDatagrams",
                                                    "Udp6_RcvbufErrors",
                                                    "Udp6_SndbufErrors",
                                                    "UdpLite_InErrors",
                                                    "UdpLite6_InErrors"};
  static constexpr const char* kVmstatNames[20] = {"pgfault",         "pgmajfault",
                                                   "pgpgin",          "pgpgout",
                                                   "pswpin",          "pswpout",
                                                   "oom_kill",        "pgsteal_kswapd",
                                                   "pgsteal_direct",  "pgscan_kswapd",
                                                   "pgscan_direct",   "pgfree",
                                                   "pgactivate",      "pgdeactivate",
                                                   "pglazyfree",      "pgrefill",
                                                   "thp_fault_alloc", "thp_collapse_alloc",
                                                   "compact_stall",   "workingset_refault_file"};

  DatasetOptions options_;
  std::vector<Family> families_;
};

}  // namespace pharos::bench
