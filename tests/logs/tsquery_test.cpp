#include "logs/tsquery.h"

#include <gtest/gtest.h>

namespace pharos::logs {
namespace {

TEST(TsqueryTest, TranslatesWhatFtsExpressionWrites) {
  EXPECT_EQ(tsqueryFromFts("\"disk\""), "'disk'");
  EXPECT_EQ(tsqueryFromFts("\"service_api\" AND (\"level_warn\" OR \"level_error\")"),
            "'service_api' & ('level_warn' | 'level_error')");
  EXPECT_EQ(tsqueryFromFts("\"host_web\" AND \"host_1\"*"), "'host_web' & 'host_1':*");
  EXPECT_EQ(tsqueryFromFts("\"grüße\""), "'grüße'");
}

TEST(TsqueryTest, CutsLongTokensTheSameWayOnBothSides) {
  std::string word(2500, 'a');
  auto query = tsqueryFromFts("\"" + word + "\"");
  ASSERT_TRUE(query);
  EXPECT_EQ(*query, "'" + std::string(kMaxLexemeBytes, 'a') + "':*");
  auto doc = lexemeDocument("short " + word + " ");
  ASSERT_TRUE(doc);
  EXPECT_EQ(*doc, "short " + std::string(kMaxLexemeBytes, 'a'));
  // A cut never splits a UTF-8 character.
  std::string umlauts;
  while (umlauts.size() < 2100)
    umlauts += "ü";
  auto cut = lexemeDocument(umlauts);
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->size(), kMaxLexemeBytes);
  EXPECT_EQ(static_cast<unsigned char>(cut->back()), 0xBCu);  // the second byte of "ü"
}

TEST(TsqueryTest, RefusesWhatPostgresWouldRefuse) {
  EXPECT_FALSE(tsqueryFromFts("\"bad\xff\""));
  EXPECT_FALSE(tsqueryFromFts("\"unterminated"));
  EXPECT_FALSE(lexemeDocument("bad\xff token"));
  EXPECT_FALSE(lexemeDocument(std::string(kMaxTsvectorDocBytes + 1, 'a')));
}

}  // namespace
}  // namespace pharos::logs
