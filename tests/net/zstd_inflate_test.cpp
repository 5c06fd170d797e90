#include "net/zstd_inflate.h"

#include <gtest/gtest.h>
#include <zstd.h>

namespace pharos::net {
namespace {

std::string compress(std::string_view data, int level = 3) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level));
  return out;
}

TEST(ZstdInflateTest, RoundTripsOneAndSeveralFrames) {
  std::string text(200'000, 'x');
  for (std::size_t i = 0; i < text.size(); i += 7)
    text[i] = static_cast<char>('a' + i % 26);
  auto one = zstdInflate(compress(text), 1 << 20);
  ASSERT_TRUE(one.ok()) << one.error().toString();
  EXPECT_EQ(*one, text);
  auto two = zstdInflate(compress("hello ") + compress("world"), 1 << 20);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, "hello world");
}

TEST(ZstdInflateTest, StopsABombAtTheLimit) {
  std::string zeros(50 << 20, '\0');
  std::string bomb = compress(zeros, 19);
  EXPECT_LT(bomb.size(), 10'000u);
  auto r = zstdInflate(bomb, 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
}

TEST(ZstdInflateTest, RefusesGarbageAndTruncation) {
  EXPECT_EQ(zstdInflate("not zstd at all", 1 << 20).error().code, ErrorCode::kInvalidArgument);
  std::string text(10'000, 'q');
  text += "tail";
  std::string frame = compress(text);
  frame.resize(frame.size() - 4);
  EXPECT_EQ(zstdInflate(frame, 1 << 20).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace pharos::net
