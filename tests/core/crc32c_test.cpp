#include "core/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace pharos {
namespace {

TEST(Crc32cTest, MatchesTheStandardCheckValue) {
  // The CRC-32C check value from the iSCSI specification (RFC 3720) catalogue.
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32cPortable("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
}

TEST(Crc32cTest, HardwareAndPortableAgreeAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::string data(300, '\0');
  for (char& c : data)
    c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 9; ++offset) {
    for (size_t len = 0; offset + len <= data.size(); len += 7) {
      std::string_view piece(data.data() + offset, len);
      ASSERT_EQ(crc32c(piece), crc32cPortable(piece)) << offset << "+" << len;
    }
  }
}

TEST(Crc32cTest, HardwareAndPortableAgreeOnLongInputs) {
  // The hardware version runs three chains over stretches of 8,192 and then 256 bytes: every
  // length around those stretches' multiples, at three alignments.
  std::mt19937 rng(11);
  std::string data(120'000, '\0');
  for (char& c : data)
    c = static_cast<char>(rng());
  for (size_t stretch : {size_t{256}, size_t{8192}}) {
    for (size_t rounds = 1; rounds <= 4; ++rounds) {
      for (size_t delta = 0; delta < 17; ++delta) {
        for (size_t offset = 0; offset < 3; ++offset) {
          size_t len = 3 * stretch * rounds + delta - 8;
          std::string_view piece(data.data() + offset, len);
          ASSERT_EQ(crc32c(piece), crc32cPortable(piece)) << offset << "+" << len;
        }
      }
    }
  }
  std::string_view all(data);
  EXPECT_EQ(crc32c(all), crc32cPortable(all));
  EXPECT_EQ(crc32c(all.substr(50'000), crc32c(all.substr(0, 50'000))), crc32c(all));
}

TEST(Crc32cTest, ContinuesARunningChecksum) {
  std::string a = "object header ";
  std::string b = "and its stored bytes, in two calls";
  EXPECT_EQ(crc32c(b, crc32c(a)), crc32c(a + b));
  EXPECT_EQ(crc32cPortable(b, crc32cPortable(a)), crc32c(a + b));
}

TEST(Crc32cTest, DetectsEverySingleBitFlip) {
  std::string data(64, 'x');
  uint32_t good = crc32c(data);
  for (size_t bit = 0; bit < data.size() * 8; ++bit) {
    std::string flipped = data;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    ASSERT_NE(crc32c(flipped), good) << bit;
  }
}

}  // namespace
}  // namespace pharos
