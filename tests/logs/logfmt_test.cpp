#include "logs/logfmt.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace pharos::logs {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

bool parse(std::string_view line, Pairs& pairs) {
  pairs.clear();
  std::string scratch;
  return parseLogfmt(line, scratch, [&](std::string_view k, std::string_view v) {
    pairs.emplace_back(std::string(k), std::string(v));
  });
}

TEST(LogfmtTest, PairsQuotingAndFlags) {
  Pairs pairs;
  ASSERT_TRUE(parse(
      R"(time=2026-11-27T14:55:23Z level=info msg="request handled \"ok\" \\ done" empty= flag)",
      pairs));
  EXPECT_EQ(pairs, (Pairs{{"time", "2026-11-27T14:55:23Z"},
                          {"level", "info"},
                          {"msg", "request handled \"ok\" \\ done"},
                          {"empty", ""},
                          {"flag", "true"}}));
}

TEST(LogfmtTest, QuotedEscapes) {
  Pairs pairs;
  ASSERT_TRUE(parse(R"(a="x\ty\nz" b="c:\dir" c="")", pairs));
  EXPECT_EQ(pairs, (Pairs{{"a", "x\ty\nz"}, {"b", "c:\\dir"}, {"c", ""}}));
}

TEST(LogfmtTest, SampleLines) {
  Pairs pairs;
  ASSERT_TRUE(parse(
      R"(ts=2026-11-27T14:55:26Z lvl=debug caller=main.go:88 msg=starting version=1.4.2 pid=4242)",
      pairs));
  EXPECT_EQ(pairs.size(), 6u);
  EXPECT_EQ(pairs[2], (std::pair<std::string, std::string>{"caller", "main.go:88"}));
  ASSERT_TRUE(parse(
      R"(level=warn msg="slow query" query="SELECT * FROM orders WHERE id = $1" duration_ms=1520)",
      pairs));
  EXPECT_EQ(pairs[2].second, "SELECT * FROM orders WHERE id = $1");
  // Tabs and runs of spaces separate too.
  ASSERT_TRUE(parse("  a=1\t\tb=2  ", pairs));
  EXPECT_EQ(pairs, (Pairs{{"a", "1"}, {"b", "2"}}));
}

TEST(LogfmtTest, ProseIsNotLogfmt) {
  Pairs pairs;
  EXPECT_FALSE(parse("user logged in", pairs));
  EXPECT_FALSE(parse("processed batch size=500 elapsed=2.3s", pairs));  // first token has no '='
  EXPECT_FALSE(parse("a=1 and more words", pairs));                     // one pair only
  EXPECT_FALSE(parse("a=1 b=\"unterminated", pairs));
  EXPECT_FALSE(parse("a=1 =2 c=3", pairs));
  EXPECT_FALSE(parse("a=1 b=\"x\"y", pairs));
  EXPECT_FALSE(parse("a=1 \"b\"=2", pairs));
  EXPECT_FALSE(parse("", pairs));
  EXPECT_TRUE(pairs.empty());  // nothing reported before refusing
}

}  // namespace
}  // namespace pharos::logs
