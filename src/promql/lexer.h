#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pharos::promql {

enum class TokenType {
  kEnd,
  kIdentifier,  // metric or label name, keyword, function name
  kNumber,
  kString,
  kDuration,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kAssign,      // =
  kNotEqual,    // !=
  kRegexMatch,  // =~
  kRegexNoMatch,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqual,  // ==
  kGreater,
  kLess,
  kGreaterEqual,
  kLessEqual,
  kAt,
  kColon,
};

struct Token {
  TokenType type = TokenType::kEnd;
  std::size_t pos = 0;          // byte offset in the query
  std::string_view text;        // the raw spelling
  double number = 0;            // kNumber
  std::int64_t durationMs = 0;  // kDuration
  std::string value;            // kString, unquoted
};

// Splits a query into tokens (the last one kEnd). Errors carry the position like the parser's.
Result<std::vector<Token>> tokenize(std::string_view query);

// Prometheus durations: "5m", "1h30m", "500ms"; units y w d h m s ms, in that order, each at
// most once. A bare number is not a duration.
Result<std::int64_t> parsePromDuration(std::string_view text);

// "LINE:COL: message" as kInvalidArgument, with context "position=N" (byte offset).
Error syntaxError(std::string_view query, std::size_t pos, std::string_view message);

}  // namespace pharos::promql
