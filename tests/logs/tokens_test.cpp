#include "logs/tokens.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pharos::logs {
namespace {

std::vector<std::string> tokensOf(std::string_view text) {
  std::vector<std::string> out;
  forEachToken(text, [&](std::string_view t) { out.emplace_back(t); });
  return out;
}

TEST(TokensTest, SplitsOnEverythingButLettersDigitsUnderscoreAndUtf8) {
  EXPECT_EQ(
      tokensOf("GET /api/v1 -> 503 (took 12.5ms) user_id=7"),
      (std::vector<std::string>{"GET", "api", "v1", "503", "took", "12", "5ms", "user_id", "7"}));
  EXPECT_EQ(tokensOf("café crème"), (std::vector<std::string>{"café", "crème"}));
  EXPECT_TRUE(tokensOf("").empty());
  EXPECT_TRUE(tokensOf(" -- ... !!").empty());
}

TEST(TokensTest, LowercasesAsciiOnly) {
  std::string out = "left over";
  lowercaseAscii("HeLLo ÉTÉ", out);
  EXPECT_EQ(out, "hello ÉtÉ");
}

TEST(TokensTest, FieldTokensJoinNameAndLowercasedValueTokens) {
  std::vector<std::string> out;
  forEachFieldToken("host", "Web-1.EU", [&](std::string_view t) { out.emplace_back(t); });
  EXPECT_EQ(out, (std::vector<std::string>{"host_web", "host_1", "host_eu"}));
}

TEST(TokensTest, IndexDocumentHoldsMessageTokensThenFieldTokens) {
  Record r;
  r.message = "Connection REFUSED to 10.0.0.5";
  r.service = "API";
  r.level = Level::kError;
  r.httpStatus = 503;
  r.host = "web-1";
  r.traceId = "4bf92f";
  r.attributes.push_back({"pod", "x"});
  std::string doc;
  appendIndexDocument(r, doc);
  EXPECT_EQ(doc,
            "connection refused to 10 0 0 5 service_api level_error status_503 host_web host_1 "
            "trace_id_4bf92f");
  Record bare;
  std::string empty;
  appendIndexDocument(bare, empty);
  EXPECT_EQ(empty, "");
}

}  // namespace
}  // namespace pharos::logs
