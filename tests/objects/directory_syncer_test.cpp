#include "objects/local/directory_syncer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace pharos::objects::local {
namespace {

TEST(DirectorySyncerTest, ConcurrentCallersShareSyncs) {
  std::atomic<int> syncs{0};
  DirectorySyncer syncer([&](const std::string&) {
    ++syncs;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return okStatus();
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { ok += syncer.sync("/d").ok() ? 1 : 0; });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_LT(syncs.load(), 8);  // at most: one that was running, one for all who waited
  EXPECT_GE(syncs.load(), 1);
}

// A caller that arrives while a sync runs must not be answered by that sync: it may have
// started before the caller's rename.
TEST(DirectorySyncerTest, ASyncAlreadyRunningDoesNotCoverALaterCaller) {
  std::atomic<int> started{0};
  std::atomic<bool> release{false};
  DirectorySyncer syncer([&](const std::string&) {
    ++started;
    while (!release)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return okStatus();
  });
  std::thread first([&] { EXPECT_TRUE(syncer.sync("/d").ok()); });
  while (started == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::thread second([&] { EXPECT_TRUE(syncer.sync("/d").ok()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  release = true;
  first.join();
  second.join();
  EXPECT_EQ(started.load(), 2);  // the second caller got a sync of its own
}

TEST(DirectorySyncerTest, AFailedSyncIsReportedAndOthersRetry) {
  std::atomic<int> calls{0};
  DirectorySyncer syncer([&](const std::string&) -> Status {
    if (++calls == 1) return makeError(ErrorCode::kIo, "disk unplugged");
    return okStatus();
  });
  Status first = syncer.sync("/d");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kIo);
  EXPECT_TRUE(syncer.sync("/d").ok());
  EXPECT_TRUE(syncer.sync("/other").ok());
}

}  // namespace
}  // namespace pharos::objects::local
