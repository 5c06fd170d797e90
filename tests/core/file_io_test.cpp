#include "core/file_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <string>

#include "fakes/temp_dir.h"

namespace pharos {
namespace {

std::string pattern(size_t size, char seed) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i)
    s[i] = static_cast<char>(seed + static_cast<char>(i % 251));
  return s;
}

std::string contents(int fd) {
  std::string out(1 << 24, '\0');
  Result<size_t> n = readAt(fd, out.data(), out.size(), 0, "test");
  EXPECT_TRUE(n.ok());
  out.resize(n.ok() ? *n : 0);
  return out;
}

// Chunks, part boundaries and a file that does not start at offset 0 must all come out in
// order: the flushing is by range, and a wrong range would only lose durability silently,
// but a wrong write would lose data.
TEST(WriteAllFlushingBehind, WritesEveryByteInOrderAcrossChunksAndParts) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "f").string();
  auto fd = openFile(path.c_str(), O_RDWR | O_CREAT, 0600, "test");
  ASSERT_TRUE(fd.ok());
  const std::string head = "header";
  ASSERT_TRUE(writeAll(fd->get(), {head}, "test").ok());
  const std::string a = pattern(kFlushBehindBytes * 2 + 17, 'a');
  const std::string b = pattern(kFlushBehindBytes - 5, 'b');
  const std::string c = pattern(3, 'c');
  ASSERT_TRUE(writeAllFlushingBehind(fd->get(), {a, b, "", c}, "test").ok());
  ASSERT_TRUE(syncData(fd->get(), "test").ok());
  EXPECT_EQ(contents(fd->get()), head + a + b + c);
}

TEST(WriteAllFlushingBehind, SmallAndEmptyWrites) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "f").string();
  auto fd = openFile(path.c_str(), O_RDWR | O_CREAT, 0600, "test");
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(writeAllFlushingBehind(fd->get(), {}, "test").ok());
  ASSERT_TRUE(writeAllFlushingBehind(fd->get(), {"x", "yz"}, "test").ok());
  EXPECT_EQ(contents(fd->get()), "xyz");
}

TEST(WriteAllFlushingBehind, AWriteErrorIsReported) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "f").string();
  auto fd = openFile(path.c_str(), O_RDONLY | O_CREAT, 0600, "test");
  ASSERT_TRUE(fd.ok());
  Status written = writeAllFlushingBehind(fd->get(), {pattern(100, 'a')}, "the context");
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().toString().find("the context"), std::string::npos);
}

}  // namespace
}  // namespace pharos
