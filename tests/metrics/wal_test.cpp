#include "metrics/wal.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "fakes/temp_dir.h"

namespace pharos::metrics {
namespace {

std::vector<std::string> replayAll(const std::string& dir, std::uint64_t* dropped = nullptr) {
  auto wal = Wal::open(dir).value();
  std::vector<std::string> records;
  auto stats = wal->replay([&](std::string_view p) {
    records.emplace_back(p);
    return okStatus();
  });
  EXPECT_TRUE(stats.ok());
  if (dropped != nullptr && stats.ok()) *dropped = stats->droppedBytes;
  return records;
}

std::string onlySegment(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".wal" && std::filesystem::file_size(e.path()) > 0) {
      return e.path().string();
    }
  }
  return {};
}

TEST(WalTest, ReplaysWhatWasSyncedAcrossReopens) {
  testing::TempDir dir;
  {
    auto wal = Wal::open(dir.file("wal")).value();
    auto pos = wal->append({"one", "two"}).value();
    ASSERT_TRUE(wal->sync(pos).ok());
  }
  {
    auto wal = Wal::open(dir.file("wal")).value();
    ASSERT_TRUE(wal->replay([](std::string_view) { return okStatus(); }).ok());
    ASSERT_TRUE(wal->sync(wal->append({"three"}).value()).ok());
  }
  EXPECT_EQ(replayAll(dir.file("wal")), (std::vector<std::string>{"one", "two", "three"}));
}

TEST(WalTest, CutsATornTailAndACorruptRecord) {
  testing::TempDir dir;
  {
    auto wal = Wal::open(dir.file("wal")).value();
    ASSERT_TRUE(wal->sync(wal->append({"keep", "torn-away"}).value()).ok());
  }
  std::string segment = onlySegment(dir.file("wal"));
  ASSERT_FALSE(segment.empty());
  // A crash mid-write: the last record lost its final bytes.
  std::filesystem::resize_file(segment, std::filesystem::file_size(segment) - 3);
  std::uint64_t dropped = 0;
  EXPECT_EQ(replayAll(dir.file("wal"), &dropped), std::vector<std::string>{"keep"});
  EXPECT_EQ(dropped, 8u + 9u - 3u);

  // A flipped payload byte fails its CRC and ends that segment's replay.
  int fd = ::open(segment.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "X", 1, 9), 1);
  ::close(fd);
  EXPECT_TRUE(replayAll(dir.file("wal")).empty());
}

TEST(WalTest, CheckpointReplacesEarlierSegments) {
  testing::TempDir dir;
  auto wal = Wal::open(dir.file("wal")).value();
  ASSERT_TRUE(wal->sync(wal->append({"old-1", "old-2"}).value()).ok());
  std::uint64_t segment = wal->rotate().value();
  ASSERT_TRUE(wal->sync(wal->append({"new"}).value()).ok());
  std::string checkpoint;
  Wal::appendRecord(checkpoint, "summary");
  ASSERT_TRUE(wal->writeCheckpoint(segment, checkpoint).ok());
  wal.reset();
  EXPECT_EQ(replayAll(dir.file("wal")), (std::vector<std::string>{"summary", "new"}));
}

TEST(WalTest, ConcurrentAppendersShareFlushesAndLoseNothing) {
  testing::TempDir dir;
  auto wal = Wal::open(dir.file("wal")).value();
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string payload = std::to_string(t) + ":" + std::to_string(i);
        auto pos = wal->append({payload});
        ASSERT_TRUE(pos.ok());
        ASSERT_TRUE(wal->sync(*pos).ok());
      }
    });
  }
  for (auto& th : threads)
    th.join();
  wal.reset();
  EXPECT_EQ(replayAll(dir.file("wal")).size(), static_cast<std::size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace pharos::metrics
