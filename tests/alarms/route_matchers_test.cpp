#include "alarms/route_matchers.h"

#include <gtest/gtest.h>

namespace pharos::alarms {
namespace {

std::vector<std::string> texts(std::string_view input) {
  auto parsed = parseAlertMatchers(input);
  EXPECT_TRUE(parsed.ok()) << input << ": " << (parsed.ok() ? "" : parsed.error().message);
  std::vector<std::string> out;
  if (parsed.ok()) {
    for (const auto& m : *parsed)
      out.push_back(m.str());
  }
  return out;
}

TEST(RouteMatchersTest, ReadsPromqlQuotedMatchers) {
  EXPECT_EQ(texts(R"(severity="page")"), std::vector<std::string>{R"(severity="page")"});
  EXPECT_EQ(texts(R"(team=~"db|infra")"), std::vector<std::string>{R"(team=~"db|infra")"});
  EXPECT_EQ(texts(R"({a="1", b!="2"})"), (std::vector<std::string>{R"(a="1")", R"(b!="2")"}));
}

TEST(RouteMatchersTest, ReadsAlertmanagerUnquotedValues) {
  EXPECT_EQ(texts("severity=page"), std::vector<std::string>{R"(severity="page")"});
  EXPECT_EQ(texts("team =~ db|infra"), std::vector<std::string>{R"(team=~"db|infra")"});
  EXPECT_EQ(texts("{env!=dev, job!~api.*}"),
            (std::vector<std::string>{R"(env!="dev")", R"(job!~"api.*")"}));
  // A quote or backslash inside an unquoted value is a plain character.
  EXPECT_EQ(texts(R"(msg=say "hi" \o/)"), std::vector<std::string>{R"(msg="say \"hi\" \\o/")"});
  // Mixed quoted and unquoted items, a comma inside quotes.
  EXPECT_EQ(texts(R"(a=1, b="x,y")"), (std::vector<std::string>{R"(a="1")", R"(b="x,y")"}));
  EXPECT_EQ(texts("gone="), std::vector<std::string>{R"(gone="")"});
}

TEST(RouteMatchersTest, RefusesWhatIsNoMatcher) {
  for (std::string_view bad :
       {"", "{}", "severity", "=page", "9a=b", R"(a="unterminated)", "team=~(",
        "{# only a comment}", R"(a=~"(x)\\1")", R"(a=~\3333333333333333333333)"}) {
    auto parsed = parseAlertMatchers(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
      EXPECT_NE(parsed.error().message.find(std::string(bad)), std::string::npos)
          << parsed.error().message;
    }
  }
}

TEST(RouteMatchersTest, MatchesAllRequiresEveryMatcher) {
  auto m = parseAlertMatchers(R"(severity="page", team=~"db|infra")").value();
  EXPECT_TRUE(matchesAll(m, Labels{{"severity", "page"}, {"team", "db"}}));
  EXPECT_FALSE(matchesAll(m, Labels{{"severity", "page"}, {"team", "web"}}));
  EXPECT_FALSE(matchesAll(m, Labels{{"team", "db"}}));
  EXPECT_TRUE(matchesAll({}, Labels{}));
}

}  // namespace
}  // namespace pharos::alarms
