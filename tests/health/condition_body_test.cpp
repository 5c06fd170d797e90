#include "health/condition_body.h"

#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

namespace pharos::health {
namespace {

TEST(ConditionBodyTest, ParsesJson) {
  ParsedBody parsed = parseJsonBody(R"({"a": [1, "two"]})");
  ASSERT_TRUE(parsed.json);
  EXPECT_EQ((*parsed.json)["a"][1], "two");
  EXPECT_TRUE(parsed.error.empty());
}

TEST(ConditionBodyTest, SaysWhyABodyIsNotJson) {
  EXPECT_EQ(parseJsonBody("").error, "body is empty, not JSON");
  EXPECT_EQ(parseJsonBody("ok").error, "body is not JSON at byte 1");
  EXPECT_EQ(parseJsonBody(R"({"a": 1,})").error, "body is not JSON at byte 9");
  EXPECT_EQ(parseJsonBody("[1e400]").error, "body JSON has a number out of range");
  EXPECT_FALSE(parseJsonBody("{\"a\": \"\xff\"}").json);  // invalid UTF-8
}

TEST(ConditionBodyTest, NestingIsBoundedOutsideStrings) {
  std::string ok = fmt::format("{:[<64}{:]<64}", "", "");
  EXPECT_TRUE(parseJsonBody(ok).json);
  std::string deep = fmt::format("{:[<65}{:]<65}", "", "");
  EXPECT_EQ(parseJsonBody(deep).error, "body JSON nests deeper than 64 at byte 64");
  // Brackets inside strings (also after an escaped quote) do not count.
  std::string inString = fmt::format("[\"\\\"{:[<100}\"]", "");
  EXPECT_TRUE(parseJsonBody(inString).json) << parseJsonBody(inString).error;
  // A million unclosed brackets is refused before the parser sees it.
  EXPECT_FALSE(parseJsonBody(std::string(1'000'000, '[')).json);
}

TEST(ConditionBodyTest, SizeIsBounded) {
  std::string big = fmt::format("\"{}\"", std::string(ParsedBody::kMaxBytes, 'x'));
  ParsedBody parsed = parseJsonBody(big);
  EXPECT_FALSE(parsed.json);
  EXPECT_NE(parsed.error.find("too large"), std::string::npos);
}

}  // namespace
}  // namespace pharos::health
