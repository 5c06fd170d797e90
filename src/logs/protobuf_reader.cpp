#include "logs/protobuf_reader.h"

#include <cstring>

#include "core/varint.h"

namespace pharos::logs {

void ProtobufReader::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message) + " at byte " + std::to_string(consumed_);
  rest_ = {};
}

bool ProtobufReader::next(ProtobufField& field) {
  if (rest_.empty() || failed()) return false;
  std::string_view in = rest_;
  std::uint64_t tag = 0;
  if (!getVarint(in, tag)) {
    fail("protobuf: truncated field tag");
    return false;
  }
  const std::uint64_t number = tag >> 3;
  if (number == 0 || number > 0x1FFFFFFF) {
    fail("protobuf: invalid field number " + std::to_string(number));
    return false;
  }
  field.number = static_cast<std::uint32_t>(number);
  field.integer = 0;
  field.bytes = {};
  switch (tag & 7) {
    case 0:
      field.type = WireType::kVarint;
      if (!getVarint(in, field.integer)) {
        fail("protobuf: truncated varint in field " + std::to_string(number));
        return false;
      }
      break;
    case 1:
    case 5: {
      const std::size_t width = (tag & 7) == 1 ? 8 : 4;
      field.type = width == 8 ? WireType::kFixed64 : WireType::kFixed32;
      if (in.size() < width) {
        fail("protobuf: truncated fixed" + std::to_string(width * 8) + " in field " +
             std::to_string(number));
        return false;
      }
      // Little-endian on the wire, whatever the host.
      for (std::size_t i = 0; i < width; ++i) {
        field.integer |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
      }
      in.remove_prefix(width);
      break;
    }
    case 2: {
      field.type = WireType::kLengthDelimited;
      std::uint64_t length = 0;
      if (!getVarint(in, length)) {
        fail("protobuf: truncated length in field " + std::to_string(number));
        return false;
      }
      if (length > in.size()) {
        fail("protobuf: field " + std::to_string(number) + " claims " + std::to_string(length) +
             " bytes, " + std::to_string(in.size()) + " left");
        return false;
      }
      field.bytes = in.substr(0, length);
      in.remove_prefix(length);
      break;
    }
    default:
      fail("protobuf: unsupported wire type " + std::to_string(tag & 7) + " in field " +
           std::to_string(number));
      return false;
  }
  consumed_ += rest_.size() - in.size();
  rest_ = in;
  return true;
}

ProtobufReader ProtobufReader::nested(std::string_view message) {
  if (depth_ + 1 > kMaxDepth) {
    fail("protobuf: messages nested deeper than " + std::to_string(kMaxDepth));
    return ProtobufReader({}, depth_ + 1);
  }
  return ProtobufReader(message, depth_ + 1);
}

bool ProtobufReader::adopt(const ProtobufReader& child) {
  if (!child.failed()) return true;
  if (error_.empty()) error_ = child.error_;
  rest_ = {};
  return false;
}

bool ProtobufReader::expect(const ProtobufField& field, WireType type) {
  if (field.type == type) return true;
  fail("protobuf: field " + std::to_string(field.number) + " has wire type " +
       std::to_string(static_cast<int>(field.type)) + ", expected " +
       std::to_string(static_cast<int>(type)));
  return false;
}

}  // namespace pharos::logs
