#include "logs/level.h"

#include "core/text.h"

namespace pharos::logs {
namespace {

struct LevelName {
  std::string_view name;
  Level level;
};

// Lower case; compared after folding the input.
constexpr LevelName kNames[] = {
    {"trace", Level::kTrace},  {"trc", Level::kTrace},        {"t", Level::kTrace},
    {"finest", Level::kTrace}, {"debug", Level::kDebug},      {"dbg", Level::kDebug},
    {"d", Level::kDebug},      {"verbose", Level::kDebug},    {"fine", Level::kDebug},
    {"finer", Level::kDebug},  {"info", Level::kInfo},        {"inf", Level::kInfo},
    {"i", Level::kInfo},       {"information", Level::kInfo}, {"informational", Level::kInfo},
    {"notice", Level::kInfo},  {"warn", Level::kWarn},        {"warning", Level::kWarn},
    {"wrn", Level::kWarn},     {"w", Level::kWarn},           {"error", Level::kError},
    {"err", Level::kError},    {"e", Level::kError},          {"severe", Level::kError},
    {"fatal", Level::kFatal},  {"ftl", Level::kFatal},        {"f", Level::kFatal},
    {"crit", Level::kFatal},   {"critical", Level::kFatal},   {"crt", Level::kFatal},
    {"alert", Level::kFatal},  {"emerg", Level::kFatal},      {"emergency", Level::kFatal},
    {"panic", Level::kFatal},  {"pnc", Level::kFatal},
};

}  // namespace

Level parseLevel(std::string_view text) {
  text = trimSpaces(text);
  if (text.empty() || text.size() > 13) return Level::kUnknown;
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '7') {
    return fromSyslogSeverity(text[0] - '0');
  }
  char lower[13];
  for (std::size_t i = 0; i < text.size(); ++i)
    lower[i] = asciiLower(text[i]);
  std::string_view folded(lower, text.size());
  for (const LevelName& entry : kNames) {
    if (entry.name == folded) return entry.level;
  }
  return Level::kUnknown;
}

Level fromSyslogSeverity(int severity) {
  if (severity < 0 || severity > 7) return Level::kUnknown;
  if (severity <= 2) return Level::kFatal;
  if (severity == 3) return Level::kError;
  if (severity == 4) return Level::kWarn;
  if (severity <= 6) return Level::kInfo;
  return Level::kDebug;
}

Level fromOtlpSeverityNumber(int number) {
  if (number < 1 || number > 24) return Level::kUnknown;
  static constexpr Level kBands[] = {Level::kTrace, Level::kDebug, Level::kInfo,
                                     Level::kWarn,  Level::kError, Level::kFatal};
  return kBands[(number - 1) / 4];
}

}  // namespace pharos::logs
