#include "core/periodic_task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace pharos {
namespace {

TEST(PeriodicTaskTest, RunsAtStartThenEveryInterval) {
  std::atomic<int> runs{0};
  PeriodicTask task(Millis(20), [&] { ++runs; });
  task.start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (runs < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  task.stop();
  EXPECT_GE(runs.load(), 3);
  int after = runs.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(runs.load(), after);  // stopped means stopped
}

TEST(PeriodicTaskTest, StopEndsALongWaitAtOnce) {
  std::atomic<int> runs{0};
  PeriodicTask task(std::chrono::hours(1), [&] { ++runs; });
  task.start();
  while (runs == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto began = std::chrono::steady_clock::now();
  task.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(2));
  task.stop();  // twice is fine
  EXPECT_EQ(runs.load(), 1);
}

TEST(PeriodicTaskTest, RunNowCutsTheWaitShort) {
  std::atomic<int> runs{0};
  PeriodicTask task(std::chrono::hours(1), [&] { ++runs; });
  task.start();
  while (runs == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  task.runNow();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (runs < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(runs.load(), 2);
  task.stop();
}

}  // namespace
}  // namespace pharos
