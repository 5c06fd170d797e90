#include "core/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pharos::logging {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setSinkForTesting([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    setSinkForTesting({});
    configure(Settings{});
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, WritesOneJsonObjectPerLine) {
  Logger log("logtest");
  log.info("queue \"created\"", {{"queue", "orders"}, {"depth", 3}, {"ok", true}});
  ASSERT_EQ(lines_.size(), 1u);
  const std::string& line = lines_[0];
  EXPECT_NE(line.find("\"level\":\"info\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"module\":\"logtest\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"msg\":\"queue \\\"created\\\"\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"queue\":\"orders\",\"depth\":3,\"ok\":true}"), std::string::npos) << line;
}

TEST_F(LogTest, LevelsArePerModule) {
  Settings s;
  s.level = Level::kWarn;
  s.modules["chatty"] = Level::kDebug;
  configure(s);
  Logger quiet("quiet");
  Logger chatty("chatty");
  quiet.info("dropped");
  chatty.debug("kept");
  quiet.error("kept too");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_NE(lines_[0].find("kept"), std::string::npos);
  EXPECT_FALSE(quiet.enabled(Level::kInfo));
  EXPECT_TRUE(chatty.enabled(Level::kDebug));
}

TEST_F(LogTest, SecretsAreRedacted) {
  Logger log("logtest");
  Secret token("hunter2-very-secret");
  log.warn("login", {{"token", token}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].find("hunter2"), std::string::npos);
  EXPECT_NE(lines_[0].find("[redacted]"), std::string::npos);
}

TEST_F(LogTest, ControlCharactersAreEscaped) {
  Logger log("logtest");
  log.info(std::string("a\nb\x01", 4));
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("a\\nb\\u0001"), std::string::npos) << lines_[0];
}

TEST(LogLevelTest, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(*parseLevel("debug"), Level::kDebug);
  EXPECT_FALSE(parseLevel("loud").ok());
}

}  // namespace
}  // namespace pharos::logging
