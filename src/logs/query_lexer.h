#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pharos::logs {

enum class QueryTokenKind : std::uint8_t {
  kEnd,
  kWord,    // a run of anything but space and ( ) " : < > = |  (stage: of field-name chars)
  kQuoted,  // "..." with \" and \\ escapes; `prefix` when a '*' follows the closing quote
  kLParen,
  kRParen,
  kColon,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kMinus,  // '-' starting a word: negation (`-debug`)
  kPipe,
  kComma,  // stage only
};

struct QueryToken {
  QueryTokenKind kind = QueryTokenKind::kEnd;
  std::string text;  // kWord: as written; kQuoted: unescaped
  std::size_t offset = 0;
  bool prefix = false;
};

// Describes a token for error messages: "'foo'", "')'", "the end of the query".
std::string describeToken(const QueryToken& token);

// "column 14: <what>", as kInvalidArgument with context "column=14".
Error queryError(std::size_t offset, std::string_view what);

// Splits query text on demand: the parser pulls one token at a time and switches to stage
// mode after a '|', where ',' separates field names and every other character must be one.
class QueryLexer {
 public:
  explicit QueryLexer(std::string_view text) : text_(text) {}

  Result<QueryToken> next();
  void enterStageMode() { stageMode_ = true; }

 private:
  // After next()'s shared start (spaces, end, brackets and pipes): the rest of a search
  // term, or a word of a stats stage, which has fewer special characters.
  Result<QueryToken> queryToken(QueryToken token, bool afterOperator);
  Result<QueryToken> stageWord(QueryToken token);
  QueryToken punctuation(QueryToken token, QueryTokenKind kind);
  Result<QueryToken> quoted();
  void skipSpaces();

  std::string_view text_;
  std::size_t pos_ = 0;
  bool stageMode_ = false;
  // '-' right after ':' or a comparison is part of the value (`latency_ms>-5`).
  bool afterOperator_ = false;
};

}  // namespace pharos::logs
