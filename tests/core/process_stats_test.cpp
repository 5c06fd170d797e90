#include "core/process_stats.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <ctime>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

namespace pharos {
namespace {

ProcessStats readOrFail() {
  auto stats = readProcessStats();
  if (!stats.ok()) ADD_FAILURE() << stats.error().toString();
  return stats.ok() ? *stats : ProcessStats{};
}

TEST(ProcessStatsTest, ReportsPlausibleValues) {
  ProcessStats s = readOrFail();
  EXPECT_GE(s.threads, 1);
  EXPECT_GT(s.residentBytes, 0);
  EXPECT_GE(s.virtualBytes, s.residentBytes);
  EXPECT_GE(s.openFds, 3);  // stdin, stdout, stderr
  EXPECT_GE(s.maxFds, s.openFds);
  double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  // This test binary started moments ago.
  EXPECT_LE(s.startTimeSeconds, now + 1);
  EXPECT_GT(s.startTimeSeconds, now - 600);
}

TEST(ProcessStatsTest, CountsAnExtraThread) {
  ProcessStats before = readOrFail();
  std::atomic<bool> done{false};
  std::thread t([&] {
    while (!done)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  ProcessStats during = readOrFail();
  done = true;
  t.join();
  EXPECT_EQ(during.threads, before.threads + 1);
}

TEST(ProcessStatsTest, CountsAnOpenedFile) {
  ProcessStats before = readOrFail();
  int fd = ::open("/proc/self/stat", O_RDONLY);
  ASSERT_GE(fd, 0);
  ProcessStats during = readOrFail();
  ::close(fd);
  EXPECT_EQ(during.openFds, before.openFds + 1);
}

TEST(ProcessStatsTest, ResidentMemoryGrowsWhenPagesAreTouched) {
  ProcessStats before = readOrFail();
  constexpr size_t kBytes = 64 << 20;
  std::unique_ptr<char[]> block(new char[kBytes]);
  std::memset(block.get(), 1, kBytes);
  ProcessStats during = readOrFail();
  EXPECT_GE(during.residentBytes - before.residentBytes, static_cast<int64_t>(kBytes / 2));
  volatile char sink = block[kBytes - 1];  // keeps the writes from being optimised away
  (void)sink;
}

// Spins until this thread has used 200 ms of CPU (not wall time: on a loaded machine 300 ms
// of wall time may hold far less CPU), then expects the process total to show it.
TEST(ProcessStatsTest, CpuTimeAdvancesWithWork) {
  auto threadCpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  ProcessStats before = readOrFail();
  double start = threadCpu();
  volatile uint64_t x = 0;
  while (threadCpu() - start < 0.2)
    x = x + 1;
  ProcessStats after = readOrFail();
  // /proc reports in clock ticks (10 ms): allow one tick on each reading.
  EXPECT_GE(after.cpuSecondsTotal - before.cpuSecondsTotal, 0.18);
}

}  // namespace
}  // namespace pharos
