#include "health/condition_lexer.h"

#include <array>
#include <cctype>

#include <fmt/format.h>

#include "core/config/suggest.h"
#include "health/condition_value.h"

namespace pharos::health {
namespace {

constexpr std::array<std::string_view, 4> kFunctions{"len", "has", "pat", "any"};
constexpr size_t kMaxIndexDigits = 9;
constexpr size_t kMaxDescribed = 32;

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool isHeaderNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

bool isFunction(std::string_view word) {
  for (std::string_view f : kFunctions) {
    if (f == word) return true;
  }
  return false;
}

Error unknownPlaceholder(size_t offset, std::string_view name) {
  std::string hint;
  if (auto likely = likelyPlaceholder(name)) hint = fmt::format(" (did you mean [{}]?)", *likely);
  return conditionSyntaxError(
      offset, fmt::format("unknown placeholder [{}]", truncateUtf8(name, kMaxDescribed)), hint);
}

}  // namespace

Error conditionSyntaxError(size_t offset, std::string_view what, std::string_view hint) {
  return makeError(ErrorCode::kInvalidArgument,
                   fmt::format("{} at offset {}{}", what, offset, hint),
                   fmt::format("offset={}", offset));
}

bool endsWord(char c) {
  if (isSpace(c)) return true;
  switch (c) {
    case '(':
    case ')':
    case '[':
    case ']':
    case '"':
    case ',':
    case '=':
    case '!':
    case '<':
    case '>':
    case '&':
    case '|':
      return true;
    default:
      return false;
  }
}

std::string describeToken(const Token& t) {
  if (t.kind == TokenKind::kEnd) return "end of condition";
  return fmt::format("'{}'", truncateUtf8(t.source, kMaxDescribed));
}

void ConditionLexer::skipSpaces() {
  while (pos_ < text_.size() && isSpace(text_[pos_]))
    ++pos_;
}

Result<Token> ConditionLexer::next() {
  skipSpaces();
  Token t;
  t.offset = pos_;
  if (pos_ == text_.size()) {
    t.kind = TokenKind::kEnd;
    return t;
  }
  char c = text_[pos_];
  char after = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  auto single = [&](TokenKind kind, size_t length) {
    t.kind = kind;
    t.source = text_.substr(pos_, length);
    pos_ += length;
    return t;
  };
  auto compare = [&](CompareOp op, size_t length) {
    t.op = op;
    return single(TokenKind::kCompare, length);
  };
  switch (c) {
    case '(':
      return single(TokenKind::kLeftParen, 1);
    case ')':
      return single(TokenKind::kRightParen, 1);
    case '[':
      return lexReference();
    case '"': {
      PHAROS_ASSIGN_OR_RETURN(t.text, lexQuoted());
      t.kind = TokenKind::kString;
      t.source = text_.substr(t.offset, pos_ - t.offset);
      return t;
    }
    case '=':
      if (after == '=') return compare(CompareOp::kEqual, 2);
      return conditionSyntaxError(pos_, "unexpected '='", " (use == to compare)");
    case '!':
      if (after == '=') return compare(CompareOp::kNotEqual, 2);
      return conditionSyntaxError(pos_, "unexpected '!'", " (use != to compare)");
    case '<':
      return after == '=' ? compare(CompareOp::kLessEqual, 2) : compare(CompareOp::kLess, 1);
    case '>':
      return after == '=' ? compare(CompareOp::kGreaterEqual, 2) : compare(CompareOp::kGreater, 1);
    case '&':
      if (after == '&') return single(TokenKind::kAnd, 2);
      return conditionSyntaxError(pos_, "unexpected '&'", " (use && to combine)");
    case '|':
      if (after == '|') return single(TokenKind::kOr, 2);
      return conditionSyntaxError(pos_, "unexpected '|'", " (use || to combine)");
    case ']':
    case ',':
      return conditionSyntaxError(pos_, fmt::format("unexpected '{}'", c));
    default:
      return lexWord();
  }
}

Result<Token> ConditionLexer::lexReference() {
  Token t;
  t.kind = TokenKind::kReference;
  t.offset = pos_;
  size_t nameStart = ++pos_;
  while (pos_ < text_.size() && isNameChar(text_[pos_]))
    ++pos_;
  std::string_view name = text_.substr(nameStart, pos_ - nameStart);
  if (name.empty()) return conditionSyntaxError(t.offset, "expected a placeholder name after '['");
  if (pos_ == text_.size() || text_[pos_] != ']') {
    return conditionSyntaxError(
        pos_, fmt::format("expected ']' to close [{}", truncateUtf8(name, kMaxDescribed)));
  }
  ++pos_;
  auto placeholder = placeholderByName(name);
  if (!placeholder) return unknownPlaceholder(t.offset, name);
  t.reference.placeholder = *placeholder;
  bool followed = pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == '[');
  if (*placeholder == Placeholder::kHeader) {
    PHAROS_ASSIGN_OR_RETURN(t.reference.header, lexHeaderName());
  } else if (*placeholder == Placeholder::kBody) {
    PHAROS_ASSIGN_OR_RETURN(t.reference.path, lexPath());
  } else if (followed) {
    return conditionSyntaxError(pos_, fmt::format("[{}] takes no path", name));
  }
  t.source = text_.substr(t.offset, pos_ - t.offset);
  t.reference.spelling = std::string(t.source);
  return t;
}

Result<std::vector<PathStep>> ConditionLexer::lexPath() {
  std::vector<PathStep> path;
  while (pos_ < text_.size()) {
    if (text_[pos_] == '.') {
      size_t start = ++pos_;
      while (pos_ < text_.size() && !endsWord(text_[pos_]) && text_[pos_] != '.')
        ++pos_;
      if (pos_ == start) return conditionSyntaxError(start, "expected a key after '.'");
      path.push_back(PathStep{std::string(text_.substr(start, pos_ - start)), std::nullopt});
    } else if (text_[pos_] == '[') {
      size_t start = ++pos_;
      size_t index = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (pos_ - start == kMaxIndexDigits)
          return conditionSyntaxError(start, "array index too large");
        index = index * 10 + static_cast<size_t>(text_[pos_] - '0');
        ++pos_;
      }
      if (pos_ == start) return conditionSyntaxError(start, "expected an array index after '['");
      if (pos_ == text_.size() || text_[pos_] != ']')
        return conditionSyntaxError(pos_, "expected ']' after the array index");
      ++pos_;
      path.push_back(PathStep{{}, index});
    } else {
      break;
    }
  }
  return path;
}

Result<std::string> ConditionLexer::lexHeaderName() {
  if (pos_ == text_.size() || text_[pos_] != '.') {
    return conditionSyntaxError(pos_, "[HEADER] needs a header name",
                                " (e.g. [HEADER].content-type)");
  }
  size_t start = ++pos_;
  while (pos_ < text_.size() && isHeaderNameChar(text_[pos_]))
    ++pos_;
  if (pos_ == start) return conditionSyntaxError(start, "expected a header name after '.'");
  return std::string(text_.substr(start, pos_ - start));
}

Result<std::string> ConditionLexer::lexQuoted() {
  size_t start = pos_++;
  std::string out;
  while (pos_ < text_.size()) {
    char c = text_[pos_++];
    if (c == '"') return out;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (pos_ == text_.size()) break;
    char escaped = text_[pos_++];
    switch (escaped) {
      case '"':
      case '\\':
        out.push_back(escaped);
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      default:
        return conditionSyntaxError(pos_ - 2, "unknown escape in a string",
                                    " (use \\\" \\\\ \\n \\t or \\r)");
    }
  }
  return conditionSyntaxError(start, "unterminated string");
}

Result<Token> ConditionLexer::lexWord() {
  Token t;
  t.offset = pos_;
  while (pos_ < text_.size() && !endsWord(text_[pos_]))
    ++pos_;
  std::string_view word = text_.substr(t.offset, pos_ - t.offset);
  t.source = word;
  t.text = std::string(word);
  bool callsDirectly = pos_ < text_.size() && text_[pos_] == '(';
  if (isFunction(word)) {
    size_t save = pos_;
    skipSpaces();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      t.kind = TokenKind::kFunction;
      t.source = text_.substr(t.offset, pos_ - t.offset);
      return t;
    }
    pos_ = save;
  } else if (callsDirectly) {
    std::string hint;
    if (auto close = config::closestMatch(word, kFunctions))
      hint = fmt::format(" (did you mean {}()?)", *close);
    return conditionSyntaxError(
        t.offset, fmt::format("unknown function {}()", truncateUtf8(word, kMaxDescribed)), hint);
  }
  t.kind = TokenKind::kWord;
  return t;
}

RawArgument ConditionLexer::rawUntil(std::string_view stops) {
  skipSpaces();
  RawArgument arg;
  arg.offset = pos_;
  while (pos_ < text_.size() && stops.find(text_[pos_]) == std::string_view::npos)
    ++pos_;
  std::string_view raw = text_.substr(arg.offset, pos_ - arg.offset);
  while (!raw.empty() && isSpace(raw.back()))
    raw.remove_suffix(1);
  arg.text = std::string(raw);
  return arg;
}

Result<RawArgument> ConditionLexer::patternArgument() {
  skipSpaces();
  RawArgument arg;
  if (pos_ < text_.size() && text_[pos_] == '"') {
    arg.offset = pos_;
    arg.quoted = true;
    PHAROS_ASSIGN_OR_RETURN(arg.text, lexQuoted());
    skipSpaces();
  } else {
    arg = rawUntil(")");
  }
  if (pos_ == text_.size() || text_[pos_] != ')')
    return conditionSyntaxError(pos_, "expected ')' to close pat(");
  ++pos_;
  return arg;
}

Result<std::vector<RawArgument>> ConditionLexer::listArguments() {
  std::vector<RawArgument> items;
  while (true) {
    skipSpaces();
    RawArgument item;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      item.offset = pos_;
      item.quoted = true;
      PHAROS_ASSIGN_OR_RETURN(item.text, lexQuoted());
      skipSpaces();
    } else {
      item = rawUntil(",)");
      if (item.text.empty()) return conditionSyntaxError(item.offset, "empty item in any()");
    }
    items.push_back(std::move(item));
    if (pos_ == text_.size()) return conditionSyntaxError(pos_, "expected ')' to close any(");
    char c = text_[pos_++];
    if (c == ')') return items;
    if (c != ',') return conditionSyntaxError(pos_ - 1, "expected ',' or ')' in any()");
  }
}

}  // namespace pharos::health
