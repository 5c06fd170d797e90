#include "auth/token.h"
#include "crypto/key_bytes.h"

#include <gtest/gtest.h>

#include <set>

namespace pharos::auth::token {
namespace {

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::initSodium().ok()); }
};

TEST_F(TokenTest, GeneratedTokensParseAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    Generated g = generate();
    const std::string& t = g.token.reveal();
    EXPECT_EQ(t.size(), kTokenLength);
    EXPECT_EQ(t.rfind("phk_", 0), 0u);
    std::optional<std::string_view> id = idOf(t);
    ASSERT_TRUE(id) << "generated token does not parse";
    EXPECT_EQ(*id, g.id);
    EXPECT_TRUE(seen.insert(t).second);
  }
}

TEST_F(TokenTest, RejectsMalformedTokens) {
  std::string good = generate().token.reveal();
  EXPECT_TRUE(idOf(good));
  EXPECT_FALSE(idOf(""));
  EXPECT_FALSE(idOf(good.substr(1)));
  EXPECT_FALSE(idOf(good + "0"));
  std::string t = good;
  t[0] = 'x';  // prefix
  EXPECT_FALSE(idOf(t));
  t = good;
  t[kPrefix.size() + kIdLength] = '-';  // separator
  EXPECT_FALSE(idOf(t));
  t = good;
  t[kPrefix.size()] = 'U';  // not in the id alphabet
  EXPECT_FALSE(idOf(t));
  t = good;
  t.back() = 'g';  // not hex
  EXPECT_FALSE(idOf(t));
}

TEST_F(TokenTest, HashDependsOnSaltAndToken) {
  std::string a = generate().token.reveal();
  std::string b = generate().token.reveal();
  std::string salt1 = newSalt(), salt2 = newSalt();
  EXPECT_EQ(salt1.size(), kSaltBytes);
  EXPECT_NE(salt1, salt2);
  EXPECT_EQ(hash(a, salt1).size(), kHashBytes);
  EXPECT_TRUE(sameHash(hash(a, salt1), hash(a, salt1)));
  EXPECT_FALSE(sameHash(hash(a, salt1), hash(a, salt2)));
  EXPECT_FALSE(sameHash(hash(a, salt1), hash(b, salt1)));
  EXPECT_FALSE(sameHash(hash(a, salt1), ""));
}

}  // namespace
}  // namespace pharos::auth::token
