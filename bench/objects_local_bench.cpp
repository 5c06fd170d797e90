// Throughput of LocalObjectStore against the disk under it, measured in one run.
//
//   PHAROS_BENCH_DIR=/var/tmp ./build-objects/bench/objects_local_bench
//
// PHAROS_BENCH_DIR (default: the current directory) must be on the disk to measure, not a
// tmpfs. The first benchmark is the baseline, the way `dd if=/dev/zero of=F bs=1M count=256
// conv=fsync` measures a disk: 256 sequential 1 MiB writes to one file, then one fsync. The
// figure of merit is `vs_disk` on the put benchmarks: durable 1 MiB puts (each put has been
// fsynced when it returns) in MB/s, divided by that baseline. The baseline runs again at the
// end, so a disk shared with other work shows how much the figures drifted.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/crc32c.h"
#include "objects/local/local_object_store.h"

namespace pharos::objects {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMiB = 1 << 20;
constexpr int kVolumeMiB = 256;

struct BenchEnv {
  fs::path dir;
  std::string payload;  // 1 MiB of random bytes: incompressible, as archive chunks are
  double diskMBps = 0;  // the first baseline
  LocalObjectStorePtr store;
};

BenchEnv& env() {
  static BenchEnv e;
  return e;
}

double secondsSince(MonoTime start) {
  return std::chrono::duration<double>(systemClock().monotonic() - start).count();
}

double mbps(uint64_t bytes, double seconds) {
  return static_cast<double>(bytes) / seconds / 1e6;
}

void fail(benchmark::State& state, const std::string& what) {
  state.SkipWithError(what.c_str());
}

// One dd-like run per iteration (the registrations use one, as dd does); with more, the
// median is the baseline. Rerunning at once is not a steadier figure here: on the development
// machine's virtual disk a run right after another (rewriting blocks just freed) was up to
// twice as fast as a first run, and dd itself ranged 0.3-1.1 GB/s.
void diskSequentialWrite(benchmark::State& state, bool isBaseline) {
  const std::string path = (env().dir / "dd-baseline").string();
  std::vector<double> rates;
  for (auto _ : state) {
    MonoTime start = systemClock().monotonic();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(state, "open " + path);
    for (int i = 0; i < kVolumeMiB; ++i) {
      if (::write(fd, env().payload.data(), kMiB) != static_cast<ssize_t>(kMiB)) {
        ::close(fd);
        return fail(state, "write " + path);
      }
    }
    if (::fsync(fd) != 0) return fail(state, "fsync " + path);
    ::close(fd);
    rates.push_back(mbps(uint64_t{kVolumeMiB} * kMiB, secondsSince(start)));
    ::unlink(path.c_str());
  }
  std::sort(rates.begin(), rates.end());
  const double median = rates[rates.size() / 2];
  state.counters["MB/s"] = median;
  if (rates.size() > 1) {
    state.counters["MB/s_min"] = rates.front();
    state.counters["MB/s_max"] = rates.back();
  }
  if (isBaseline) env().diskMBps = median;
}

void durablePuts(benchmark::State& state) {
  const std::string dir = fmt::format("bench/put-{}threads/", state.threads());
  ObjectStore& store = *env().store;
  MonoTime start{};
  int64_t i = 0;
  for (auto _ : state) {
    // Timed from the first put: every thread has passed the start barrier by then.
    if (i == 0) start = systemClock().monotonic();
    Status s = store.put(fmt::format("{}t{}-{}", dir, state.thread_index(), i++), env().payload);
    if (!s.ok()) return fail(state, s.error().toString());
  }
  // The loop ends at a barrier, so thread 0 sees the time for all threads' puts.
  if (state.thread_index() != 0) return;
  double seconds = secondsSince(start);
  double rate = mbps(static_cast<uint64_t>(state.iterations()) * state.threads() * kMiB, seconds);
  state.counters["MB/s"] = rate;
  state.counters["put_ms"] = seconds * 1000 / static_cast<double>(state.iterations());
  if (env().diskMBps > 0) state.counters["vs_disk"] = rate / env().diskMBps;
  std::error_code ec;
  fs::remove_all(fs::path(env().store->root()) / dir, ec);
}

void gets(benchmark::State& state, bool cold) {
  constexpr int kObjects = 128;
  ObjectStore& store = *env().store;
  for (int i = 0; i < kObjects; ++i) {
    Status s = store.put(fmt::format("bench/get/{}", i), env().payload);
    if (!s.ok()) return fail(state, s.error().toString());
  }
  if (cold) {
    // Drop the objects' clean pages from the page cache so reads come from the disk.
    for (int i = 0; i < kObjects; ++i) {
      std::string path = fmt::format("{}/bench/get/{}", env().store->root(), i);
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
      }
    }
  }
  MonoTime start = systemClock().monotonic();
  int64_t i = 0;
  for (auto _ : state) {
    auto got = store.get(fmt::format("bench/get/{}", i++ % kObjects));
    if (!got.ok() || got->size() != kMiB) return fail(state, "get failed");
    benchmark::DoNotOptimize(got->data());
  }
  state.counters["MB/s"] =
      mbps(static_cast<uint64_t>(state.iterations()) * kMiB, secondsSince(start));
  std::error_code ec;
  fs::remove_all(fs::path(env().store->root()) / "bench/get", ec);
}

void checksum(benchmark::State& state, bool hardware) {
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = hardware ? pharos::crc32c(env().payload) : pharos::crc32cPortable(env().payload);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kMiB));
}

void registerAll() {
  using benchmark::RegisterBenchmark;
  RegisterBenchmark("disk_seq_write_256MiB_fsync/baseline",
                    [](benchmark::State& s) { diskSequentialWrite(s, true); })
      ->Iterations(1)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  RegisterBenchmark("crc32c_1MiB/sse42", [](benchmark::State& s) {
    checksum(s, true);
  })->Unit(benchmark::kMicrosecond);
  RegisterBenchmark("crc32c_1MiB/portable", [](benchmark::State& s) {
    checksum(s, false);
  })->Unit(benchmark::kMicrosecond);
  for (int threads : {1, 2, 4}) {
    // 256 MiB in total whatever the thread count, the same volume as the baseline.
    RegisterBenchmark("put_1MiB_durable", durablePuts)
        ->Threads(threads)
        ->Iterations(kVolumeMiB / threads)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  RegisterBenchmark("get_1MiB/page_cache", [](benchmark::State& s) { gets(s, false); })
      ->Iterations(512)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  RegisterBenchmark("get_1MiB/cold", [](benchmark::State& s) { gets(s, true); })
      ->Iterations(128)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  RegisterBenchmark("disk_seq_write_256MiB_fsync/again",
                    [](benchmark::State& s) { diskSequentialWrite(s, false); })
      ->Iterations(1)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace pharos::objects

int main(int argc, char** argv) {
  using namespace pharos::objects;
  benchmark::Initialize(&argc, argv);
  const char* base = std::getenv("PHAROS_BENCH_DIR");
  BenchEnv& e = env();
  e.dir = fs::path(base != nullptr ? base : ".") / fmt::format("objects-bench-{}", ::getpid());
  std::error_code ec;
  fs::create_directories(e.dir, ec);
  if (ec) {
    fmt::print(stderr, "cannot create {}: {}\n", e.dir.string(), ec.message());
    return 1;
  }
  std::mt19937_64 rng(42);
  e.payload.resize(kMiB);
  for (size_t i = 0; i < kMiB; i += 8) {
    uint64_t v = rng();
    std::memcpy(e.payload.data() + i, &v, 8);
  }
  auto opened = LocalObjectStore::open(e.dir / "store", pharos::systemClock());
  if (!opened.ok()) {
    fmt::print(stderr, "{}\n", opened.error().toString());
    return 1;
  }
  e.store = std::move(opened).value();
  benchmark::AddCustomContext("bench_dir", fs::absolute(e.dir).string());
  benchmark::AddCustomContext("crc32c", pharos::crc32cUsesHardware() ? "sse4.2" : "portable");
  registerAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  e.store.reset();
  fs::remove_all(e.dir, ec);
  return 0;
}
