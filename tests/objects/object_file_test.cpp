#include "objects/local/object_file.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <string>

#include "core/crc32c.h"

namespace pharos::objects::local {
namespace {

ObjectHeader sampleHeader() {
  ObjectHeader h;
  h.flags = kFlagCompressed;
  h.originalSize = 1'000'000;
  h.storedSize = 4321;
  h.createdMs = 1'700'000'123'456;
  h.checksum = 0xdeadbeef;
  return h;
}

std::string encoded(const ObjectHeader& h) {
  auto bytes = encodeHeader(h);
  return std::string(bytes.data(), bytes.size());
}

// Rewrites the header checksum so a test can craft a header that is intact but unusual.
void resealHeader(std::string& bytes) {
  uint32_t crc = crc32c(std::string_view(bytes.data(), 36));
  for (int i = 0; i < 4; ++i)
    bytes[36 + static_cast<size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

TEST(ObjectFileTest, HeaderRoundTrips) {
  std::string bytes = encoded(sampleHeader());
  ASSERT_EQ(bytes.size(), kHeaderSize);
  EXPECT_EQ(bytes.substr(0, 4), "PHOB");
  auto decoded = decodeHeader(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  EXPECT_EQ(decoded->flags, kFlagCompressed);
  EXPECT_EQ(decoded->originalSize, 1'000'000u);
  EXPECT_EQ(decoded->storedSize, 4321u);
  EXPECT_EQ(decoded->createdMs, 1'700'000'123'456);
  EXPECT_EQ(decoded->checksum, 0xdeadbeefu);
  EXPECT_TRUE(decoded->compressed());
}

TEST(ObjectFileTest, IsLittleEndianOnDisk) {
  ObjectHeader h;
  h.originalSize = h.storedSize = 0x0102;
  std::string bytes = encoded(h);
  EXPECT_EQ(bytes[8], 0x02);
  EXPECT_EQ(bytes[9], 0x01);
}

TEST(ObjectFileTest, AnyFlippedByteIsDataLoss) {
  const std::string good = encoded(sampleHeader());
  for (size_t i = 0; i < kHeaderSize; ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    auto decoded = decodeHeader(bad);
    ASSERT_FALSE(decoded.ok()) << "byte " << i;
    EXPECT_EQ(decoded.error().code, ErrorCode::kDataLoss) << "byte " << i;
  }
}

TEST(ObjectFileTest, ShortInputIsDataLoss) {
  const std::string good = encoded(sampleHeader());
  for (size_t len : {0u, 4u, 39u}) {
    auto decoded = decodeHeader(std::string_view(good).substr(0, len));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error().code, ErrorCode::kDataLoss);
    EXPECT_NE(decoded.error().message.find("truncated"), std::string::npos);
  }
}

TEST(ObjectFileTest, NewerVersionOrFlagsAreAPreconditionNotCorruption) {
  std::string newer = encoded(sampleHeader());
  newer[4] = 2;
  resealHeader(newer);
  auto v = decodeHeader(newer);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(v.error().message.find("version 2"), std::string::npos);

  std::string flags = encoded(sampleHeader());
  flags[6] = 0x03;
  resealHeader(flags);
  auto f = decodeHeader(flags);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::kFailedPrecondition);
}

TEST(ObjectFileTest, UncompressedSizesMustAgree) {
  ObjectHeader h;
  h.originalSize = 10;
  h.storedSize = 11;
  auto decoded = decodeHeader(encoded(h));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kDataLoss);
}

// A whole object file as a local store writes it: header, then the stored bytes.
std::string objectFile(std::string_view original, bool compress) {
  std::string stored(original);
  if (compress) {
    stored.resize(ZSTD_compressBound(original.size()));
    stored.resize(ZSTD_compress(stored.data(), stored.size(), original.data(), original.size(), 3));
  }
  ObjectHeader h;
  h.flags = compress ? kFlagCompressed : 0;
  h.originalSize = original.size();
  h.storedSize = stored.size();
  h.checksum = crc32c(stored);
  return encoded(h) + stored;
}

TEST(ObjectFileTest, AWholeFileDecodesToItsObjectCompressedOrNot) {
  const std::string original(5000, 'x');
  for (bool compress : {false, true}) {
    std::string file = objectFile(original, compress);
    EXPECT_TRUE(hasObjectFileMagic(file));
    EXPECT_EQ(file.size() < original.size(), compress);
    auto decoded = decodeObjectFile(file);
    ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
    EXPECT_EQ(*decoded, original);
  }
  EXPECT_FALSE(hasObjectFileMagic("PHO"));
  EXPECT_FALSE(hasObjectFileMagic(original));
}

TEST(ObjectFileTest, AWholeFileThatWasCutOrChangedIsDataLoss) {
  for (bool compress : {false, true}) {
    std::string file = objectFile(std::string(5000, 'x'), compress);
    std::string flipped = file;
    flipped.back() ^= 0x01;
    for (const std::string& bad : {file.substr(0, file.size() - 1), file + "!", flipped}) {
      auto decoded = decodeObjectFile(bad);
      ASSERT_FALSE(decoded.ok());
      EXPECT_EQ(decoded.error().code, ErrorCode::kDataLoss) << decoded.error().toString();
    }
  }
}

}  // namespace
}  // namespace pharos::objects::local
