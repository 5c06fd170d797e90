#include "health/condition_glob.h"

#include <gtest/gtest.h>

#include <string>

namespace pharos::health {
namespace {

TEST(ConditionGlobTest, StarAndQuestionMarkMatchTheWholeText) {
  EXPECT_TRUE(globMatch("*healthy*", "all healthy here"));
  EXPECT_TRUE(globMatch("*healthy*", "healthy"));
  EXPECT_FALSE(globMatch("*healthy*", "unhealth"));
  EXPECT_TRUE(globMatch("1.*", "1.2.3"));
  EXPECT_FALSE(globMatch("1.*", "11.2"));
  EXPECT_TRUE(globMatch("a?c", "abc"));
  EXPECT_FALSE(globMatch("a?c", "ac"));
  EXPECT_FALSE(globMatch("a?c", "abbc"));
  EXPECT_TRUE(globMatch("*", ""));
  EXPECT_TRUE(globMatch("", ""));
  EXPECT_FALSE(globMatch("", "x"));
  EXPECT_TRUE(globMatch("a**b", "ab"));
  EXPECT_TRUE(globMatch("*a*b*c*", "xxaxxbxxc"));
  EXPECT_FALSE(globMatch("*a*b*c*", "xxcxxbxxa"));
  EXPECT_TRUE(globMatch("*.json", "a.b.json"));
  EXPECT_TRUE(globMatch("exact", "exact"));
  EXPECT_FALSE(globMatch("exact", "exactly"));
}

// Patterns longer than one 64-bit word of states carry bits across words.
TEST(ConditionGlobTest, LongPatternsCarryAcrossWords) {
  std::string text(200, 'x');
  text[70] = 'a';
  text[150] = 'b';
  std::string pattern(150, '?');
  pattern[70] = 'a';
  pattern += "b*";
  EXPECT_TRUE(globMatch(pattern, text));
  pattern[150] = 'c';
  EXPECT_FALSE(globMatch(pattern, text));
}

// What makes a backtracking matcher exponential (or quadratic) stays linear here.
TEST(ConditionGlobTest, AdversarialPatternsFinish) {
  std::string text(256 * 1024, 'a');
  std::string pattern;
  for (int i = 0; i < 1000; ++i)
    pattern += "*a";
  pattern += "*b";
  EXPECT_FALSE(globMatch(pattern, text));
  EXPECT_TRUE(globMatch("*a*a*a*a*a*a*", text));
}

}  // namespace
}  // namespace pharos::health
