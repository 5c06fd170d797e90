#include "net/outbound_policy.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "core/config/validate.h"
#include "core/text.h"

namespace pharos::net {
namespace {

// A built-in deny: the range as written in the rule text and why it is there.
struct DefaultDeny {
  const char* range;
  const char* why;
};

// Denied for every purpose in every environment unless a CIDR allow opens them. The
// metadata entries come first so that fd00:ec2::254 is named as metadata, not as private.
constexpr std::array<DefaultDeny, 4> kAlwaysDenied = {{
    {"169.254.0.0/16", "link-local and cloud metadata"},
    {"fd00:ec2::254", "cloud metadata"},
    {"100.100.100.200", "cloud metadata"},
    {"fe80::/10", "link-local"},
}};

// Denied for receivers in staging and prod unless allowed.
constexpr std::array<DefaultDeny, 10> kReceiverDenied = {{
    {"127.0.0.0/8", "loopback"},
    {"::1/128", "loopback"},
    {"0.0.0.0/8", "unspecified, reaches loopback"},
    {"::/128", "unspecified, reaches loopback"},
    {"10.0.0.0/8", "private"},
    {"172.16.0.0/12", "private"},
    {"192.168.0.0/16", "private"},
    {"fc00::/7", "private"},
    {"100.64.0.0/10", "shared address space"},
    {"fec0::/10", "site-local"},
}};

struct ParsedDefault {
  CidrMatcher matcher;
  const DefaultDeny* source = nullptr;
};

template <size_t N>
std::vector<ParsedDefault> parseDefaults(const std::array<DefaultDeny, N>& table) {
  std::vector<ParsedDefault> out;
  for (const DefaultDeny& d : table) {
    // The table is ours and well-formed; a typo in it would show in every test.
    Result<CidrMatcher> m = CidrMatcher::parse({d.range});
    if (!m.ok()) std::abort();
    out.push_back(ParsedDefault{std::move(m).value(), &d});
  }
  return out;
}

const std::vector<ParsedDefault>& alwaysDenied() {
  static const std::vector<ParsedDefault> parsed = parseDefaults(kAlwaysDenied);
  return parsed;
}

const std::vector<ParsedDefault>& receiverDenied() {
  static const std::vector<ParsedDefault> parsed = parseDefaults(kReceiverDenied);
  return parsed;
}

// The address and, when it carries an IPv4 address in one of the transition forms, that
// IPv4 address (as stored: IPv4-mapped). A connection to ::a.b.c.d or 64:ff9b::a.b.c.d can
// end at a.b.c.d, so rules about a.b.c.d must see it.
std::vector<IpAddress> formsOf(const IpAddress& a) {
  std::vector<IpAddress> forms{a};
  if (a.isV4()) return forms;
  const auto& b = a.bytes;
  auto allZero = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      if (b[i] != 0) return false;
    }
    return true;
  };
  std::optional<std::array<uint8_t, 4>> v4;
  if (allZero(0, 12) && !allZero(12, 15)) {
    v4 = std::array<uint8_t, 4>{b[12], b[13], b[14], b[15]};  // ::a.b.c.d, not :: or ::1
  } else if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && allZero(4, 12)) {
    v4 = std::array<uint8_t, 4>{b[12], b[13], b[14], b[15]};  // NAT64 well-known prefix
  } else if (b[0] == 0x20 && b[1] == 0x02) {
    v4 = std::array<uint8_t, 4>{b[2], b[3], b[4], b[5]};  // 6to4
  }
  if (v4) forms.push_back(IpAddress::fromV4(*v4));
  return forms;
}

std::string lowerHost(std::string_view host) {
  std::string out;
  out.reserve(host.size());
  for (char c : host)
    out.push_back(asciiLower(c));
  while (!out.empty() && out.back() == '.')
    out.pop_back();
  return out;
}

bool patternMatches(const std::string& pattern, const std::string& host) {
  if (host.empty()) return false;
  if (pattern.rfind("*.", 0) != 0) return pattern == host;
  std::string_view suffix = std::string_view(pattern).substr(1);  // ".corp.example"
  return host.size() > suffix.size() &&
         host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isUnspecified(const IpAddress& a) {
  return a == IpAddress{} || a == IpAddress::fromV4({0, 0, 0, 0});
}

std::vector<IpAddress> interfaceAddresses() {
  std::vector<IpAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr) continue;
    if (it->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
      std::array<uint8_t, 4> v4;
      std::memcpy(v4.data(), &sin->sin_addr, 4);
      out.push_back(IpAddress::fromV4(v4));
    } else if (it->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(it->ifa_addr);
      std::array<uint8_t, 16> v6;
      std::memcpy(v6.data(), &sin6->sin6_addr, 16);
      out.push_back(IpAddress::fromV6(v6));
    }
  }
  freeifaddrs(list);
  return out;
}

}  // namespace

std::string_view outboundPurposeName(OutboundPurpose purpose) {
  switch (purpose) {
    case OutboundPurpose::kChecks:
      return "checks";
    case OutboundPurpose::kScrapes:
      return "scrapes";
    case OutboundPurpose::kReceivers:
      return "receivers";
  }
  return "checks";
}

std::string outboundRefusalMessage(const IpAddress& address, std::string_view host,
                                   OutboundPurpose purpose, const OutboundDecision& decision) {
  std::string text = address.toString();
  std::string from =
      host.empty() || host == text ? std::string() : fmt::format(" (from '{}')", host);
  return fmt::format("blocked by outbound policy: {}{} for {}: {}", text, from,
                     outboundPurposeName(purpose), decision.rule);
}

OutboundPolicy::OutboundPolicy(config::Environment env) : env_(env) {}

Result<OutboundPolicy::Rules> OutboundPolicy::parseRules(const config::OutboundRulesConfig& config,
                                                         std::string_view purpose) {
  Rules rules;
  for (const auto& [list, out, kind] : {std::tuple{&config.allow, &rules.allow, "allow"},
                                        std::tuple{&config.deny, &rules.deny, "deny"}}) {
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string& text = (*list)[i];
      std::string where = fmt::format("outbound.{}.{}[{}]", purpose, kind, i);
      if (auto ok = config::checkOutboundEntry(text); !ok.ok()) {
        return makeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: {}", where, ok.error().message));
      }
      Entry entry;
      entry.text = text;
      if (config::isValidHostPattern(text)) {
        entry.pattern = lowerHost(text);
      } else {
        Result<CidrMatcher> m = CidrMatcher::parse({text});
        if (!m.ok()) {
          return makeError(ErrorCode::kInvalidArgument,
                           fmt::format("{}: {}", where, m.error().message));
        }
        entry.cidr = std::move(m).value();
      }
      out->push_back(std::move(entry));
    }
  }
  return rules;
}

Result<OutboundPolicy> OutboundPolicy::create(const config::OutboundConfig& rules,
                                              config::Environment env) {
  OutboundPolicy policy(env);
  PHAROS_ASSIGN_OR_RETURN(policy.checks_, parseRules(rules.checks, "checks"));
  PHAROS_ASSIGN_OR_RETURN(policy.scrapes_, parseRules(rules.scrapes, "scrapes"));
  PHAROS_ASSIGN_OR_RETURN(policy.receivers_, parseRules(rules.receivers, "receivers"));
  return policy;
}

Status OutboundPolicy::addOwnListener(std::string_view hostPort) {
  PHAROS_ASSIGN_OR_RETURN(config::HostPort hp, config::parseHostPort(hostPort));
  if (iequals(hp.host, "localhost")) {
    addOwnListener(IpAddress::fromV4({127, 0, 0, 1}), hp.port);
    addOwnListener(*IpAddress::parse("::1"), hp.port);
    return okStatus();
  }
  std::optional<IpAddress> address = IpAddress::parse(hp.host);
  if (!address) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("own listener '{}': the host must be an IP address", hostPort));
  }
  addOwnListener(*address, hp.port);
  return okStatus();
}

void OutboundPolicy::addOwnListener(const IpAddress& address, uint16_t port) {
  bool any = isUnspecified(address);
  if (any && localAddresses_.empty()) localAddresses_ = interfaceAddresses();
  listeners_.push_back(Listener{address, port, any});
}

const OutboundPolicy::Rules& OutboundPolicy::rulesFor(OutboundPurpose purpose) const {
  switch (purpose) {
    case OutboundPurpose::kChecks:
      return checks_;
    case OutboundPurpose::kScrapes:
      return scrapes_;
    case OutboundPurpose::kReceivers:
      return receivers_;
  }
  return checks_;
}

bool OutboundPolicy::isOwnListener(const IpAddress& address, uint16_t port) const {
  for (const Listener& l : listeners_) {
    if (l.port != port) continue;
    if (l.address == address) return true;
    if (!l.anyAddress) continue;
    if (isUnspecified(address)) return true;
    for (const IpAddress& local : localAddresses_) {
      if (local == address) return true;
    }
  }
  return false;
}

OutboundDecision OutboundPolicy::decide(const IpAddress& address, uint16_t port,
                                        std::string_view host, OutboundPurpose purpose) const {
  const Rules& rules = rulesFor(purpose);
  std::string name = lowerHost(host);
  std::vector<IpAddress> forms = formsOf(address);
  std::string_view purposeName = outboundPurposeName(purpose);
  auto explicitRule = [&](const char* verdict, const Entry& e) {
    return fmt::format("{} {} (outbound.{}.{})", verdict, e.text, purposeName, verdict);
  };
  auto matchesCidr = [&](const Entry& e) {
    if (!e.cidr) return false;
    for (const IpAddress& f : forms) {
      if (e.cidr->contains(f)) return true;
    }
    return false;
  };

  for (const Entry& e : rules.deny) {
    if (matchesCidr(e) || (!e.cidr && patternMatches(e.pattern, name))) {
      return {false, explicitRule("deny", e)};
    }
  }
  const Entry* patternAllow = nullptr;
  for (const Entry& e : rules.allow) {
    if (matchesCidr(e)) return {true, explicitRule("allow", e)};
    if (!e.cidr && patternAllow == nullptr && patternMatches(e.pattern, name)) patternAllow = &e;
  }
  for (const ParsedDefault& d : alwaysDenied()) {
    for (const IpAddress& f : forms) {
      if (d.matcher.contains(f)) {
        return {false, fmt::format("deny {} ({}, default)", d.source->range, d.source->why)};
      }
    }
  }
  if (patternAllow != nullptr) return {true, explicitRule("allow", *patternAllow)};

  bool strict = env_ != config::Environment::kDev && purpose == OutboundPurpose::kReceivers;
  if (strict) {
    std::string_view envName = config::environmentName(env_);
    for (const IpAddress& f : forms) {
      if (isOwnListener(f, port)) {
        return {false,
                fmt::format("deny {}:{} (Pharos' own listener, default for receivers in {})",
                            f.isV4() ? f.toString() : "[" + f.toString() + "]", port, envName)};
      }
    }
    for (const ParsedDefault& d : receiverDenied()) {
      for (const IpAddress& f : forms) {
        if (d.matcher.contains(f)) {
          return {false, fmt::format("deny {} ({}, default for receivers in {})", d.source->range,
                                     d.source->why, envName)};
        }
      }
    }
  }
  return {true, "allow (no rule matched, default)"};
}

}  // namespace pharos::net
