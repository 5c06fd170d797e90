#include "sqlite/wal_checkpointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "fakes/temp_dir.h"

namespace pharos::sqlite {
namespace {

constexpr std::int64_t kPage = 4096;
constexpr std::int64_t kFrame = kPage + 24;  // a page in the WAL, after its frame header

// Commits `commits` transactions of `rows` 1-KiB rows each; returns the largest the WAL file
// was after a commit.
std::uintmax_t writeRows(Connection& conn, const std::string& wal, int commits, int rows) {
  std::uintmax_t largest = 0;
  const std::string blob(1024, 'x');
  for (int c = 0; c < commits; ++c) {
    EXPECT_TRUE(conn.begin().ok());
    for (int r = 0; r < rows; ++r) {
      auto insert = conn.prepare("INSERT INTO t (data) VALUES (?1)");
      EXPECT_TRUE(insert.ok());
      insert->bindBlob(1, blob);
      EXPECT_TRUE(insert->run().ok());
    }
    EXPECT_TRUE(conn.commit().ok());
    std::error_code ec;
    largest = std::max(largest, std::filesystem::file_size(wal, ec));
  }
  return largest;
}

std::int64_t countRows(const std::string& path) {
  OpenOptions open;
  open.readOnly = true;
  auto reader = Connection::open(path, open);
  EXPECT_TRUE(reader.ok());
  auto count = (*reader)->prepare("SELECT count(*) FROM t");
  EXPECT_TRUE(count.ok() && *count->step());
  return count->int64(0);
}

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = Connection::open(path_, open_);
    ASSERT_TRUE(conn.ok()) << conn.error().toString();
    writer_ = std::move(*conn);
    ASSERT_TRUE(writer_->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB)").ok());
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.file("a.db");
  const std::string wal_ = path_ + "-wal";
  OpenOptions open_;
  ConnectionPtr writer_;
};

TEST_F(WalCheckpointerTest, CopiesTheWalOnItsOwnThreadAndStartsItOverAtTheBound) {
  auto checkpointer =
      WalCheckpointer::attach(*writer_, open_, {.backgroundPages = 40, .inlinePages = 1000});
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.error().toString();
  // Rounds of 20 commits of 5-7 pages each (B-tree pages included), each followed by a wait
  // for the thread.
  auto round = [&](std::uint64_t checkpointsBefore) {
    std::uintmax_t largest = writeRows(*writer_, wal_, 20, 12);
    for (int i = 0; i < 400 && (*checkpointer)->backgroundCheckpoints() == checkpointsBefore; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return largest;
  };
  for (std::uint64_t r = 0; r < 2; ++r)
    round((*checkpointer)->backgroundCheckpoints());
  // ~250 pages, below the bound: every page the database holds, the thread copied there.
  EXPECT_GE((*checkpointer)->backgroundCheckpoints(), 2u);
  EXPECT_EQ((*checkpointer)->inlineCheckpoints(), 0u);
  EXPECT_GE(std::filesystem::file_size(path_), std::uintmax_t(40 * kPage));
  std::uintmax_t largest = 0;
  for (std::uint64_t r = 0; r < 10; ++r)
    largest = std::max(largest, round((*checkpointer)->backgroundCheckpoints()));
  // ~1,500 pages in all: past the bound a commit copied the rest, and the WAL started over
  // (a commit or two later if the thread held the checkpoint lock just then).
  EXPECT_GE((*checkpointer)->inlineCheckpoints(), 1u);
  EXPECT_LT(largest, std::uintmax_t(1100 * kFrame));
  EXPECT_EQ(countRows(path_), 12 * 20 * 12);
}

TEST_F(WalCheckpointerTest, AWriterThatNeverPausesCheckpointsInlineAtTheBound) {
  // The background never runs (its mark is out of reach): only the bound keeps the WAL small.
  auto checkpointer =
      WalCheckpointer::attach(*writer_, open_, {.backgroundPages = 1 << 30, .inlinePages = 100});
  ASSERT_TRUE(checkpointer.ok());
  std::uintmax_t largest = writeRows(*writer_, wal_, 200, 12);
  EXPECT_EQ((*checkpointer)->backgroundCheckpoints(), 0u);
  EXPECT_GE((*checkpointer)->inlineCheckpoints(), 5u);
  // 2,400 KiB rows written in all; the WAL stayed near the bound of 100 pages.
  EXPECT_LT(largest, std::uintmax_t(130 * kFrame));
  EXPECT_EQ(countRows(path_), 200 * 12);
}

TEST_F(WalCheckpointerTest, DetachingGivesTheWriterSqlitesOwnCheckpointsBack) {
  {
    auto checkpointer = WalCheckpointer::attach(*writer_, open_, {.backgroundPages = 1 << 30});
    ASSERT_TRUE(checkpointer.ok());
  }
  // Without a hook the WAL would grow to all ~3,000 pages written; SQLite's own checkpoint
  // at 1,000 pages starts it over.
  std::uintmax_t largest = writeRows(*writer_, wal_, 250, 12);
  EXPECT_LT(largest, std::uintmax_t(1100 * kFrame));
  EXPECT_EQ(countRows(path_), 250 * 12);
}

}  // namespace
}  // namespace pharos::sqlite
