#pragma once

#include <string>
#include <string_view>

#include "net/cidr.h"
#include "net/http.h"

namespace pharos::net {

// The address of the client a request comes from, for logs, audit and per-client limits.
//
// Only a trusted proxy may speak for someone else: when `peer` (the TCP peer) is in
// `trustedProxies`, the X-Forwarded-For headers of `headers` (all of them, in order) are read
// from the right, skipping addresses that are themselves trusted proxies; the first one that
// is not is the client. When every listed address is trusted, the left-most is. An entry
// that is not an address ends the walk: the proxy that appended it cannot be believed about
// anything further left, so the client is the last trusted hop seen.
//
// Otherwise (no trusted proxies, an untrusted peer, no header) the client is `peer`: a
// client cannot choose its address by sending the header itself. Addresses taken from the
// header come back normalized ("::ffff:10.0.0.1" as "10.0.0.1").
std::string resolveClientAddress(std::string_view peer, const Headers& headers,
                                 const CidrMatcher& trustedProxies);

}  // namespace pharos::net
