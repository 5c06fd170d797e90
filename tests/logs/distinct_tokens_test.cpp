#include "logs/distinct_tokens.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "logs/index_blocks.h"
#include "logs/tokens.h"

namespace pharos::logs {
namespace {

std::multiset<std::string> wordsOf(std::string_view doc) {
  std::multiset<std::string> out;
  std::size_t at = 0;
  while (at < doc.size()) {
    std::size_t space = doc.find(' ', at);
    EXPECT_NE(space, std::string_view::npos) << "every word is followed by a space";
    if (space == std::string_view::npos) break;
    out.emplace(doc.substr(at, space - at));
    at = space + 1;
  }
  return out;
}

TEST(DistinctTokensTest, KeepsEachLowercasedTokenOnce) {
  DistinctTokens tokens(2);
  for (std::string_view t : {"GET", "get", "Get", "api", "API", "gets", "ge"})
    tokens.add({}, t);
  tokens.add("host", "Web");
  tokens.add("host", "web");
  tokens.add({}, "host_web");  // the same word as the field token above
  EXPECT_EQ(tokens.size(), 5u);
  EXPECT_EQ(wordsOf(tokens.take()),
            (std::multiset<std::string>{"get", "api", "gets", "ge", "host_web"}));
  EXPECT_EQ(tokens.size(), 0u);
  EXPECT_EQ(tokens.take(), "");
}

TEST(DistinctTokensTest, TellsApartWordsThatDifferPastTheirFirstEightBytes) {
  DistinctTokens tokens;
  for (std::string_view t : {"abcdefgh", "abcdefghi", "abcdefghij", "abcdefgh1234567X",
                             "abcdefgh1234567Y", "abcdefgh1234567y", "ABCDEFGH1234567Y"}) {
    tokens.add({}, t);
  }
  EXPECT_EQ(wordsOf(tokens.take()),
            (std::multiset<std::string>{"abcdefgh", "abcdefghi", "abcdefghij", "abcdefgh1234567x",
                                        "abcdefgh1234567y"}));
}

TEST(DistinctTokensTest, FoldsAsciiCaseOnlyAndKeepsUtf8Bytes) {
  DistinctTokens tokens;
  tokens.add({}, "ÉTÉ");
  tokens.add({}, "été");
  tokens.add({}, "CAFÉ_Crème");
  EXPECT_EQ(wordsOf(tokens.take()), (std::multiset<std::string>{"ÉtÉ", "été", "cafÉ_crème"}));
}

TEST(DistinctTokensTest, GrowsPastWhatItExpectedAndIsReusable) {
  DistinctTokens tokens(1);
  for (int round = 0; round < 2; ++round) {
    std::set<std::string> expected;
    for (int i = 0; i < 5000; ++i) {
      std::string t =
          "Tok" + std::to_string(i % 3000) + std::string(static_cast<std::size_t>(i % 13), 'X');
      tokens.add({}, t);
      std::string lower;
      lowercaseAscii(t, lower);
      expected.insert(lower);
    }
    EXPECT_EQ(tokens.size(), expected.size());
    auto words = wordsOf(tokens.take());
    EXPECT_EQ(std::set<std::string>(words.begin(), words.end()), expected);
    EXPECT_EQ(words.size(), expected.size()) << "no word twice";
  }
}

// addText() reads the lowercased text 8 bytes at a time past each token's end: the same set as
// a token at a time, for tokens of every length up to the text's last byte.
TEST(DistinctTokensTest, AddTextAddsWhatAddAddsForEachToken) {
  std::mt19937 rng(5);
  const std::string alphabet = "aAbB09_-. /\xc3\xa9Z";
  for (int round = 0; round < 200; ++round) {
    std::string text;
    const std::size_t n = rng() % 90;
    for (std::size_t i = 0; i < n; ++i)
      text += alphabet[rng() % alphabet.size()];
    DistinctTokens byText, byToken;
    byText.addText(text);
    byText.addText(text.substr(0, n / 2));
    for (std::string_view part : {std::string_view(text), std::string_view(text).substr(0, n / 2)})
      forEachToken(part, [&](std::string_view t) { byToken.add({}, t); });
    EXPECT_EQ(byText.size(), byToken.size()) << text;
    auto a = wordsOf(byText.take()), b = wordsOf(byToken.take());
    EXPECT_EQ(a, b) << text;
  }
  DistinctTokens tokens;
  tokens.add("host", "Web");
  tokens.addText("HOST_WEB Host_Web abcdefghIJKLMNOP abcdefghijklmnop ABCDEFGHIJKLMNOPQ");
  EXPECT_EQ(wordsOf(tokens.take()),
            (std::multiset<std::string>{"host_web", "abcdefghijklmnop", "abcdefghijklmnopq"}));
}

// A block's document is the set of the words of its records' index documents: what a search
// of any one of them narrows to.
TEST(DistinctTokensTest, BlockDocumentIsTheSetOfItsRecordsIndexDocumentWords) {
  std::mt19937 rng(11);
  const char* words[] = {"GET", "get",  "Timeout",  "upstream", "ÉTÉ",          "user_id",
                         "42",  "0x1F", "web-1.EU", "a",        "abcdefghijkl", "ABCDEFGHIJKL"};
  auto pick = [&] { return std::string(words[rng() % std::size(words)]); };
  std::vector<Record> records(300);
  for (auto& r : records) {
    for (int i = 0; i < 12; ++i)
      r.message += pick() + (rng() % 2 ? " " : "/");
    r.service = pick();
    r.level = static_cast<Level>(rng() % 7);
    r.httpStatus = rng() % 3 ? 0 : static_cast<int>(200 + rng() % 400);
    r.host = pick();
    r.traceId = std::to_string(rng());
    r.attributes.push_back({"pod", pick()});
    r.attributes.push_back({"k8s.ns", pick()});
  }
  std::vector<const Record*> block;
  for (const auto& r : records)
    block.push_back(&r);
  std::vector<std::string> indexed{"k8s.ns"};
  std::string all;
  for (const auto& r : records) {
    appendIndexDocument(r, all, indexed);
    all += ' ';
  }
  std::set<std::string> expected;
  forEachToken(all, [&](std::string_view t) { expected.emplace(t); });
  auto got = wordsOf(blockDocument(block, indexed));
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected);
  EXPECT_EQ(got.size(), expected.size()) << "no word twice";
  EXPECT_TRUE(expected.count("attr_k8s_ns_web"));
}

}  // namespace
}  // namespace pharos::logs
