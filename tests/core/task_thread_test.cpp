#include "core/task_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace pharos {
namespace {

TEST(TaskThreadTest, RunsJobsInOrderOnOneThread) {
  TaskThread worker;
  std::vector<int> order;
  std::thread::id first;
  std::vector<std::future<std::thread::id>> ids;
  for (int i = 0; i < 100; ++i) {
    ids.push_back(worker.submit([&order, i] {
      order.push_back(i);
      return std::this_thread::get_id();
    }));
  }
  for (auto& f : ids) {
    std::thread::id id = f.get();
    if (first == std::thread::id()) first = id;
    EXPECT_EQ(id, first);
  }
  EXPECT_NE(first, std::this_thread::get_id());
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(order[i], i);
}

TEST(TaskThreadTest, OnStartRunsOnTheWorkerBeforeAnyJob) {
  std::atomic<std::thread::id> started;
  TaskThread worker([&] { started = std::this_thread::get_id(); });
  std::thread::id ran = worker.submit([] { return std::this_thread::get_id(); }).get();
  EXPECT_EQ(ran, started.load());
}

TEST(TaskThreadTest, DestructionRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  {
    TaskThread worker;
    for (int i = 0; i < 50; ++i)
      (void)worker.submit([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(TaskThreadTest, AnExceptionReachesTheFuture) {
  TaskThread worker;
  auto f = worker.submit([]() -> int { throw std::runtime_error("boom"); });
  EXPECT_THROW(f.get(), std::runtime_error);
  EXPECT_EQ(worker.submit([] { return 7; }).get(), 7);
}

}  // namespace
}  // namespace pharos
