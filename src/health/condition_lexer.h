#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "health/condition_ast.h"

// Splits a condition into tokens on demand: the parser pulls them one at a time because the
// arguments of pat() and any() are read raw, not as tokens. Internal to the health module.
namespace pharos::health {

enum class TokenKind {
  kEnd,
  kLeftParen,
  kRightParen,
  kAnd,        // &&
  kOr,         // ||
  kCompare,    // == != < <= > >=
  kReference,  // [BODY].a[0], [HEADER].name, [STATUS]
  kString,     // "quoted", unescaped
  kWord,       // unquoted: ok, 200, 168h, 127.0.0.1
  kFunction,   // len( has( pat( any(: the name and its opening parenthesis
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;
  std::string_view source;           // the raw spelling
  CompareOp op = CompareOp::kEqual;  // kCompare
  Reference reference;               // kReference
  std::string text;                  // kString (unescaped), kWord, kFunction (the name)
};

// One argument of pat() or an item of any(): quoted, or raw text up to the delimiter.
struct RawArgument {
  std::string text;
  bool quoted = false;
  size_t offset = 0;
};

// A syntax error: kInvalidArgument, message "what at offset N hint", context "offset=N".
Error conditionSyntaxError(size_t offset, std::string_view what, std::string_view hint = {});

class ConditionLexer {
 public:
  explicit ConditionLexer(std::string_view text) : text_(text) {}

  Result<Token> next();

  // After `pat(`: the pattern, quoted or raw up to the first ')', which is consumed.
  Result<RawArgument> patternArgument();
  // After `any(`: the comma-separated items up to the first ')' outside quotes, consumed.
  Result<std::vector<RawArgument>> listArguments();

  size_t offset() const { return pos_; }

 private:
  void skipSpaces();
  Result<Token> lexReference();
  Result<std::vector<PathStep>> lexPath();
  Result<std::string> lexHeaderName();
  Result<std::string> lexQuoted();
  Result<Token> lexWord();
  // Raw text up to one of `stops` (not consumed), without surrounding spaces.
  RawArgument rawUntil(std::string_view stops);

  std::string_view text_;
  size_t pos_ = 0;
};

// Whether `c` ends an unquoted word or a JSON path key.
bool endsWord(char c);

// For messages: the token as the user wrote it, cut to a readable length.
std::string describeToken(const Token& t);

}  // namespace pharos::health
