#include "net/outbound_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pharos::net {
namespace {

using config::Environment;

IpAddress ip(std::string_view text) {
  std::optional<IpAddress> a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

OutboundPolicy policyWith(const config::OutboundConfig& rules, Environment env) {
  Result<OutboundPolicy> p = OutboundPolicy::create(rules, env);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().toString());
  return p.ok() ? std::move(p).value() : OutboundPolicy(env);
}

constexpr std::array<Environment, 3> kEnvs = {Environment::kDev, Environment::kStaging,
                                              Environment::kProd};
constexpr std::array<OutboundPurpose, 3> kPurposes = {
    OutboundPurpose::kChecks, OutboundPurpose::kScrapes, OutboundPurpose::kReceivers};

// The defaults, address by address: `always` applies to every purpose and environment;
// `strict` only to receivers in staging and prod ("ENV" stands for the environment);
// neither means allowed.
struct DefaultCase {
  const char* address;
  const char* always;
  const char* strict;
};

const DefaultCase kDefaults[] = {
    {"169.254.169.254", "deny 169.254.0.0/16 (link-local and cloud metadata, default)", nullptr},
    {"::ffff:169.254.169.254", "deny 169.254.0.0/16 (link-local and cloud metadata, default)",
     nullptr},
    {"::169.254.169.254", "deny 169.254.0.0/16 (link-local and cloud metadata, default)", nullptr},
    {"64:ff9b::a9fe:a9fe", "deny 169.254.0.0/16 (link-local and cloud metadata, default)", nullptr},
    {"2002:a9fe:a9fe::1", "deny 169.254.0.0/16 (link-local and cloud metadata, default)", nullptr},
    {"169.254.1.1", "deny 169.254.0.0/16 (link-local and cloud metadata, default)", nullptr},
    {"fe80::1", "deny fe80::/10 (link-local, default)", nullptr},
    {"fd00:ec2::254", "deny fd00:ec2::254 (cloud metadata, default)", nullptr},
    {"100.100.100.200", "deny 100.100.100.200 (cloud metadata, default)", nullptr},
    {"127.0.0.1", nullptr, "deny 127.0.0.0/8 (loopback, default for receivers in ENV)"},
    {"127.8.9.10", nullptr, "deny 127.0.0.0/8 (loopback, default for receivers in ENV)"},
    {"::ffff:127.0.0.1", nullptr, "deny 127.0.0.0/8 (loopback, default for receivers in ENV)"},
    {"::1", nullptr, "deny ::1/128 (loopback, default for receivers in ENV)"},
    {"0.0.0.0", nullptr,
     "deny 0.0.0.0/8 (unspecified, reaches loopback, default for receivers in ENV)"},
    {"::", nullptr, "deny ::/128 (unspecified, reaches loopback, default for receivers in ENV)"},
    {"10.1.2.3", nullptr, "deny 10.0.0.0/8 (private, default for receivers in ENV)"},
    {"172.20.0.5", nullptr, "deny 172.16.0.0/12 (private, default for receivers in ENV)"},
    {"192.168.1.10", nullptr, "deny 192.168.0.0/16 (private, default for receivers in ENV)"},
    {"64:ff9b::c0a8:10a", nullptr, "deny 192.168.0.0/16 (private, default for receivers in ENV)"},
    {"fd12:3456::1", nullptr, "deny fc00::/7 (private, default for receivers in ENV)"},
    {"100.64.0.1", nullptr,
     "deny 100.64.0.0/10 (shared address space, default for receivers in ENV)"},
    {"172.32.0.1", nullptr, nullptr},
    {"93.184.216.34", nullptr, nullptr},
    {"2606:4700::1111", nullptr, nullptr},
};

TEST(OutboundPolicyTest, DefaultsPerAddressPurposeAndEnvironment) {
  for (Environment env : kEnvs) {
    OutboundPolicy policy(env);
    for (OutboundPurpose purpose : kPurposes) {
      bool strict = env != Environment::kDev && purpose == OutboundPurpose::kReceivers;
      for (const DefaultCase& c : kDefaults) {
        SCOPED_TRACE(std::string(c.address) + " " + std::string(outboundPurposeName(purpose)) +
                     " " + std::string(config::environmentName(env)));
        OutboundDecision d = policy.decide(ip(c.address), 443, "", purpose);
        std::string expected;
        if (c.always != nullptr) {
          expected = c.always;
        } else if (strict && c.strict != nullptr) {
          expected = c.strict;
          expected.replace(expected.find("ENV"), 3, config::environmentName(env));
        }
        if (expected.empty()) {
          EXPECT_TRUE(d.allowed) << d.rule;
          EXPECT_EQ(d.rule, "allow (no rule matched, default)");
        } else {
          EXPECT_FALSE(d.allowed);
          EXPECT_EQ(d.rule, expected);
        }
      }
    }
  }
}

TEST(OutboundPolicyTest, ExplicitDenyBeatsEverythingAndAllowBeatsDefaults) {
  config::OutboundConfig rules;
  rules.checks.deny = {"10.9.0.0/16", "*.forbidden.example"};
  rules.checks.allow = {"10.0.0.0/8", "169.254.169.254", "*.forbidden.example"};
  rules.receivers.allow = {"192.168.5.0/24", "*.corp.example"};
  OutboundPolicy policy = policyWith(rules, Environment::kProd);

  OutboundDecision d = policy.decide(ip("10.9.1.1"), 80, "", OutboundPurpose::kChecks);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "deny 10.9.0.0/16 (outbound.checks.deny)");
  d = policy.decide(ip("10.1.1.1"), 80, "", OutboundPurpose::kChecks);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule, "allow 10.0.0.0/8 (outbound.checks.allow)");
  // A CIDR allow opens even the metadata address, for this purpose only.
  d = policy.decide(ip("169.254.169.254"), 80, "", OutboundPurpose::kChecks);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule, "allow 169.254.169.254 (outbound.checks.allow)");
  d = policy.decide(ip("169.254.169.254"), 80, "", OutboundPurpose::kScrapes);
  EXPECT_FALSE(d.allowed);
  // The deny pattern wins over the same allow pattern.
  d = policy.decide(ip("93.184.216.34"), 80, "api.forbidden.example", OutboundPurpose::kChecks);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "deny *.forbidden.example (outbound.checks.deny)");

  d = policy.decide(ip("192.168.5.9"), 80, "", OutboundPurpose::kReceivers);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule, "allow 192.168.5.0/24 (outbound.receivers.allow)");
  d = policy.decide(ip("192.168.6.9"), 80, "", OutboundPurpose::kReceivers);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "deny 192.168.0.0/16 (private, default for receivers in prod)");
}

TEST(OutboundPolicyTest, HostPatternsMatchNamesBelowTheDomain) {
  config::OutboundConfig rules;
  rules.receivers.allow = {"*.corp.example", "hooks.example.org"};
  OutboundPolicy policy = policyWith(rules, Environment::kProd);
  auto allowed = [&](std::string_view address, std::string_view host) {
    return policy.decide(ip(address), 443, host, OutboundPurpose::kReceivers).allowed;
  };
  EXPECT_TRUE(allowed("10.0.0.1", "chat.corp.example"));
  EXPECT_TRUE(allowed("10.0.0.1", "A.B.Corp.Example."));  // case and the root dot
  EXPECT_FALSE(allowed("10.0.0.1", "corp.example"));      // "*." needs a label
  EXPECT_FALSE(allowed("10.0.0.1", "evilcorp.example"));
  EXPECT_FALSE(allowed("10.0.0.1", "corp.example.evil.com"));
  EXPECT_TRUE(allowed("127.0.0.1", "hooks.example.org"));
  EXPECT_FALSE(allowed("127.0.0.1", "x.hooks.example.org"));
  EXPECT_FALSE(allowed("10.0.0.1", ""));
  // A name is only as good as its DNS: a pattern never opens link-local or metadata.
  OutboundDecision d =
      policy.decide(ip("169.254.169.254"), 80, "meta.corp.example", OutboundPurpose::kReceivers);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "deny 169.254.0.0/16 (link-local and cloud metadata, default)");
  EXPECT_EQ(
      policy.decide(ip("10.0.0.1"), 443, "chat.corp.example", OutboundPurpose::kReceivers).rule,
      "allow *.corp.example (outbound.receivers.allow)");
}

TEST(OutboundPolicyTest, DenyRangesMatchEmbeddedIpv4Forms) {
  config::OutboundConfig rules;
  rules.scrapes.deny = {"203.0.113.0/24"};
  OutboundPolicy policy = policyWith(rules, Environment::kDev);
  for (const char* a : {"203.0.113.7", "::ffff:203.0.113.7", "::203.0.113.7",
                        "64:ff9b::203.0.113.7", "2002:cb00:7107::1"}) {
    OutboundDecision d = policy.decide(ip(a), 80, "", OutboundPurpose::kScrapes);
    EXPECT_FALSE(d.allowed) << a;
    EXPECT_EQ(d.rule, "deny 203.0.113.0/24 (outbound.scrapes.deny)") << a;
  }
  EXPECT_TRUE(policy.decide(ip("64:ff9b::203.0.114.7"), 80, "", OutboundPurpose::kScrapes).allowed);
}

TEST(OutboundPolicyTest, OwnListenersAreDeniedForReceiversInStagingAndProd) {
  for (Environment env : kEnvs) {
    OutboundPolicy policy(env);
    ASSERT_TRUE(policy.addOwnListener("203.0.113.5:8470").ok());
    OutboundDecision d = policy.decide(ip("203.0.113.5"), 8470, "", OutboundPurpose::kReceivers);
    if (env == Environment::kDev) {
      EXPECT_TRUE(d.allowed);
    } else {
      EXPECT_FALSE(d.allowed);
      EXPECT_EQ(d.rule, "deny 203.0.113.5:8470 (Pharos' own listener, default for receivers in " +
                            std::string(config::environmentName(env)) + ")");
    }
    EXPECT_TRUE(policy.decide(ip("203.0.113.5"), 8471, "", OutboundPurpose::kReceivers).allowed);
    EXPECT_TRUE(policy.decide(ip("203.0.113.5"), 8470, "", OutboundPurpose::kChecks).allowed);
  }
  OutboundPolicy policy(Environment::kProd);
  ASSERT_TRUE(policy.addOwnListener("[2001:db8::5]:443").ok());
  EXPECT_EQ(policy.decide(ip("2001:db8::5"), 443, "", OutboundPurpose::kReceivers).rule,
            "deny [2001:db8::5]:443 (Pharos' own listener, default for receivers in prod)");
  // A wildcard listener stands for the port on every local address (here the unspecified
  // address itself; interface addresses depend on the machine).
  ASSERT_TRUE(policy.addOwnListener("0.0.0.0:9000").ok());
  EXPECT_EQ(policy.decide(ip("0.0.0.0"), 9000, "", OutboundPurpose::kReceivers).rule,
            "deny 0.0.0.0:9000 (Pharos' own listener, default for receivers in prod)");
  EXPECT_FALSE(policy.addOwnListener("pharos.example:80").ok());
  EXPECT_FALSE(policy.addOwnListener("nonsense").ok());
}

TEST(OutboundPolicyTest, MalformedEntriesAreNamed) {
  config::OutboundConfig rules;
  rules.scrapes.deny = {"10.0.0.0/8", "10.0.0.0/33"};
  Result<OutboundPolicy> p = OutboundPolicy::create(rules, Environment::kDev);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(p.error().message.find("outbound.scrapes.deny[1]"), std::string::npos)
      << p.error().message;
  for (const char* bad : {"10.0.0.300", "*", "*.", "a..b", "bad host", "0251.0376.0251.0376",
                          "http://x.example", "*.*.example"}) {
    config::OutboundConfig r;
    r.checks.allow = {bad};
    EXPECT_FALSE(OutboundPolicy::create(r, Environment::kDev).ok()) << bad;
  }
}

}  // namespace
}  // namespace pharos::net
