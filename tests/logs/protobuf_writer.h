#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pharos::testing {

// A tiny protobuf writer, to build bodies from the .proto field numbers by hand.
// (Test and bench only: production code reads protobuf, never writes it.)
struct Pb {
  std::string out;
  static void varint(std::string& s, std::uint64_t v) {
    while (v >= 0x80) {
      s.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    s.push_back(static_cast<char>(v));
  }
  Pb& u(std::uint32_t field, std::uint64_t v) {
    varint(out, field << 3);
    varint(out, v);
    return *this;
  }
  Pb& f64(std::uint32_t field, std::uint64_t v) {
    varint(out, field << 3 | 1);
    for (int i = 0; i < 8; ++i)
      out.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  Pb& s(std::uint32_t field, std::string_view bytes) {
    varint(out, field << 3 | 2);
    varint(out, bytes.size());
    out.append(bytes);
    return *this;
  }
  Pb& m(std::uint32_t field, const Pb& message) { return s(field, message.out); }
};

}  // namespace pharos::testing
