#include "core/text.h"

#include <gtest/gtest.h>

namespace pharos {
namespace {

TEST(TextTest, CaseInsensitiveAsciiComparison) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_FALSE(iequals("Content-Length", "content-lengt"));
  EXPECT_TRUE(istartsWith("GZIP;q=1", "gzip"));
  EXPECT_FALSE(istartsWith("gz", "gzip"));
}

TEST(TextTest, TrimsOnlySpacesAndTabs) {
  EXPECT_EQ(trimSpaces(" \t gzip \t"), "gzip");
  EXPECT_EQ(trimSpaces("\ngzip\n"), "\ngzip\n");
  EXPECT_EQ(trimSpaces("   "), "");
}

TEST(TextTest, SplitsKeepingEmptyPieces) {
  EXPECT_EQ(splitString("a,,b", ','), (std::vector<std::string_view>{"a", "", "b"}));
  EXPECT_EQ(splitString("", ','), (std::vector<std::string_view>{""}));
  EXPECT_EQ(splitString("api,", ','), (std::vector<std::string_view>{"api", ""}));
}

TEST(TextTest, JsonStringsAreAlwaysValid) {
  std::string out;
  appendJsonString(out, std::string("a\"b\\c\n\x01 \xc3\xa9 \xff", 12));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001 \xc3\xa9 \\ufffd\"");
}

}  // namespace
}  // namespace pharos
