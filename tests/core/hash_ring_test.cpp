#include "core/hash_ring.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace pharos {
namespace {

std::vector<std::string> keys(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back("check-" + std::to_string(i));
  return out;
}

std::map<std::string, int> shares(const HashRing& ring, const std::vector<std::string>& ks) {
  std::map<std::string, int> out;
  for (const auto& k : ks)
    ++out[ring.owner(k)];
  return out;
}

TEST(HashRingTest, EmptyRingOwnsNothing) {
  HashRing ring({});
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.owner("x"), "");
}

TEST(HashRingTest, EveryProcessComputesTheSameOwnersWhateverTheOrder) {
  HashRing a({"n1", "n2", "n3"});
  HashRing b({"n3", "n1", "n2", "n1"});
  EXPECT_EQ(b.members().size(), 3u);
  for (const auto& k : keys(2000))
    ASSERT_EQ(a.owner(k), b.owner(k)) << k;
}

TEST(HashRingTest, SharesAreEvenWithinAFifth) {
  auto ks = keys(10000);
  for (int n : {2, 3, 5}) {
    std::vector<std::string> members;
    for (int i = 0; i < n; ++i)
      members.push_back("0a1b2c3d4e" + std::to_string(10 + i));
    auto s = shares(HashRing(members), ks);
    ASSERT_EQ(s.size(), static_cast<size_t>(n));
    for (const auto& [member, count] : s) {
      double ideal = 10000.0 / n;
      EXPECT_NEAR(count, ideal, ideal * 0.2) << n << " members, " << member;
    }
  }
}

TEST(HashRingTest, AJoinOrALeaveMovesOnlyTheKeysItMust) {
  auto ks = keys(10000);
  HashRing three({"a", "b", "c"});
  HashRing four({"a", "b", "c", "d"});
  int moved = 0;
  for (const auto& k : ks) {
    const std::string& before = three.owner(k);
    const std::string& after = four.owner(k);
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, "d") << k << " moved between members that stayed";
    }
  }
  // The newcomer takes about a quarter, and only from the others.
  EXPECT_NEAR(moved, 2500, 500);

  HashRing two({"a", "c"});  // b left
  for (const auto& k : ks) {
    if (three.owner(k) != "b") {
      EXPECT_EQ(two.owner(k), three.owner(k)) << k;
    }
  }
}

}  // namespace
}  // namespace pharos
