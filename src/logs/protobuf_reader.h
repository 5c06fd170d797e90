#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pharos::logs {

// A strict reader of the protobuf wire format, for the two protobuf bodies we accept (OTLP
// logs, Loki push) without libprotobuf. Zero-copy: length-delimited fields are views into
// the input. Every length is checked against the bytes left; groups (wire types 3 and 4,
// deprecated and never used by those schemas) are refused; nested messages are opened
// through nested(), which refuses more than kMaxDepth levels, so a crafted body cannot
// recurse without bound.
enum class WireType : std::uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kFixed32 = 5,
};

struct ProtobufField {
  std::uint32_t number = 0;
  WireType type = WireType::kVarint;
  std::uint64_t integer = 0;  // kVarint, kFixed64, kFixed32
  std::string_view bytes;     // kLengthDelimited
};

class ProtobufReader {
 public:
  static constexpr int kMaxDepth = 32;

  explicit ProtobufReader(std::string_view message, int depth = 0)
      : rest_(message), depth_(depth) {}

  // Reads the next field into `field`; false at the end of the message or on an error (then
  // failed() is true and error() says what and at which byte offset).
  bool next(ProtobufField& field);
  // A reader over a length-delimited field's bytes as a sub-message, one level deeper. When
  // that is too deep this reader fails and the returned one is empty.
  ProtobufReader nested(std::string_view message);
  // Marks the reader failed when `field` does not have the wire type the schema says,
  // returning false: `if (!reader.expect(f, WireType::kVarint)) return ...`.
  bool expect(const ProtobufField& field, WireType type);

  // When `child` (from nested()) failed, this reader fails with its reason and returns
  // false; true when the child is fine.
  bool adopt(const ProtobufReader& child);

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  void fail(std::string message);

  std::string_view rest_;
  std::size_t consumed_ = 0;
  int depth_ = 0;
  std::string error_;
};

}  // namespace pharos::logs
