#include "logs/ingest_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "fakes/temp_dir.h"

namespace pharos::logs {
namespace {

using testing::TempDir;

std::vector<std::string> readAll(const IngestLog& log, std::uint64_t from, std::size_t maxBytes) {
  std::vector<std::string> out;
  while (true) {
    auto chunk = log.read(from, maxBytes);
    EXPECT_TRUE(chunk.ok()) << chunk.error().toString();
    if (!chunk.ok() || chunk->batches.empty()) break;
    for (auto b : chunk->batches)
      out.emplace_back(b);
    from = chunk->end;
  }
  return out;
}

TEST(IngestLogTest, AppendedBatchesAreReadBackInOrder) {
  TempDir dir;
  auto log = IngestLog::open(dir.file("wal"));
  ASSERT_TRUE(log.ok());
  auto p1 = (*log)->append("first");
  auto p2 = (*log)->append("second");
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_LT(*p1, *p2);
  EXPECT_EQ((*log)->durableEnd(), *p2);
  EXPECT_EQ(readAll(**log, 0, 1 << 20), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(readAll(**log, *p1, 1 << 20), (std::vector<std::string>{"second"}));
  // A budget smaller than one batch still returns that batch.
  EXPECT_EQ(readAll(**log, 0, 3), (std::vector<std::string>{"first", "second"}));
  EXPECT_FALSE((*log)->read(3, 100).ok());  // not a boundary
}

TEST(IngestLogTest, SealsSegmentsAndReadsAcrossThem) {
  TempDir dir;
  auto log = IngestLog::open(dir.file("wal"), {.segmentBytes = 64});
  ASSERT_TRUE(log.ok());
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    expected.push_back("batch number " + std::to_string(i));
    ASSERT_TRUE((*log)->append(expected.back()).ok());
  }
  auto sealed = (*log)->sealedSegments();
  EXPECT_GE(sealed.size(), 4u);
  EXPECT_EQ(readAll(**log, 0, 1 << 20), expected);

  ASSERT_TRUE((*log)->removeSegment(sealed[0].begin).ok());
  EXPECT_EQ((*log)->begin(), sealed[1].begin);
  EXPECT_EQ((*log)->read(0, 100).error().code, ErrorCode::kNotFound);

  // Reopened, the same positions hold the same batches.
  log->reset();
  auto again = IngestLog::open(dir.file("wal"), {.segmentBytes = 64});
  ASSERT_TRUE(again.ok());
  auto tail = readAll(**again, sealed[1].begin, 1 << 20);
  ASSERT_FALSE(tail.empty());
  EXPECT_TRUE(std::equal(tail.rbegin(), tail.rend(), expected.rbegin()));
  EXPECT_TRUE(again->get()->append("one more").ok());
  EXPECT_EQ(readAll(**again, sealed[1].begin, 1 << 20).back(), "one more");
}

TEST(IngestLogTest, CutsATornTailAtOpenAndAppendsAfterTheIntactPart) {
  TempDir dir;
  std::string path = dir.file("wal");
  std::uint64_t end = 0;
  {
    auto log = IngestLog::open(path);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->append("kept").ok());
    end = *(*log)->append("also kept");
  }
  // A crash mid-write: half a record at the end of the segment.
  std::string segment = path + "/00000000000000000000.seg";
  int fd = ::open(segment.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "\x20\x00\x00\x00\x01\x02", 6), 6);
  ::close(fd);

  auto log = IngestLog::open(path);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->truncatedBytesAtOpen(), 6u);
  EXPECT_EQ((*log)->durableEnd(), end);
  ASSERT_TRUE((*log)->append("after the crash").ok());
  EXPECT_EQ(readAll(**log, 0, 1 << 20),
            (std::vector<std::string>{"kept", "also kept", "after the crash"}));
}

TEST(IngestLogTest, ConcurrentAppendsAreAllDurableAndDistinct) {
  TempDir dir;
  auto log = IngestLog::open(dir.file("wal"), {.segmentBytes = 4096});
  ASSERT_TRUE(log.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto p = (*log)->append("t" + std::to_string(t) + "-" + std::to_string(i));
        ASSERT_TRUE(p.ok());
        ASSERT_LE(*p, (*log)->durableEnd());
      }
    });
  }
  for (auto& th : threads)
    th.join();
  auto all = readAll(**log, 0, 1 << 16);
  EXPECT_EQ(all.size(), 800u);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
}

}  // namespace
}  // namespace pharos::logs
