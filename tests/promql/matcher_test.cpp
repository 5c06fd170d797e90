#include "promql/matcher.h"

#include <gtest/gtest.h>

#include <regex>

namespace pharos::promql {
namespace {

Matcher make(Matcher::Type type, std::string value) {
  auto m = Matcher::make(type, "l", std::move(value));
  EXPECT_TRUE(m.ok()) << m.error().message;
  return m.ok() ? *m : Matcher{};
}

using T = Matcher::Type;

TEST(MatcherTest, EqualityAndAbsentLabelsMatchAsEmpty) {
  EXPECT_TRUE(make(T::kEqual, "a").matches("a"));
  EXPECT_FALSE(make(T::kEqual, "a").matches("ab"));
  EXPECT_TRUE(make(T::kEqual, "").matches(""));  // {foo=""}: series without foo
  EXPECT_FALSE(make(T::kEqual, "").matches("x"));
  EXPECT_TRUE(make(T::kNotEqual, "a").matches(""));
  EXPECT_FALSE(make(T::kNotEqual, "a").matches("a"));
}

TEST(MatcherTest, RegexesAreFullyAnchored) {
  EXPECT_TRUE(make(T::kRegexMatch, "a.c").matches("abc"));
  EXPECT_FALSE(make(T::kRegexMatch, "a.c").matches("xabc"));
  EXPECT_FALSE(make(T::kRegexMatch, "a.c").matches("abcd"));
  EXPECT_TRUE(make(T::kRegexMatch, "a|b").matches("b"));
  EXPECT_FALSE(make(T::kRegexMatch, "a|b").matches("ab"));
  EXPECT_TRUE(make(T::kRegexMatch, "(?:x|y)[0-9]+").matches("y42"));
  EXPECT_FALSE(make(T::kRegexMatch, "(?:x|y)[0-9]+").matches("y42z"));
  EXPECT_TRUE(make(T::kRegexNoMatch, "a.c").matches("xabc"));
  EXPECT_FALSE(make(T::kRegexNoMatch, "a.c").matches("abc"));
  EXPECT_TRUE(make(T::kRegexMatch, "").matches(""));
}

// Every fast path must agree with the regex it replaces.
TEST(MatcherTest, FastPathsAgreeWithStdRegex) {
  const std::vector<std::string> patterns = {".*",       ".+", "api.*", "api",
                                             "a|bb|ccc", "",   "x|",    "a-b/c"};
  const std::vector<std::string> values = {"",   "a", "api",   "api-1", "apx",    "bb",   "ccc",
                                           "cc", "x", "a-b/c", "a\n",   "api\nx", "\napi"};
  for (const auto& p : patterns) {
    std::regex re("^(?:" + p + ")$", std::regex::ECMAScript);
    auto m = make(T::kRegexMatch, p);
    for (const auto& v : values) {
      EXPECT_EQ(m.matches(v), std::regex_match(v, re)) << "pattern " << p << " value " << v;
    }
  }
}

TEST(MatcherTest, AnyDoesNotMatchNewlinesLikeRe2) {
  EXPECT_TRUE(make(T::kRegexMatch, ".*").matches(""));
  EXPECT_FALSE(make(T::kRegexMatch, ".*").matches("a\nb"));
  EXPECT_FALSE(make(T::kRegexMatch, ".+").matches(""));
  EXPECT_TRUE(make(T::kRegexMatch, "pre.*").matches("pre"));
  EXPECT_FALSE(make(T::kRegexMatch, "pre.*").matches("pr"));
}

TEST(MatcherTest, InvalidOrHostileRegexesAreErrors) {
  auto bad = Matcher::make(T::kRegexMatch, "l", "a(b");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("a(b"), std::string::npos);
  EXPECT_FALSE(Matcher::make(T::kRegexNoMatch, "l", "[").ok());
  EXPECT_FALSE(Matcher::make(T::kRegexMatch, "l", "(a{1000}){1000}").ok());
  EXPECT_FALSE(
      Matcher::make(T::kRegexMatch, "l", std::string(100, '(') + std::string(100, ')')).ok());
  // Exponential backtracking in std::regex: nested and stacked repetitions are refused.
  EXPECT_FALSE(Matcher::make(T::kRegexMatch, "l", "(a*)*b").ok());
  EXPECT_FALSE(Matcher::make(T::kRegexMatch, "l", "((a+)x)+").ok());
  EXPECT_FALSE(Matcher::make(T::kRegexMatch, "l", "x**").ok());
  EXPECT_FALSE(Matcher::make(T::kRegexMatch, "l", "x*+").ok());
  // Backreferences: RE2 has none, and a long one overflows inside libstdc++ (found by fuzzing).
  EXPECT_FALSE(Matcher::make(T::kRegexMatch, "l", "(a)\\1").ok());
  EXPECT_FALSE(Matcher::make(T::kRegexMatch, "l", "\\3333333333333333333333").ok());
  // ... but not the ordinary shapes.
  for (const char* ok : {"(?:a|b)*", "a*?b", "[*+]+x", "(ab)+c*", "\\**", "a{2,3}b?",
                         "(?:x|y)[0-9]+", "[]*]+", "\\d+\\.\\w"}) {
    EXPECT_TRUE(Matcher::make(T::kRegexMatch, "l", ok).ok()) << ok;
  }
  // Equality matchers take any value, regex metacharacters included.
  EXPECT_TRUE(Matcher::make(T::kEqual, "l", "a(b").ok());
}

TEST(MatcherTest, PrintsAsPromql) {
  EXPECT_EQ(make(T::kRegexMatch, "a\"b").str(), "l=~\"a\\\"b\"");
  EXPECT_EQ(make(T::kNotEqual, "x").str(), "l!=\"x\"");
}

}  // namespace
}  // namespace pharos::promql
