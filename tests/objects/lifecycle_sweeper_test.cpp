#include "objects/lifecycle_sweeper.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "object_test_util.h"
#include "objects/local/local_object_store.h"

namespace pharos::objects {
namespace {

using namespace std::chrono_literals;
using testing::errorCode;

// Waits in real time for `done`, at most `limit`.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Only applyLifecycle is used by the sweeper; it fails to show the sweeper keeps going.
class FailingStore final : public ObjectStore {
 public:
  Status put(std::string_view, std::string_view) override { return unused(); }
  Result<std::string> get(std::string_view) override { return unused(); }
  Result<ObjectInfo> stat(std::string_view) override { return unused(); }
  Result<std::vector<ObjectInfo>> list(std::string_view) override { return unused(); }
  Status remove(std::string_view) override { return unused(); }
  Result<SweepReport> applyLifecycle(std::span<const LifecycleRule>) override {
    ++calls;
    return makeError(ErrorCode::kIo, "disk on fire");
  }
  std::atomic<int> calls{0};

 private:
  static Error unused() { return makeError(ErrorCode::kInternal, "not used"); }
};

class LifecycleSweeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logging::setSinkForTesting([this](std::string_view line) {
      std::lock_guard lock(linesMutex_);
      lines_.emplace_back(line);
    });
    auto opened = LocalObjectStore::open(dir_.path() / "objects", clock_);
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    store_ = std::move(opened).value();
  }
  void TearDown() override { logging::setSinkForTesting({}); }

  std::vector<std::string> linesWith(std::string_view needle) {
    std::lock_guard lock(linesMutex_);
    std::vector<std::string> out;
    for (const std::string& line : lines_)
      if (line.find(needle) != std::string::npos) out.push_back(line);
    return out;
  }

  pharos::testing::TempDir dir_;
  pharos::testing::ManualClock clock_;
  LocalObjectStorePtr store_;
  std::mutex linesMutex_;
  std::vector<std::string> lines_;
};

TEST_F(LifecycleSweeperTest, SweepsPeriodicallyAndLogsASummary) {
  ASSERT_TRUE(store_->put("logs/old", "o").ok());
  std::atomic<int> observed{0};
  LifecycleSweeper sweeper(*store_, clock_, {{{"logs/", std::nullopt, Millis(1h)}}, 20ms},
                           [&](const Result<SweepReport>& r) {
                             if (r.ok()) ++observed;
                           });
  sweeper.start();
  ASSERT_TRUE(eventually([&] { return sweeper.sweepsCompleted() >= 1; }));
  EXPECT_TRUE(store_->get("logs/old").ok()) << "not old yet";

  clock_.advance(2h);
  ASSERT_TRUE(eventually([&] { return sweeper.sweepsCompleted() >= 4; }));
  EXPECT_EQ(errorCode(store_->get("logs/old")), ErrorCode::kNotFound);
  sweeper.stop();
  EXPECT_GE(observed.load(), 4);

  auto summaries = linesWith("\"msg\":\"lifecycle sweep\"");
  ASSERT_GE(summaries.size(), 4u);
  EXPECT_NE(summaries[0].find("\"module\":\"objects\""), std::string::npos) << summaries[0];
  EXPECT_EQ(linesWith("\"expired\":1,").size(), 1u);
}

// Processes sharing a bucket: only the one that holds the lease sweeps; the others skip.
TEST_F(LifecycleSweeperTest, SweepsOnlyWhileItHoldsTheClaim) {
  ASSERT_TRUE(store_->put("logs/old", "o").ok());
  clock_.advance(2h);
  std::atomic<bool> holder{false};
  std::atomic<int> asked{0};
  LifecycleSweeper sweeper(*store_, clock_, {{{"logs/", std::nullopt, Millis(1h)}}, 20ms, [&] {
                                               ++asked;
                                               return holder.load();
                                             }});
  sweeper.start();
  ASSERT_TRUE(eventually([&] { return asked.load() >= 3; }));
  EXPECT_TRUE(store_->get("logs/old").ok()) << "swept without the claim";
  EXPECT_EQ(sweeper.sweepsCompleted(), 0u);
  holder = true;
  ASSERT_TRUE(eventually([&] { return sweeper.sweepsCompleted() >= 1; }));
  EXPECT_EQ(errorCode(store_->get("logs/old")), ErrorCode::kNotFound);
  sweeper.stop();
}

TEST_F(LifecycleSweeperTest, StopsPromptlyDuringALongWait) {
  LifecycleSweeper sweeper(*store_, clock_, {{}, 1h});
  sweeper.start();
  ASSERT_TRUE(eventually([&] { return sweeper.sweepsCompleted() == 1; }));
  auto begin = std::chrono::steady_clock::now();
  sweeper.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 500ms);
  EXPECT_EQ(sweeper.sweepsCompleted(), 1u);
  sweeper.stop();  // twice is fine
}

TEST_F(LifecycleSweeperTest, DestructorStops) {
  auto begin = std::chrono::steady_clock::now();
  {
    LifecycleSweeper sweeper(*store_, clock_, {{}, 1h});
    sweeper.start();
    sweeper.start();  // idempotent
  }
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
}

TEST_F(LifecycleSweeperTest, KeepsSweepingAfterAFailureAndLogsIt) {
  FailingStore failing;
  LifecycleSweeper sweeper(failing, clock_, {{}, 5ms});
  sweeper.start();
  ASSERT_TRUE(eventually([&] { return failing.calls.load() >= 3; }));
  sweeper.stop();
  auto failures = linesWith("lifecycle sweep failed");
  ASSERT_GE(failures.size(), 3u);
  EXPECT_NE(failures[0].find("\"level\":\"warn\""), std::string::npos) << failures[0];
  EXPECT_NE(failures[0].find("disk on fire"), std::string::npos) << failures[0];
}

}  // namespace
}  // namespace pharos::objects
