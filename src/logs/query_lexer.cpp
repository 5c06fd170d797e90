#include "logs/query_lexer.h"

#include <string>
#include <utility>

namespace pharos::logs {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool isSpecial(char c) {
  return isSpace(c) || c == '(' || c == ')' || c == '"' || c == ':' || c == '<' || c == '>' ||
         c == '=' || c == '|';
}

bool isStageWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '/';
}

}  // namespace

std::string describeToken(const QueryToken& token) {
  switch (token.kind) {
    case QueryTokenKind::kEnd:
      return "the end of the query";
    case QueryTokenKind::kWord:
      return "'" + token.text + "'";
    case QueryTokenKind::kQuoted:
      return "a quoted string";
    case QueryTokenKind::kLParen:
      return "'('";
    case QueryTokenKind::kRParen:
      return "')'";
    case QueryTokenKind::kColon:
      return "':'";
    case QueryTokenKind::kLess:
      return "'<'";
    case QueryTokenKind::kLessEqual:
      return "'<='";
    case QueryTokenKind::kGreater:
      return "'>'";
    case QueryTokenKind::kGreaterEqual:
      return "'>='";
    case QueryTokenKind::kMinus:
      return "'-'";
    case QueryTokenKind::kPipe:
      return "'|'";
    case QueryTokenKind::kComma:
      return "','";
  }
  return "a token";
}

Error queryError(std::size_t offset, std::string_view what) {
  std::string column = std::to_string(offset + 1);
  return makeError(ErrorCode::kInvalidArgument, "column " + column + ": " + std::string(what),
                   "column=" + column);
}

void QueryLexer::skipSpaces() {
  while (pos_ < text_.size() && isSpace(text_[pos_]))
    ++pos_;
}

Result<QueryToken> QueryLexer::next() {
  skipSpaces();
  bool afterOperator = std::exchange(afterOperator_, false);
  QueryToken token;
  token.offset = pos_;
  if (pos_ >= text_.size()) return token;
  switch (text_[pos_]) {
    case '(':
      return punctuation(token, QueryTokenKind::kLParen);
    case ')':
      return punctuation(token, QueryTokenKind::kRParen);
    case '|':
      return punctuation(token, QueryTokenKind::kPipe);
    case ',':
      if (stageMode_) return punctuation(token, QueryTokenKind::kComma);
      break;
    default:
      break;
  }
  return stageMode_ ? stageWord(token) : queryToken(token, afterOperator);
}

QueryToken QueryLexer::punctuation(QueryToken token, QueryTokenKind kind) {
  token.kind = kind;
  ++pos_;
  return token;
}

Result<QueryToken> QueryLexer::queryToken(QueryToken token, bool afterOperator) {
  char c = text_[pos_];
  switch (c) {
    case ':':
      afterOperator_ = true;
      return punctuation(token, QueryTokenKind::kColon);
    case '<':
    case '>': {
      bool less = c == '<';
      afterOperator_ = true;
      if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '=') {
        ++pos_;
        return punctuation(token,
                           less ? QueryTokenKind::kLessEqual : QueryTokenKind::kGreaterEqual);
      }
      return punctuation(token, less ? QueryTokenKind::kLess : QueryTokenKind::kGreater);
    }
    case '=':
      return queryError(pos_, "unexpected '=': write field:value (or -field:value for 'not')");
    case '"':
      return quoted();
    default:
      break;
  }
  if (c == '-' && !afterOperator && pos_ + 1 < text_.size() && !isSpace(text_[pos_ + 1])) {
    return punctuation(token, QueryTokenKind::kMinus);
  }
  std::size_t start = pos_;
  while (pos_ < text_.size() && !isSpecial(text_[pos_]))
    ++pos_;
  token.kind = QueryTokenKind::kWord;
  token.text.assign(text_.substr(start, pos_ - start));
  return token;
}

Result<QueryToken> QueryLexer::quoted() {
  QueryToken token;
  token.kind = QueryTokenKind::kQuoted;
  token.offset = pos_;
  ++pos_;  // the opening quote
  while (true) {
    if (pos_ >= text_.size()) return queryError(token.offset, "'\"' is never closed");
    char c = text_[pos_++];
    if (c == '"') break;
    if (c == '\\' && pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\\')) {
      c = text_[pos_++];
    }
    token.text += c;
  }
  if (pos_ < text_.size() && text_[pos_] == '*') {
    token.prefix = true;
    ++pos_;
  }
  return token;
}

Result<QueryToken> QueryLexer::stageWord(QueryToken token) {
  char c = text_[pos_];
  if (!isStageWordChar(c)) {
    return queryError(pos_, "unexpected character '" + std::string(1, c) + "' in the stage");
  }
  std::size_t start = pos_;
  while (pos_ < text_.size() && isStageWordChar(text_[pos_]))
    ++pos_;
  token.kind = QueryTokenKind::kWord;
  token.text.assign(text_.substr(start, pos_ - start));
  return token;
}

}  // namespace pharos::logs
