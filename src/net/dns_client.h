#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "net/cidr.h"
#include "net/dns_message.h"
#include "net/outbound_policy.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pharos::net {

struct DnsQuery {
  // The DNS server as an IP address, with an optional port (53 by default): "127.0.0.1:53",
  // "10.0.0.2", "[::1]:5353", "::1". Not a name: resolving it would need DNS itself.
  std::string server;
  std::string name;  // "example.com", trailing dot optional
  std::string type;  // "A", "AAAA", "MX", ... (case-insensitive; see parseDnsType)
  // Covers everything: the UDP exchange and, after a truncated answer, the TCP retry.
  Millis timeout{5'000};
};

struct DnsResult {
  std::string rcode;               // "NOERROR", "NXDOMAIN", ... (see dnsRcodeName)
  std::vector<DnsRecord> answers;  // the answer section, in presentation format
  std::chrono::microseconds elapsed{0};
  IpAddress server;
  bool overTcp = false;  // the UDP answer was truncated and this one came over TCP
};

// Asks one DNS server one question, for DNS health checks (Gatus' `dns` endpoint): no
// resolver library, no /etc/resolv.conf, no cache, exactly the server the check names.
//
// The server's address is judged by the OutboundPolicy (purpose checks) before any packet is
// sent; a refusal is kPermissionDenied, "blocked by outbound policy: ...". The query goes
// over UDP from a port the OS picks, with a random id from the CSPRNG. An answer with another
// id is ignored and the wait goes on, as resolvers do against spoofing, but it is counted in
// the timeout error ("timed out after 2s ... (1 mismatched answer ignored)"). A truncated
// (TC) answer is asked again over TCP within the same deadline.
//
// Errors, all with the reason in words: kInvalidArgument (bad server, name, type or
// timeout), kPermissionDenied (policy), kDeadlineExceeded (timeout, retryable),
// kUnavailable (ICMP port unreachable, TCP connect refused, an answer that is malformed or
// does not match the query: "bad answer from 127.0.0.1:53: ..."). A DNS error rcode such as
// NXDOMAIN or SERVFAIL is a result, not an error: conditions judge it.
//
// Thread-safety: queryAsync may be called from any thread, concurrently; each query runs on
// its own strand of the io_context. The callback runs on a thread that runs the io_context,
// never inline. Queries in flight keep what they need alive themselves: the client may be
// destroyed before they finish, but the io_context must outlive them (or be stopped).
class DnsClient {
 public:
  // `policy` must outlive the client; it is only read during queryAsync.
  DnsClient(boost::asio::io_context& ioc, const OutboundPolicy& policy);

  void queryAsync(DnsQuery query, std::function<void(Result<DnsResult>)> callback);

 private:
  boost::asio::io_context& ioc_;
  const OutboundPolicy& policy_;
};

}  // namespace pharos::net
