#include "objects/object_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pharos::objects {
namespace {

struct RejectedKey {
  std::string key;
  std::string mentions;  // the error message must name the problem
};

TEST(ValidateKeyTest, RejectsUnsafeKeysAndNamesTheProblem) {
  const std::vector<RejectedKey> cases = {
      {"../x", "'..' segment"},
      {"a/../x", "'..' segment"},
      {"a/..", "'..' segment"},
      {"/abs", "absolute"},
      {"a//b", "empty segment"},
      {"a/./b", "'.' segment"},
      {".", "'.' segment"},
      {"a\\b", "backslash"},
      {"", "empty"},
      {std::string(1025, 'a'), "1025 bytes"},
      {std::string("a\0b", 3), "NUL"},
      {"a/", "ends with '/'"},
      {"a b", "0x20"},
      {"a:b", "0x3a"},
      {"caf\xc3\xa9", "0xc3"},
      {"a~b", "0x7e"},
  };
  for (const RejectedKey& c : cases) {
    Status s = validateKey(c.key);
    ASSERT_FALSE(s.ok()) << "accepted: " << c.key;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << c.key;
    EXPECT_NE(s.error().message.find(c.mentions), std::string::npos)
        << "key '" << c.key << "': " << s.error().toString();
  }
}

TEST(ValidateKeyTest, AcceptsPlainRelativeKeys) {
  std::string longest;
  while (longest.size() < 1024)
    longest += longest.size() + 8 <= 1024 ? "segment/" : "x";
  longest.back() = 'z';
  ASSERT_EQ(longest.size(), 1024u);
  for (const std::string& key :
       {std::string("archive/2026/11/27/chunk-0001.zst"), std::string("a"), std::string(".hidden"),
        std::string("a..b"), std::string("x_y-Z.9/...x"), longest}) {
    Status s = validateKey(key);
    EXPECT_TRUE(s.ok()) << key << ": " << (s.ok() ? "" : s.error().toString());
  }
}

TEST(ValidateKeyTest, ErrorContextEscapesControlBytes) {
  Status s = validateKey(std::string("bad\nkey\x01", 8));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().context, "key=bad\\x0akey\\x01");
  Status longKey = validateKey(std::string(5000, 'k'));
  ASSERT_FALSE(longKey.ok());
  EXPECT_LT(longKey.error().context.size(), 200u);
  EXPECT_NE(longKey.error().context.find("5000 bytes"), std::string::npos);
}

}  // namespace
}  // namespace pharos::objects
