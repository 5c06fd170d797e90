#include "net/outbound_url.h"

#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>

#include "core/config/config.h"
#include "core/text.h"

namespace pharos::net {
namespace {

constexpr size_t kMaxUrlBytes = 8 * 1024;

Error invalid(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message));
}

// The text in messages: long or odd inputs are cut so an error never carries a payload.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u >= 0x7f ? '?' : c);
  }
  if (s.size() > 200) out += "...";
  return out;
}

bool hasBadBytes(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return true;
  }
  return false;
}

// A host name or an IPv4 literal in any spelling getaddrinfo accepts; IPv6 comes bracketed
// and is checked separately.
Status checkHostName(std::string_view host) {
  if (host.empty()) return invalid("the URL has no host");
  if (host.size() > 253) return invalid("the host name is longer than 253 characters");
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return invalid(fmt::format("invalid character '{}' in host '{}'", c, shown(host)));
  }
  return okStatus();
}

Result<uint16_t> parsePort(std::string_view text) {
  unsigned port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || text.size() > 5 || ec != std::errc() || end != text.data() + text.size() ||
      port == 0 || port > 65535) {
    return invalid(fmt::format("invalid port '{}' (1-65535)", shown(text)));
  }
  return static_cast<uint16_t>(port);
}

// Exactly an IPv6 literal: no brackets, port or zone, which IpAddress::parse would accept.
bool isV6Literal(std::string_view s) {
  char buf[64];
  if (s.empty() || s.size() >= sizeof buf) return false;
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  unsigned char out[16];
  return inet_pton(AF_INET6, buf, out) == 1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = asciiLower(c);
  return out;
}

}  // namespace

std::string OutboundTarget::hostHeader() const {
  std::string h = ipv6Literal ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string OutboundTarget::url() const {
  return scheme() + "://" + hostHeader() + target;
}

bool OutboundTarget::sameOrigin(const OutboundTarget& other) const {
  return tls == other.tls && host == other.host && port == other.port;
}

Result<OutboundTarget> parseOutboundUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return invalid("the URL is longer than 8 KiB");
  if (hasBadBytes(url)) {
    return invalid(
        fmt::format("the URL '{}' contains blanks, control or non-ASCII characters", shown(url)));
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return invalid(fmt::format("'{}' is not a URL (expected http:// or https://)", shown(url)));
  }
  OutboundTarget t;
  std::string scheme = lower(url.substr(0, sep));
  if (scheme == "https") {
    t.tls = true;
  } else if (scheme != "http") {
    return invalid(fmt::format("unsupported scheme '{}' (only http and https)", shown(scheme)));
  }
  std::string_view rest = url.substr(sep + 3);
  size_t authorityEnd = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authorityEnd);
  std::string_view tail =
      authorityEnd == std::string_view::npos ? std::string_view() : rest.substr(authorityEnd);
  if (authority.find('@') != std::string_view::npos) {
    return invalid("credentials in the URL (user@host) are not allowed; send them in a header");
  }
  if (authority.find('%') != std::string_view::npos) {
    return invalid("percent signs are not allowed in the host");
  }
  std::string_view portText;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid("unterminated IPv6 address in the URL");
    std::string_view inside = authority.substr(1, close - 1);
    if (!isV6Literal(inside)) {
      return invalid(fmt::format("'{}' is not an IPv6 address", shown(inside)));
    }
    t.host = lower(inside);
    t.ipv6Literal = true;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid("unexpected text after the IPv6 address");
      portText = after.substr(1);
      if (portText.empty()) return invalid("empty port in the URL");
    }
  } else {
    size_t colon = authority.find(':');
    std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      portText = authority.substr(colon + 1);
      if (portText.empty()) return invalid("empty port in the URL");
    }
    PHAROS_TRY(checkHostName(host));
    t.host = lower(host);
    while (!t.host.empty() && t.host.back() == '.')
      t.host.pop_back();
    if (t.host.empty()) return invalid("the URL has no host");
  }
  if (!portText.empty()) {
    PHAROS_ASSIGN_OR_RETURN(t.port, parsePort(portText));
  } else {
    t.port = t.tls ? 443 : 80;
  }
  tail = tail.substr(0, tail.find('#'));
  if (tail.empty()) {
    t.target = "/";
  } else if (tail.front() == '?') {
    t.target = "/" + std::string(tail);
  } else {
    t.target = std::string(tail);
  }
  return t;
}

Result<OutboundTarget> parseOutboundTarget(std::string_view urlOrHostPort) {
  if (urlOrHostPort.find("://") != std::string_view::npos) return parseOutboundUrl(urlOrHostPort);
  if (urlOrHostPort.size() > kMaxUrlBytes || hasBadBytes(urlOrHostPort)) {
    return invalid(fmt::format("'{}' is not HOST:PORT", shown(urlOrHostPort)));
  }
  PHAROS_ASSIGN_OR_RETURN(config::HostPort hp, config::parseHostPort(urlOrHostPort));
  if (hp.port == 0) return invalid("port 0 cannot be connected to");
  OutboundTarget t;
  t.port = hp.port;
  t.target = "/";
  if (hp.host.find(':') != std::string::npos) {
    if (!isV6Literal(hp.host)) {
      return invalid(fmt::format("'{}' is not an IPv6 address", shown(hp.host)));
    }
    t.ipv6Literal = true;
    t.host = lower(hp.host);
    return t;
  }
  PHAROS_TRY(checkHostName(hp.host));
  t.host = lower(hp.host);
  while (!t.host.empty() && t.host.back() == '.')
    t.host.pop_back();
  if (t.host.empty()) return invalid("no host");
  return t;
}

Result<OutboundTarget> resolveRedirect(const OutboundTarget& base, std::string_view location) {
  location = trimSpaces(location);
  if (location.empty()) return invalid("a redirect without a Location");
  if (location.size() > kMaxUrlBytes || hasBadBytes(location)) {
    return invalid("a redirect to a malformed Location");
  }
  if (location.substr(0, 2) == "//") {
    return parseOutboundUrl(base.scheme() + ":" + std::string(location));
  }
  if (location.front() != '/') {
    size_t colon = location.find(':');
    size_t slash = location.find_first_of("/?#");
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
      return parseOutboundUrl(location);  // has a scheme
    }
  }
  OutboundTarget t = base;
  std::string_view path = location.substr(0, location.find('#'));
  if (path.empty()) return t;
  if (path.front() == '/') {
    t.target = std::string(path);
  } else if (path.front() == '?') {
    t.target = base.target.substr(0, base.target.find('?')) + std::string(path);
  } else {
    std::string dir = base.target.substr(0, base.target.find('?'));
    dir = dir.substr(0, dir.rfind('/') + 1);
    t.target = dir + std::string(path);
  }
  return t;
}

}  // namespace pharos::net
