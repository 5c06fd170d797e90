// Any bytes as an outbound target and a redirect Location: parsing must return a target or an
// error, never crash, and a target it accepts must be canonical (printing and parsing it again
// gives the same target) and well-formed (a host, a port, a path). The policy must decide on
// whatever address the host is, without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/outbound_policy.h"
#include "net/outbound_url.h"

namespace {

void checkTarget(const pharos::net::OutboundTarget& t) {
  if (t.host.empty() || t.port == 0 || t.target.empty() || t.target.front() != '/') std::abort();
  auto again = pharos::net::parseOutboundUrl(t.url());
  if (!again.ok()) std::abort();
  if (again->host != t.host || again->port != t.port || again->target != t.target ||
      again->tls != t.tls || again->ipv6Literal != t.ipv6Literal) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pharos::net::OutboundPolicy policy(pharos::config::Environment::kProd);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view first = input.substr(0, newline);
  auto target = pharos::net::parseOutboundTarget(first);
  if (!target.ok()) {
    if (target.error().code != pharos::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }
  checkTarget(*target);
  if (auto address = pharos::net::IpAddress::parse(target->host)) {
    for (auto purpose :
         {pharos::net::OutboundPurpose::kChecks, pharos::net::OutboundPurpose::kReceivers}) {
      auto d = policy.decide(*address, target->port, target->host, purpose);
      if (d.rule.empty()) std::abort();
    }
  }
  if (newline != std::string_view::npos) {
    auto next = pharos::net::resolveRedirect(*target, input.substr(newline + 1));
    if (next.ok()) checkTarget(*next);
  }
  return 0;
}
