#include "logs/protobuf_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "decoder_test_support.h"

namespace pharos::logs {
namespace {

using testing::Pb;

TEST(ProtobufReaderTest, ReadsEveryWireType) {
  Pb pb = Pb().u(1, 300).f64(2, 0x0102030405060708ULL).s(3, "abc");
  pb.out += std::string("\x25\x01\x00\x00\x80", 5);  // field 4, fixed32
  ProtobufReader reader(pb.out);
  ProtobufField f;
  ASSERT_TRUE(reader.next(f));
  EXPECT_EQ(f.number, 1u);
  EXPECT_EQ(f.integer, 300u);
  ASSERT_TRUE(reader.next(f));
  EXPECT_EQ(f.type, WireType::kFixed64);
  EXPECT_EQ(f.integer, 0x0102030405060708ULL);
  ASSERT_TRUE(reader.next(f));
  EXPECT_EQ(f.bytes, "abc");
  ASSERT_TRUE(reader.next(f));
  EXPECT_EQ(f.type, WireType::kFixed32);
  EXPECT_EQ(f.integer, 0x80000001u);
  EXPECT_FALSE(reader.next(f));
  EXPECT_FALSE(reader.failed());
}

TEST(ProtobufReaderTest, ErrorsSayWhatAndWhere) {
  struct Case {
    std::string bytes;
    std::string message;
  } cases[] = {
      {std::string("\x08", 1), "truncated varint"},
      {std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11), "truncated varint"},
      {std::string("\x09\x01\x02", 3), "truncated fixed64"},
      {std::string("\x0d\x01", 2), "truncated fixed32"},
      {std::string("\x0a\x05"
                   "ab",
                   4),
       "claims 5 bytes, 2 left"},
      {std::string("\x0a\xff\xff\xff\xff\x0f", 6), "claims"},
      {std::string("\x0b", 1), "unsupported wire type 3"},
      {std::string("\x00", 1), "invalid field number 0"},
      {std::string("\x80", 1), "truncated field tag"},
  };
  for (const auto& c : cases) {
    ProtobufReader reader(c.bytes);
    ProtobufField f;
    while (reader.next(f)) {
    }
    ASSERT_TRUE(reader.failed()) << c.message;
    EXPECT_NE(reader.error().find(c.message), std::string::npos) << reader.error();
    EXPECT_NE(reader.error().find("at byte"), std::string::npos);
  }
}

TEST(ProtobufReaderTest, DepthIsBoundedAndFailuresPropagate) {
  ProtobufReader reader("");
  ProtobufReader child = reader;
  for (int i = 0; i < ProtobufReader::kMaxDepth; ++i)
    child = child.nested("");
  EXPECT_FALSE(child.failed());
  ProtobufReader tooDeep = child.nested("x");
  EXPECT_TRUE(child.failed());
  EXPECT_FALSE(tooDeep.failed());
  ProtobufField f;
  EXPECT_FALSE(tooDeep.next(f) && false);

  ProtobufReader parent(std::string_view("\x0a\x01\x0b", 3));
  ASSERT_TRUE(parent.next(f));
  ProtobufReader inner = parent.nested(f.bytes);
  EXPECT_FALSE(inner.next(f));
  EXPECT_FALSE(parent.adopt(inner));
  EXPECT_NE(parent.error().find("wire type 3"), std::string::npos);
  EXPECT_FALSE(parent.next(f));
}

TEST(ProtobufReaderTest, ExpectChecksTheWireType) {
  Pb pb = Pb().u(1, 1);
  ProtobufReader reader(pb.out);
  ProtobufField f;
  ASSERT_TRUE(reader.next(f));
  EXPECT_TRUE(reader.expect(f, WireType::kVarint));
  EXPECT_FALSE(reader.expect(f, WireType::kLengthDelimited));
  EXPECT_TRUE(reader.failed());
}

}  // namespace
}  // namespace pharos::logs
