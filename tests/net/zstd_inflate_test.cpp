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

TEST(ZstdInflateTest, BodiesThatFillTheOutputBufferExactlyAreWhole) {
  for (std::size_t size : {std::size_t{64} << 10, std::size_t{128} << 10, std::size_t{1} << 20}) {
    std::string text(size, 'x');
    for (std::size_t i = 0; i < text.size(); i += 5)
      text[i] = static_cast<char>('a' + i % 23);
    auto one = zstdInflate(compress(text), 4 << 20);
    ASSERT_TRUE(one.ok()) << size << ": " << one.error().toString();
    EXPECT_EQ(*one, text);
    auto two = zstdInflate(compress(text) + compress(text), 4 << 20);
    ASSERT_TRUE(two.ok()) << size << ": " << two.error().toString();
    EXPECT_EQ(*two, text + text);
  }
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
