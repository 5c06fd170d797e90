#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pharos::net {

// An IPv4 or IPv6 address in one form: 16 bytes, IPv4 stored as IPv4-mapped IPv6
// (::ffff:a.b.c.d). So "10.0.0.1" and "::ffff:10.0.0.1" are the same address, which is what a
// dual-stack listener needs: it sees IPv4 clients as mapped IPv6 peers.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  static IpAddress fromV4(const std::array<uint8_t, 4>& v4);
  static IpAddress fromV6(const std::array<uint8_t, 16>& v6) { return IpAddress{v6}; }

  // A literal ("10.0.0.1", "::1", "::ffff:10.0.0.1"). Also takes what appears in headers and
  // peer strings: surrounding blanks, "[v6]", "[v6]:port", "v4:port" and a "%zone" suffix.
  // std::nullopt for anything else; never resolves names.
  static std::optional<IpAddress> parse(std::string_view text);

  bool isV4() const;  // an IPv4 (IPv4-mapped) address
  // "10.0.0.1" for IPv4 and mapped addresses, RFC 5952 text ("2001:db8::1") otherwise.
  std::string toString() const;

  bool operator==(const IpAddress&) const = default;
};

// A set of address ranges ("10.0.0.0/8", "::1/128", or a bare address for one host), asked
// whether an address is inside. IPv4 ranges match IPv4-mapped IPv6 addresses too. Host bits
// below the prefix are ignored ("10.1.2.3/8" is 10.0.0.0/8), as most tools do.
//
// Immutable after parse(): contains() is thread-safe.
class CidrMatcher {
 public:
  CidrMatcher() = default;  // empty: contains() is always false

  // kInvalidArgument naming the first malformed entry (its index in context: "[2]").
  static Result<CidrMatcher> parse(const std::vector<std::string>& ranges);

  bool empty() const { return ranges_.empty(); }
  bool contains(const IpAddress& address) const;
  // false for text that is not an address.
  bool contains(std::string_view address) const;

 private:
  struct Range {
    IpAddress network;  // host bits cleared
    int prefix = 0;     // 0..128, in the 16-byte form
  };
  static std::optional<Range> parseRange(std::string_view text);

  std::vector<Range> ranges_;
};

}  // namespace pharos::net
