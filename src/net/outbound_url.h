#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pharos::net {

// Where an outbound request goes, parsed strictly: what the policy judges and what the
// client connects to must be the same thing, so anything a parser could read two ways is
// refused rather than guessed at.
struct OutboundTarget {
  bool tls = false;    // https
  std::string host;    // lower case; an IPv6 literal without brackets
  uint16_t port = 0;   // never 0
  std::string target;  // "/path?query", never empty; the fragment is dropped
  bool ipv6Literal = false;

  std::string scheme() const { return tls ? "https" : "http"; }
  // The Host header: "example.com", "example.com:8080", "[::1]:8080".
  std::string hostHeader() const;
  // "https://example.com:8443/x?y", for messages and the final URL of a response.
  std::string url() const;
  bool sameOrigin(const OutboundTarget& other) const;
};

// An http:// or https:// URL. kInvalidArgument for other schemes, user:password@ (secrets
// belong in headers, and "http://allowed@denied/" is a classic filter bypass), an empty or
// malformed host, a port outside 1-65535, blanks, control or non-ASCII bytes, percent signs
// in the host, or more than 8 KiB.
Result<OutboundTarget> parseOutboundUrl(std::string_view url);

// A URL, or "host:port" / "[v6]:port" for TCP and TLS checks (tls = false, target "/").
Result<OutboundTarget> parseOutboundTarget(std::string_view urlOrHostPort);

// The target of a redirect: `location` is absolute ("https://x/y"), scheme-relative
// ("//x/y"), absolute-path ("/y") or relative ("y", against the directory of `base`).
Result<OutboundTarget> resolveRedirect(const OutboundTarget& base, std::string_view location);

}  // namespace pharos::net
