#include "net/cidr.h"

#include "core/text.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace pharos::net {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool inRange(const IpAddress& address, const IpAddress& network, int prefix) {
  int full = prefix / 8;
  if (std::memcmp(address.bytes.data(), network.bytes.data(), static_cast<size_t>(full)) != 0) {
    return false;
  }
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address.bytes[static_cast<size_t>(full)] & mask) ==
         network.bytes[static_cast<size_t>(full)];
}

// A bare literal: no brackets, port or zone.
std::optional<IpAddress> parseLiteral(std::string_view text) {
  // inet_pton needs a terminated string; anything longer than a v6 literal is not one.
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (text.find(':') == std::string_view::npos) {
    std::array<uint8_t, 4> v4;
    if (inet_pton(AF_INET, buf, v4.data()) != 1) return std::nullopt;
    return IpAddress::fromV4(v4);
  }
  IpAddress a;
  if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return std::nullopt;
  return a;
}

}  // namespace

IpAddress IpAddress::fromV4(const std::array<uint8_t, 4>& v4) {
  IpAddress a;
  std::memcpy(a.bytes.data(), kMappedPrefix.data(), kMappedPrefix.size());
  std::memcpy(a.bytes.data() + 12, v4.data(), 4);
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  text = trimSpaces(text);
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view after = text.substr(close + 1);
    if (!after.empty() && after.front() != ':') return std::nullopt;  // "[::1]x"
    text = text.substr(1, close - 1);
  } else if (text.find(':') == text.rfind(':') && text.find('.') != std::string_view::npos) {
    text = text.substr(0, text.find(':'));  // "10.0.0.1:8080"; "::1" has several colons
  }
  size_t zone = text.find('%');
  if (zone != std::string_view::npos) text = text.substr(0, zone);
  return parseLiteral(text);
}

bool IpAddress::isV4() const {
  return std::memcmp(bytes.data(), kMappedPrefix.data(), kMappedPrefix.size()) == 0;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN];
  const char* out = isV4() ? inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf)
                           : inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return out == nullptr ? std::string() : std::string(out);
}

std::optional<CidrMatcher::Range> CidrMatcher::parseRange(std::string_view text) {
  text = trimSpaces(text);
  size_t slash = text.find('/');
  // Strict: ports, brackets and zones make sense in a header, not in a range.
  std::optional<IpAddress> address = parseLiteral(text.substr(0, slash));
  if (!address) return std::nullopt;
  bool v4Literal = text.substr(0, slash).find(':') == std::string_view::npos;
  int maxPrefix = v4Literal ? 32 : 128;
  int prefix = maxPrefix;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    if (prefix < 0 || prefix > maxPrefix) return std::nullopt;
  }
  if (v4Literal) prefix += 96;  // in the mapped form
  Range range{*address, prefix};
  for (int bit = prefix; bit < 128; ++bit) {
    range.network.bytes[static_cast<size_t>(bit / 8)] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  return range;
}

Result<CidrMatcher> CidrMatcher::parse(const std::vector<std::string>& ranges) {
  CidrMatcher matcher;
  matcher.ranges_.reserve(ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    std::optional<Range> range = parseRange(ranges[i]);
    if (!range) {
      return makeError(ErrorCode::kInvalidArgument,
                       "'" + ranges[i] + "' is not an IP address or CIDR range",
                       "[" + std::to_string(i) + "]");
    }
    matcher.ranges_.push_back(*range);
  }
  return matcher;
}

bool CidrMatcher::contains(const IpAddress& address) const {
  for (const Range& range : ranges_) {
    if (inRange(address, range.network, range.prefix)) return true;
  }
  return false;
}

bool CidrMatcher::contains(std::string_view address) const {
  if (ranges_.empty()) return false;
  std::optional<IpAddress> parsed = IpAddress::parse(address);
  return parsed && contains(*parsed);
}

}  // namespace pharos::net
