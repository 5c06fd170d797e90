#include "net/client_address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pharos::net {
namespace {

CidrMatcher matcher(const std::vector<std::string>& ranges) {
  auto parsed = CidrMatcher::parse(ranges);
  if (!parsed.ok()) std::abort();
  return std::move(parsed).value();
}

Headers xff(std::vector<std::string> values) {
  Headers headers{{"Host", "x"}};
  for (auto& v : values)
    headers.emplace_back("X-Forwarded-For", std::move(v));
  return headers;
}

TEST(ClientAddressTest, NoTrustedProxiesMeansThePeer) {
  EXPECT_EQ(resolveClientAddress("10.0.0.1", xff({"1.2.3.4"}), CidrMatcher()), "10.0.0.1");
}

TEST(ClientAddressTest, SpoofedHeaderFromAnUntrustedPeerIsIgnored) {
  CidrMatcher trusted = matcher({"10.0.0.0/8"});
  EXPECT_EQ(resolveClientAddress("203.0.113.7", xff({"1.2.3.4"}), trusted), "203.0.113.7");
  EXPECT_EQ(resolveClientAddress("203.0.113.7", xff({"10.0.0.9"}), trusted), "203.0.113.7");
}

TEST(ClientAddressTest, TrustedPeerNamesTheClient) {
  CidrMatcher trusted = matcher({"10.0.0.0/8"});
  EXPECT_EQ(resolveClientAddress("10.0.0.1", xff({"198.51.100.4"}), trusted), "198.51.100.4");
  // The client prepended a spoofed entry; the proxy appended the real one.
  EXPECT_EQ(resolveClientAddress("10.0.0.1", xff({"6.6.6.6, 198.51.100.4"}), trusted),
            "198.51.100.4");
  // Proxies in a chain are skipped from the right.
  EXPECT_EQ(resolveClientAddress("10.0.0.1", xff({"6.6.6.6, 198.51.100.4, 10.2.2.2"}), trusted),
            "198.51.100.4");
  // Several header fields form one list, in order.
  EXPECT_EQ(resolveClientAddress("10.0.0.1", xff({"6.6.6.6", "198.51.100.4", "10.2.2.2"}), trusted),
            "198.51.100.4");
  // Lowercase header name, ports and brackets, mapped form.
  Headers lower{{"x-forwarded-for", "[2001:db8::5]:1234"}};
  EXPECT_EQ(resolveClientAddress("10.0.0.1", lower, trusted), "2001:db8::5");
  EXPECT_EQ(resolveClientAddress("::ffff:10.0.0.1", xff({"::ffff:198.51.100.4"}), trusted),
            "198.51.100.4");
}

TEST(ClientAddressTest, AllTrustedMeansTheLeftMost) {
  CidrMatcher trusted = matcher({"10.0.0.0/8"});
  EXPECT_EQ(resolveClientAddress("10.0.0.1", xff({"10.3.3.3, 10.2.2.2"}), trusted), "10.3.3.3");
}

TEST(ClientAddressTest, GarbageStopsTheWalkAtTheLastTrustedHop) {
  CidrMatcher trusted = matcher({"10.0.0.0/8"});
  EXPECT_EQ(resolveClientAddress("10.0.0.1", xff({"unknown"}), trusted), "10.0.0.1");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", xff({"1.2.3.4, evil, 10.2.2.2"}), trusted),
            "10.2.2.2");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", xff({""}), trusted), "10.0.0.1");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", {}, trusted), "10.0.0.1");
}

}  // namespace
}  // namespace pharos::net
