// The floor an append-only segment log could reach on this disk, to weigh against the
// SQLite-backed bus (bus_embedded_bench): the same durable steps (a batch of bodies, then a
// "delivered" record, then an "acked" record, each made durable with fdatasync), written as
// raw appends into a pre-allocated segment with no indexing, no visibility bookkeeping and no
// compaction. A real log would add all of those; this is the best case.
//   build-bus/bench/bus_log_floor_bench
#include <fcntl.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "fakes/temp_dir.h"
#include "latency_counters.h"

namespace {

constexpr off_t kSegmentBytes = 256LL << 20;

// A segment filled with zeros and synced, so later writes overwrite allocated blocks and
// fdatasync does not also have to commit file-size metadata (as a real log would pre-allocate).
class Segment {
 public:
  explicit Segment(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) std::abort();
    std::string zeros(1 << 20, '\0');
    for (off_t at = 0; at < kSegmentBytes; at += static_cast<off_t>(zeros.size()))
      if (::pwrite(fd_, zeros.data(), zeros.size(), at) < 0) std::abort();
    if (::fsync(fd_) != 0) std::abort();
  }
  ~Segment() { ::close(fd_); }

  void appendDurably(const std::string& record) {
    if (offset_ + static_cast<off_t>(record.size()) > kSegmentBytes) offset_ = 0;  // wrap
    if (::pwrite(fd_, record.data(), record.size(), offset_) < 0) std::abort();
    offset_ += static_cast<off_t>(record.size());
    if (::fdatasync(fd_) != 0) std::abort();
  }

 private:
  int fd_ = -1;
  off_t offset_ = 0;
};

std::string body(int64_t seq) {
  return "{\"seq\":" + std::to_string(seq) +
         ",\"service\":\"checkout\",\"level\":\"info\",\"msg\":\"request served in 12 ms\"}";
}

void BM_LogFloorBatched(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  pharos::testing::TempDir dir;
  Segment segment(dir.file("segment.log"));
  int64_t seq = 0;
  std::string record;
  for (auto _ : state) {
    record.clear();
    for (size_t i = 0; i < batch; ++i) {
      std::string b = body(seq++);
      uint32_t len = static_cast<uint32_t>(b.size());
      record.append(reinterpret_cast<const char*>(&len), sizeof(len)).append(b);
    }
    segment.appendDurably(record);                            // send
    segment.appendDurably(std::string(16 + batch * 8, 'r'));  // delivered: ids + deadlines
    segment.appendDurably(std::string(16 + batch * 8, 'a'));  // acked: ids
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_LogFloorBatched)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LogFloorSingleLatency(benchmark::State& state) {
  pharos::testing::TempDir dir;
  Segment segment(dir.file("segment.log"));
  int64_t seq = 0;
  pharos::bench::measureLatency(state, [&] { segment.appendDurably(body(seq++)); });
}
BENCHMARK(BM_LogFloorSingleLatency)->Iterations(5000)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
