#include "net/cidr.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pharos::net {
namespace {

struct MatchCase {
  std::vector<std::string> ranges;
  std::string address;
  bool expected;
};

TEST(CidrMatcherTest, MatchesTable) {
  const std::vector<MatchCase> cases = {
      {{"10.0.0.0/8"}, "10.1.2.3", true},
      {{"10.0.0.0/8"}, "11.0.0.1", false},
      {{"10.0.0.0/8"}, "9.255.255.255", false},
      {{"192.168.1.0/24"}, "192.168.1.255", true},
      {{"192.168.1.0/24"}, "192.168.2.0", false},
      {{"172.16.0.0/12"}, "172.31.255.255", true},
      {{"172.16.0.0/12"}, "172.32.0.0", false},
      {{"10.0.0.5"}, "10.0.0.5", true},  // a bare address is one host
      {{"10.0.0.5"}, "10.0.0.6", false},
      {{"10.0.0.5/32"}, "10.0.0.5", true},
      {{"0.0.0.0/0"}, "203.0.113.9", true},
      {{"10.1.2.3/8"}, "10.200.0.1", true},  // host bits are ignored
      {{"10.0.0.0/31"}, "10.0.0.1", true},
      {{"10.0.0.0/31"}, "10.0.0.2", false},
      // IPv6
      {{"::1/128"}, "::1", true},
      {{"::1"}, "::2", false},
      {{"2001:db8::/32"}, "2001:db8:ffff::1", true},
      {{"2001:db8::/32"}, "2001:db9::1", false},
      {{"fe80::/10"}, "febf::1", true},
      {{"fe80::/10"}, "fec0::1", false},
      // IPv4-mapped IPv6 peers match IPv4 ranges, and mapped ranges match IPv4 peers
      {{"10.0.0.0/8"}, "::ffff:10.9.8.7", true},
      {{"10.0.0.0/8"}, "::ffff:11.9.8.7", false},
      {{"127.0.0.1"}, "::ffff:127.0.0.1", true},
      {{"::ffff:10.0.0.0/104"}, "10.3.3.3", true},
      // an IPv4 range is not an IPv6 one
      {{"10.0.0.0/8"}, "::a00:1", false},
      {{"::1"}, "127.0.0.1", false},
      // several ranges
      {{"10.0.0.0/8", "::1"}, "::1", true},
      {{"10.0.0.0/8", "::1"}, "192.0.2.1", false},
      // not an address
      {{"0.0.0.0/0"}, "example.com", false},
      {{"0.0.0.0/0"}, "", false},
  };
  for (const auto& c : cases) {
    auto matcher = CidrMatcher::parse(c.ranges);
    ASSERT_TRUE(matcher.ok()) << c.ranges[0] << ": " << matcher.error().toString();
    EXPECT_EQ(matcher->contains(c.address), c.expected) << c.ranges[0] << " ? " << c.address;
  }
}

TEST(CidrMatcherTest, RejectsMalformedRangesNamingTheEntry) {
  for (std::string bad : {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/8x",
                          "10.0.0", "300.0.0.1", "localhost", "10.0.0.1:80", "[::1]", "::1%lo",
                          "10.0.0.0/08a", "1.2.3.4/1/2", "01.2.3.4"}) {
    auto matcher = CidrMatcher::parse({"10.0.0.0/8", bad});
    ASSERT_FALSE(matcher.ok()) << "'" << bad << "'";
    EXPECT_EQ(matcher.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(matcher.error().context, "[1]") << bad;
  }
}

TEST(CidrMatcherTest, EmptyMatcherMatchesNothing) {
  CidrMatcher empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_FALSE(empty.contains("127.0.0.1"));
  auto parsed = CidrMatcher::parse({});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->empty());
}

TEST(IpAddressTest, ParsesHeaderAndPeerForms) {
  struct Case {
    std::string text;
    std::string normalized;  // empty: not an address
  };
  const std::vector<Case> cases = {
      {"10.0.0.1", "10.0.0.1"},
      {" 10.0.0.1\t", "10.0.0.1"},
      {"10.0.0.1:8080", "10.0.0.1"},
      {"::ffff:10.0.0.1", "10.0.0.1"},
      {"2001:DB8:0:0::1", "2001:db8::1"},
      {"[2001:db8::1]", "2001:db8::1"},
      {"[2001:db8::1]:443", "2001:db8::1"},
      {"fe80::1%eth0", "fe80::1"},
      {"[::1]x", ""},
      {"[::1", ""},
      {"unknown", ""},
      {"1.2.3.4.5", ""},
      {std::string(100, '1'), ""},
  };
  for (const auto& c : cases) {
    auto ip = IpAddress::parse(c.text);
    if (c.normalized.empty()) {
      EXPECT_FALSE(ip) << c.text;
    } else {
      ASSERT_TRUE(ip) << c.text;
      EXPECT_EQ(ip->toString(), c.normalized) << c.text;
    }
  }
  EXPECT_TRUE(IpAddress::parse("10.0.0.1")->isV4());
  EXPECT_FALSE(IpAddress::parse("::1")->isV4());
  EXPECT_EQ(IpAddress::parse("::ffff:1.2.3.4"), IpAddress::fromV4({1, 2, 3, 4}));
}

}  // namespace
}  // namespace pharos::net
