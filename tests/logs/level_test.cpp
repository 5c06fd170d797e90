#include "logs/level.h"

#include <gtest/gtest.h>

namespace pharos::logs {
namespace {

TEST(LevelTest, NamesAndAbbreviationsAnyCase) {
  EXPECT_EQ(parseLevel("trace"), Level::kTrace);
  EXPECT_EQ(parseLevel("TRC"), Level::kTrace);
  EXPECT_EQ(parseLevel("Debug"), Level::kDebug);
  EXPECT_EQ(parseLevel("dbg"), Level::kDebug);
  EXPECT_EQ(parseLevel("INFO"), Level::kInfo);
  EXPECT_EQ(parseLevel("information"), Level::kInfo);
  EXPECT_EQ(parseLevel("Informational"), Level::kInfo);
  EXPECT_EQ(parseLevel("notice"), Level::kInfo);
  EXPECT_EQ(parseLevel("I"), Level::kInfo);
  EXPECT_EQ(parseLevel("warn"), Level::kWarn);
  EXPECT_EQ(parseLevel("WARNING"), Level::kWarn);
  EXPECT_EQ(parseLevel("W"), Level::kWarn);
  EXPECT_EQ(parseLevel("error"), Level::kError);
  EXPECT_EQ(parseLevel("ERR"), Level::kError);
  EXPECT_EQ(parseLevel("e"), Level::kError);
  EXPECT_EQ(parseLevel("SEVERE"), Level::kError);
  EXPECT_EQ(parseLevel("crit"), Level::kFatal);
  EXPECT_EQ(parseLevel("Critical"), Level::kFatal);
  EXPECT_EQ(parseLevel("alert"), Level::kFatal);
  EXPECT_EQ(parseLevel("emerg"), Level::kFatal);
  EXPECT_EQ(parseLevel("EMERGENCY"), Level::kFatal);
  EXPECT_EQ(parseLevel("fatal"), Level::kFatal);
  EXPECT_EQ(parseLevel("panic"), Level::kFatal);
  EXPECT_EQ(parseLevel("F"), Level::kFatal);
  EXPECT_EQ(parseLevel("  warn "), Level::kWarn);
}

TEST(LevelTest, NumbersAreSyslogSeverities) {
  EXPECT_EQ(parseLevel("0"), Level::kFatal);
  EXPECT_EQ(parseLevel("2"), Level::kFatal);
  EXPECT_EQ(parseLevel("3"), Level::kError);
  EXPECT_EQ(parseLevel("4"), Level::kWarn);
  EXPECT_EQ(parseLevel("5"), Level::kInfo);
  EXPECT_EQ(parseLevel("6"), Level::kInfo);
  EXPECT_EQ(parseLevel("7"), Level::kDebug);
  EXPECT_EQ(parseLevel("8"), Level::kUnknown);
  EXPECT_EQ(parseLevel("10"), Level::kUnknown);
}

TEST(LevelTest, UnknownWords) {
  EXPECT_EQ(parseLevel(""), Level::kUnknown);
  EXPECT_EQ(parseLevel("verbosely"), Level::kUnknown);
  EXPECT_EQ(parseLevel("informationalx"), Level::kUnknown);
  EXPECT_EQ(parseLevel("ok"), Level::kUnknown);
  EXPECT_EQ(parseLevel(std::string_view("in\0o", 4)), Level::kUnknown);
}

TEST(LevelTest, SyslogSeverity) {
  EXPECT_EQ(fromSyslogSeverity(-1), Level::kUnknown);
  EXPECT_EQ(fromSyslogSeverity(1), Level::kFatal);
  EXPECT_EQ(fromSyslogSeverity(3), Level::kError);
  EXPECT_EQ(fromSyslogSeverity(4), Level::kWarn);
  EXPECT_EQ(fromSyslogSeverity(5), Level::kInfo);
  EXPECT_EQ(fromSyslogSeverity(7), Level::kDebug);
  EXPECT_EQ(fromSyslogSeverity(8), Level::kUnknown);
}

TEST(LevelTest, OtlpSeverityNumberBands) {
  EXPECT_EQ(fromOtlpSeverityNumber(0), Level::kUnknown);
  EXPECT_EQ(fromOtlpSeverityNumber(1), Level::kTrace);
  EXPECT_EQ(fromOtlpSeverityNumber(4), Level::kTrace);
  EXPECT_EQ(fromOtlpSeverityNumber(5), Level::kDebug);
  EXPECT_EQ(fromOtlpSeverityNumber(9), Level::kInfo);
  EXPECT_EQ(fromOtlpSeverityNumber(12), Level::kInfo);
  EXPECT_EQ(fromOtlpSeverityNumber(13), Level::kWarn);
  EXPECT_EQ(fromOtlpSeverityNumber(17), Level::kError);
  EXPECT_EQ(fromOtlpSeverityNumber(21), Level::kFatal);
  EXPECT_EQ(fromOtlpSeverityNumber(24), Level::kFatal);
  EXPECT_EQ(fromOtlpSeverityNumber(25), Level::kUnknown);
}

}  // namespace
}  // namespace pharos::logs
