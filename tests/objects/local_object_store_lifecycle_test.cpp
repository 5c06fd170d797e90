#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "object_test_util.h"
#include "objects/local/local_object_store.h"

namespace pharos::objects {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::errorCode;
using testing::keysOf;
using testing::logLines;
using testing::randomBytes;
using testing::readFile;
using testing::writeFile;

class LocalLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = LocalObjectStore::open(root_, clock_);
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    store_ = std::move(opened).value();
  }

  void putOk(std::string_view key, std::string_view data) {
    Status s = store_->put(key, data);
    ASSERT_TRUE(s.ok()) << key << ": " << s.error().toString();
  }

  SweepReport sweep(const std::vector<LifecycleRule>& rules) {
    auto report = store_->applyLifecycle(rules);
    if (!report.ok()) {
      ADD_FAILURE() << report.error().toString();
      return {};
    }
    return *report;
  }

  uint64_t fileSize(std::string_view key) { return fs::file_size(root_ / key); }

  pharos::testing::TempDir dir_;
  fs::path root_ = dir_.path() / "objects";
  pharos::testing::ManualClock clock_;
  LocalObjectStorePtr store_;
  const std::vector<LifecycleRule> logRules_ = {{"logs/", Millis(1h), Millis(24h)}};
};

TEST_F(LocalLifecycleTest, CompressesObjectsOlderThanCompressAfter) {
  const std::string text = logLines(256 * 1024);
  const WallTime created = clock_.now();
  putOk("logs/2026/chunk-1", text);
  putOk("other/chunk-1", text);
  const uint64_t plainSize = fileSize("logs/2026/chunk-1");

  clock_.advance(30min);
  SweepReport early = sweep(logRules_);
  EXPECT_EQ(early.scanned, 2u);
  EXPECT_EQ(early.compressed, 0u);
  EXPECT_FALSE(store_->stat("logs/2026/chunk-1")->compressed);

  clock_.advance(31min);
  SweepReport due = sweep(logRules_);
  EXPECT_EQ(due.compressed, 1u);
  EXPECT_EQ(due.expired, 0u);
  EXPECT_EQ(due.failed, 0u);

  auto info = store_->stat("logs/2026/chunk-1");
  ASSERT_TRUE(info.ok()) << info.error().toString();
  EXPECT_TRUE(info->compressed);
  EXPECT_EQ(info->size, text.size());
  EXPECT_EQ(info->created, created);  // a rewrite keeps the object's age
  EXPECT_EQ(*store_->get("logs/2026/chunk-1"), text);
  const uint64_t packedSize = fileSize("logs/2026/chunk-1");
  EXPECT_LT(packedSize * 5, plainSize) << "log lines should compress at least 5:1";
  EXPECT_EQ(due.bytesFreed, plainSize - packedSize);

  // Objects under other prefixes are untouched.
  EXPECT_FALSE(store_->stat("other/chunk-1")->compressed);
  EXPECT_EQ(fileSize("other/chunk-1"), plainSize);

  // Already compressed: the next sweep leaves it.
  EXPECT_EQ(sweep(logRules_).compressed, 0u);
}

TEST_F(LocalLifecycleTest, AgeMustExceedTheThreshold) {
  putOk("logs/a", logLines(1000));
  clock_.advance(1h);
  EXPECT_EQ(sweep(logRules_).compressed, 0u);
  clock_.advance(1ms);
  EXPECT_EQ(sweep(logRules_).compressed, 1u);
}

TEST_F(LocalLifecycleTest, ExpiresObjectsOlderThanExpireAfter) {
  putOk("logs/2026/11/27/old", logLines(4000));
  clock_.advance(20h);
  putOk("logs/2026/11/28/young", "y");
  putOk("other/old", "o");
  const uint64_t oldSize = fileSize("logs/2026/11/27/old");

  clock_.advance(5h);
  SweepReport report = sweep(logRules_);
  EXPECT_EQ(report.expired, 1u);
  EXPECT_EQ(report.compressed, 1u);  // "young" is 5 h old
  EXPECT_GE(report.bytesFreed, oldSize);
  EXPECT_EQ(errorCode(store_->get("logs/2026/11/27/old")), ErrorCode::kNotFound);
  EXPECT_EQ(keysOf(store_->list("")),
            (std::vector<std::string>{"logs/2026/11/28/young", "other/old"}));
  EXPECT_EQ(*store_->get("other/old"), "o");
  // The emptied day directory is removed, and a later put may create it again.
  EXPECT_FALSE(fs::exists(root_ / "logs/2026/11/27"));
  putOk("logs/2026/11/27/again", "a");
  EXPECT_EQ(*store_->get("logs/2026/11/27/again"), "a");
}

TEST_F(LocalLifecycleTest, FirstMatchingRuleWins) {
  const std::vector<LifecycleRule> rules = {
      {"logs/keep/", std::nullopt, std::nullopt},
      {"logs/", std::nullopt, Millis(1h)},
      {"logs/keep/forever", std::nullopt, Millis(1ms)},  // shadowed by the first rule
  };
  putOk("logs/keep/forever", "k");
  putOk("logs/drop", "d");
  clock_.advance(2h);
  SweepReport report = sweep(rules);
  EXPECT_EQ(report.expired, 1u);
  EXPECT_EQ(keysOf(store_->list("")), std::vector<std::string>{"logs/keep/forever"});
}

TEST_F(LocalLifecycleTest, CompressedObjectsAreStillChecked) {
  const std::string text = logLines(50'000);
  putOk("logs/c", text);
  clock_.advance(2h);
  ASSERT_EQ(sweep(logRules_).compressed, 1u);
  std::string raw = readFile(root_ / "logs/c");
  raw[raw.size() / 2] = static_cast<char>(raw[raw.size() / 2] ^ 0x04);
  writeFile(root_ / "logs/c", raw);
  EXPECT_EQ(errorCode(store_->get("logs/c")), ErrorCode::kDataLoss);
}

TEST_F(LocalLifecycleTest, IncompressibleDataRoundTripsAndFreesNothing) {
  const std::string noise = randomBytes(100'000, 9);
  putOk("logs/noise", noise);
  clock_.advance(2h);
  SweepReport report = sweep(logRules_);
  EXPECT_EQ(report.compressed, 1u);
  EXPECT_EQ(report.bytesFreed, 0u);
  EXPECT_EQ(*store_->get("logs/noise"), noise);
}

TEST_F(LocalLifecycleTest, CorruptObjectIsReportedAndNeverExpiredOnAGuess) {
  putOk("logs/bad", "will be damaged");
  putOk("logs/good", "fine");
  std::string raw = readFile(root_ / "logs/bad");
  raw[26] = static_cast<char>(raw[26] ^ 0x01);
  writeFile(root_ / "logs/bad", raw);
  clock_.advance(48h);
  SweepReport report = sweep(logRules_);
  EXPECT_EQ(report.scanned, 2u);
  EXPECT_EQ(report.failed, 1u);
  EXPECT_EQ(report.expired, 1u);
  EXPECT_TRUE(fs::exists(root_ / "logs/bad"));
}

TEST_F(LocalLifecycleTest, SweepRemovesStaleTempFiles) {
  putOk("logs/x", "x");
  writeFile(root_ / "logs" / "~tmp-2147483646-0badf00d-7", "crashed");
  sweep(logRules_);
  EXPECT_FALSE(fs::exists(root_ / "logs" / "~tmp-2147483646-0badf00d-7"));
}

// A sweep that compresses an object must never overwrite a newer put of the same key, and
// directory pruning must never make a put fail.
TEST_F(LocalLifecycleTest, SweepsRacingPutsNeverLoseTheNewestWrite) {
  const std::vector<LifecycleRule> compressAll = {{"hot/", Millis(-1), std::nullopt},
                                                  {"gone/", std::nullopt, Millis(-1)}};
  std::atomic<bool> done{false};
  std::atomic<int> sweepFailures{0};
  std::thread sweeper([&] {
    while (!done.load()) {
      auto report = store_->applyLifecycle(compressAll);
      if (!report.ok() || report->failed != 0) ++sweepFailures;
    }
  });
  std::string last;
  std::vector<std::string> putErrors;
  for (int i = 0; i < 120; ++i) {
    last = logLines(2000 + static_cast<size_t>(i));
    for (Status s :
         {store_->put("hot/k", last), store_->put("gone/d" + std::to_string(i % 3) + "/k", "x")}) {
      if (!s.ok()) putErrors.push_back(s.error().toString());
    }
  }
  done = true;
  sweeper.join();
  EXPECT_EQ(putErrors, std::vector<std::string>{});
  EXPECT_EQ(sweepFailures.load(), 0);
  EXPECT_EQ(*store_->get("hot/k"), last);
}

}  // namespace
}  // namespace pharos::objects
