#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace pharos {
namespace {

TEST(IdsTest, UlidsAreUniqueAndSortByTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = newId();
    EXPECT_EQ(id.size(), 26u);
    EXPECT_TRUE(seen.insert(id).second);
  }
  std::string earlier = newId(fromUnixMillis(1'000'000));
  std::string later = newId(fromUnixMillis(1'000'001));
  EXPECT_LT(earlier, later);
  EXPECT_EQ(earlier.substr(0, 10), newId(fromUnixMillis(1'000'000)).substr(0, 10));
}

TEST(IdsTest, RandomHexHasRequestedLength) {
  std::string a = randomHex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, randomHex(16));
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace pharos
