#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.h"
#include "core/result.h"
#include "net/cidr.h"

namespace pharos::net {

// Why Pharos connects out. Each purpose has its own allow and deny lists, and the defaults
// differ: checks and scrapes exist to reach internal services, receivers do not.
enum class OutboundPurpose { kChecks, kScrapes, kReceivers };

std::string_view outboundPurposeName(OutboundPurpose purpose);  // "checks", "scrapes", ...

// The verdict on one address, with the rule that decided in words, for the 400 at create
// time and the down reason at connect time:
//   "deny 169.254.0.0/16 (link-local and cloud metadata, default)"
//   "allow 10.0.0.0/8 (outbound.checks.allow)"
struct OutboundDecision {
  bool allowed = false;
  std::string rule;
};

// The words of a refusal, the same from every client that connects out (OutboundClient,
// DnsClient), for the kPermissionDenied it returns:
//   "blocked by outbound policy: 10.0.0.1 (from 'db.internal') for checks: deny ..."
// `host` is the name the address came from; empty or the address itself for an IP literal.
std::string outboundRefusalMessage(const IpAddress& address, std::string_view host,
                                   OutboundPurpose purpose, const OutboundDecision& decision);

// Decides which addresses outbound connections may reach (server-side request forgery
// protection). Monitoring tools are a classic SSRF path: whoever may create a check or a
// receiver could otherwise make the server call a metadata service or a loopback admin port
// and read the answer back. The decision is on the resolved address; OutboundClient makes
// it again at connect time, on exactly the address it then connects to.
//
// Decision order, first match wins:
//   1. an explicit deny (outbound.<purpose>.deny: CIDR or host pattern);
//   2. an explicit allow (outbound.<purpose>.allow). A CIDR allow beats every default; a host
//      pattern beats the defaults except link-local/metadata, which only a CIDR allow opens
//      (a name is only as trustworthy as whoever controls its DNS);
//   3. the defaults: link-local and cloud metadata are denied for every purpose in every
//      environment; for receivers in staging and prod also loopback, unspecified (0.0.0.0
//      and :: reach loopback on Linux), private and shared ranges, and Pharos' own
//      listeners;
//   4. otherwise allowed.
// An address that embeds an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible
// ::a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4 2002:aabb:ccdd::) is judged as that IPv4 address
// too: a deny matching either form denies, a CIDR allow matching either form allows.
//
// Immutable after construction except addOwnListener(), which is for start-up; decide() is
// thread-safe once start-up is over.
class OutboundPolicy {
 public:
  // Defaults only: no allow or deny entries.
  explicit OutboundPolicy(config::Environment env);

  // kInvalidArgument naming the first malformed entry ("outbound.checks.allow[1]: ...").
  static Result<OutboundPolicy> create(const config::OutboundConfig& rules,
                                       config::Environment env);

  // Pharos' own listener, denied for receivers in staging and prod. "0.0.0.0:8470" or
  // "[::]:8470" stands for the port on every local address. kInvalidArgument when the
  // text is not "host:port" with an IP literal or "localhost".
  Status addOwnListener(std::string_view hostPort);
  void addOwnListener(const IpAddress& address, uint16_t port);

  // The verdict for connecting to `address`:`port` for `purpose`; `host` is the name the
  // address came from (empty for an IP literal), matched against host patterns.
  OutboundDecision decide(const IpAddress& address, uint16_t port, std::string_view host,
                          OutboundPurpose purpose) const;

  config::Environment environment() const { return env_; }

 private:
  struct Entry {
    std::string text;  // as configured, for the rule text
    std::optional<CidrMatcher> cidr;
    std::string pattern;  // lower case; "*.x" or "x"; empty for a CIDR entry
  };
  struct Rules {
    std::vector<Entry> allow;
    std::vector<Entry> deny;
  };
  struct Listener {
    IpAddress address;
    uint16_t port = 0;
    bool anyAddress = false;  // bound to 0.0.0.0 or ::
  };

  const Rules& rulesFor(OutboundPurpose purpose) const;
  bool isOwnListener(const IpAddress& address, uint16_t port) const;
  static Result<Rules> parseRules(const config::OutboundRulesConfig& config,
                                  std::string_view purpose);

  config::Environment env_;
  Rules checks_;
  Rules scrapes_;
  Rules receivers_;
  std::vector<Listener> listeners_;
  std::vector<IpAddress> localAddresses_;  // of this host's interfaces, for 0.0.0.0 listeners
};

}  // namespace pharos::net
