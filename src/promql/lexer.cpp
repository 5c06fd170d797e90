#include "promql/lexer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/error.h"
#include "core/text.h"

namespace pharos::promql {
namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isAlnum(char c) {
  return isAlpha(c) || isDigit(c);
}
bool isIdentChar(char c) {
  return isAlpha(c) || isDigit(c) || c == ':';
}

// Length of the duration at the start of `s` (digits and units, repeated), or 0.
std::size_t durationLength(std::string_view s) {
  std::size_t i = 0;
  bool any = false;
  while (i < s.size() && isDigit(s[i])) {
    std::size_t digits = i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    if (i == digits) break;
    if (i + 1 < s.size() && s[i] == 'm' && s[i + 1] == 's') {
      i += 2;
    } else if (i < s.size() && std::string_view("ywdhms").find(s[i]) != std::string_view::npos) {
      ++i;
    } else {
      return any ? digits : 0;
    }
    any = true;
  }
  return any ? i : 0;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view query) : q_(query) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> tokens;
    while (true) {
      skipSpaceAndComments();
      Token t;
      t.pos = i_;
      if (i_ >= q_.size()) {
        tokens.push_back(t);
        return tokens;
      }
      PHAROS_TRY(next(t));
      t.text = q_.substr(t.pos, i_ - t.pos);
      tokens.push_back(std::move(t));
    }
  }

 private:
  void skipSpaceAndComments() {
    while (i_ < q_.size()) {
      char c = q_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i_;
      } else if (c == '#') {
        while (i_ < q_.size() && q_[i_] != '\n')
          ++i_;
      } else {
        return;
      }
    }
  }

  char peek(std::size_t ahead = 0) const { return i_ + ahead < q_.size() ? q_[i_ + ahead] : '\0'; }

  Status next(Token& t) {
    char c = q_[i_];
    auto single = [&](TokenType type) {
      t.type = type;
      ++i_;
      return okStatus();
    };
    auto twoOrOne = [&](char second, TokenType two, TokenType one) {
      t.type = peek(1) == second ? two : one;
      i_ += peek(1) == second ? 2 : 1;
      return okStatus();
    };
    switch (c) {
      case '(':
        return single(TokenType::kLeftParen);
      case ')':
        return single(TokenType::kRightParen);
      case '{':
        return single(TokenType::kLeftBrace);
      case '}':
        return single(TokenType::kRightBrace);
      case '[':
        return single(TokenType::kLeftBracket);
      case ']':
        return single(TokenType::kRightBracket);
      case ',':
        return single(TokenType::kComma);
      case '+':
        return single(TokenType::kAdd);
      case '-':
        return single(TokenType::kSub);
      case '*':
        return single(TokenType::kMul);
      case '/':
        return single(TokenType::kDiv);
      case '%':
        return single(TokenType::kMod);
      case '^':
        return single(TokenType::kPow);
      case '@':
        return single(TokenType::kAt);
      case '>':
        return twoOrOne('=', TokenType::kGreaterEqual, TokenType::kGreater);
      case '<':
        return twoOrOne('=', TokenType::kLessEqual, TokenType::kLess);
      case '=':
        if (peek(1) == '=') return twoOrOne('=', TokenType::kEqual, TokenType::kAssign);
        return twoOrOne('~', TokenType::kRegexMatch, TokenType::kAssign);
      case '!':
        if (peek(1) == '=') return twoOrOne('=', TokenType::kNotEqual, TokenType::kNotEqual);
        if (peek(1) == '~') return twoOrOne('~', TokenType::kRegexNoMatch, TokenType::kNotEqual);
        return syntaxError(q_, i_, "unexpected character after '!'");
      case '"':
      case '\'':
      case '`':
        return lexString(t);
      default:
        break;
    }
    if (c == ':' && !isAlpha(peek(1)) && peek(1) != ':') return single(TokenType::kColon);
    if (isAlpha(c) || c == ':') {
      while (i_ < q_.size() && isIdentChar(q_[i_]))
        ++i_;
      t.type = TokenType::kIdentifier;
      return okStatus();
    }
    if (isDigit(c) || (c == '.' && isDigit(peek(1)))) return lexNumberOrDuration(t);
    return syntaxError(q_, i_, std::string("unexpected character '") + c + "'");
  }

  Status lexNumberOrDuration(Token& t) {
    std::string_view rest = q_.substr(i_);
    std::size_t dlen = durationLength(rest);
    if (dlen > 0 && (dlen == rest.size() || !isAlnum(rest[dlen]))) {
      auto d = parsePromDuration(rest.substr(0, dlen));
      if (!d.ok()) return syntaxError(q_, i_, d.error().message);
      t.durationMs = *d;
      t.type = TokenType::kDuration;
      i_ += dlen;
      return okStatus();
    }
    std::size_t start = i_;
    bool hex = false;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      hex = true;
      i_ += 2;
      while (i_ < q_.size() && hexDigitValue(q_[i_]) >= 0)
        ++i_;
    } else {
      while (i_ < q_.size() && isDigit(q_[i_]))
        ++i_;
      if (peek() == '.') {
        ++i_;
        while (i_ < q_.size() && isDigit(q_[i_]))
          ++i_;
      }
      if ((peek() == 'e' || peek() == 'E') &&
          (isDigit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && isDigit(peek(2))))) {
        i_ += 2;
        while (i_ < q_.size() && isDigit(q_[i_]))
          ++i_;
      }
    }
    if (i_ < q_.size() && (isAlnum(q_[i_]) || q_[i_] == '.')) {
      return syntaxError(q_, start,
                         "bad number or duration syntax: \"" +
                             std::string(q_.substr(start, i_ - start + 1)) + "\"");
    }
    std::string_view text = q_.substr(start, i_ - start);
    t.type = TokenType::kNumber;
    // Like Go's strconv.ParseInt(s, 0, 64) first (so "010" is octal), then ParseFloat.
    if (hex) {
      std::uint64_t v = 0;
      auto r = std::from_chars(text.data() + 2, text.data() + text.size(), v, 16);
      if (text.size() == 2 || r.ec != std::errc() || v > std::uint64_t(INT64_MAX)) {
        return syntaxError(q_, start, "bad number \"" + std::string(text) + "\"");
      }
      t.number = static_cast<double>(v);
      return okStatus();
    }
    if (text.size() > 1 && text[0] == '0' &&
        text.find_first_not_of("01234567") == std::string_view::npos) {
      std::uint64_t v = 0;
      auto r = std::from_chars(text.data() + 1, text.data() + text.size(), v, 8);
      if (r.ec == std::errc() && v <= std::uint64_t(INT64_MAX)) {
        t.number = static_cast<double>(v);
        return okStatus();
      }
    }
    auto r = std::from_chars(text.data(), text.data() + text.size(), t.number);
    if (r.ec == std::errc::result_out_of_range) {
      // Go returns +-Inf (or 0) with a range error, which Prometheus reports as an error.
      return syntaxError(q_, start, "number \"" + std::string(text) + "\" is out of range");
    }
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      return syntaxError(q_, start, "bad number \"" + std::string(text) + "\"");
    }
    return okStatus();
  }

  Status lexString(Token& t) {
    char quote = q_[i_];
    std::size_t start = i_++;
    std::string out;
    while (true) {
      if (i_ >= q_.size()) return syntaxError(q_, start, "unterminated quoted string");
      char c = q_[i_];
      if (c == quote) {
        ++i_;
        break;
      }
      if (quote == '`') {
        out += c;
        ++i_;
        continue;
      }
      if (c == '\n') return syntaxError(q_, start, "unterminated quoted string");
      if (c != '\\') {
        out += c;
        ++i_;
        continue;
      }
      PHAROS_TRY(unescape(out, quote));
    }
    t.type = TokenType::kString;
    t.value = std::move(out);
    return okStatus();
  }

  // Go's escapes (strconv.Unquote), with the quote that is not the delimiter not escapable.
  Status unescape(std::string& out, char quote) {
    std::size_t at = i_;
    ++i_;  // the backslash
    if (i_ >= q_.size()) return syntaxError(q_, at, "unterminated quoted string");
    char c = q_[i_++];
    switch (c) {
      case 'a':
        out += '\a';
        return okStatus();
      case 'b':
        out += '\b';
        return okStatus();
      case 'f':
        out += '\f';
        return okStatus();
      case 'n':
        out += '\n';
        return okStatus();
      case 'r':
        out += '\r';
        return okStatus();
      case 't':
        out += '\t';
        return okStatus();
      case 'v':
        out += '\v';
        return okStatus();
      case '\\':
        out += '\\';
        return okStatus();
      case '\'':
      case '"':
        if (c != quote) break;
        out += c;
        return okStatus();
      case 'x':
      case 'u':
      case 'U': {
        int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        std::uint32_t v = 0;
        for (int k = 0; k < digits; ++k) {
          int h = i_ < q_.size() ? hexDigitValue(q_[i_]) : -1;
          if (h < 0) return syntaxError(q_, at, "invalid escape sequence in string");
          v = v * 16 + static_cast<std::uint32_t>(h);
          ++i_;
        }
        if (c == 'x') {
          out += static_cast<char>(v);
        } else {
          if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
            return syntaxError(q_, at, "invalid Unicode code point in escape sequence");
          }
          appendUtf8(out, v);
        }
        return okStatus();
      }
      default:
        if (c >= '0' && c <= '7') {
          std::uint32_t v = static_cast<std::uint32_t>(c - '0');
          for (int k = 0; k < 2; ++k) {
            if (i_ >= q_.size() || q_[i_] < '0' || q_[i_] > '7') {
              return syntaxError(q_, at, "invalid octal escape in string");
            }
            v = v * 8 + static_cast<std::uint32_t>(q_[i_++] - '0');
          }
          if (v > 255) return syntaxError(q_, at, "invalid octal escape in string");
          out += static_cast<char>(v);
          return okStatus();
        }
        break;
    }
    return syntaxError(q_, at, "invalid escape sequence in string");
  }

  std::string_view q_;
  std::size_t i_ = 0;
};

}  // namespace

Error syntaxError(std::string_view query, std::size_t pos, std::string_view message) {
  std::size_t line = 1;
  std::size_t lineStart = 0;
  for (std::size_t k = 0; k < pos && k < query.size(); ++k) {
    if (query[k] == '\n') {
      ++line;
      lineStart = k + 1;
    }
  }
  std::string text = std::to_string(line) + ":" + std::to_string(pos - lineStart + 1) + ": ";
  text += message;
  return makeError(ErrorCode::kInvalidArgument, std::move(text), "position=" + std::to_string(pos));
}

Result<std::int64_t> parsePromDuration(std::string_view text) {
  static constexpr struct {
    std::string_view unit;
    std::int64_t ms;
  } kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                {"w", 7LL * 24 * 3600 * 1000},
                {"d", 24LL * 3600 * 1000},
                {"h", 3600LL * 1000},
                {"m", 60LL * 1000},
                {"s", 1000},
                {"ms", 1}};
  auto bad = [&] {
    return makeError(ErrorCode::kInvalidArgument,
                     "not a valid duration string: \"" + std::string(text) + "\"");
  };
  if (text.empty()) return bad();
  std::int64_t total = 0;
  std::size_t nextUnit = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t digits = i;
    while (i < text.size() && isDigit(text[i]))
      ++i;
    if (i == digits) return bad();
    std::uint64_t n = 0;
    auto r = std::from_chars(text.data() + digits, text.data() + i, n);
    if (r.ec != std::errc()) return bad();
    std::string_view unit;
    if (i + 1 < text.size() && text[i] == 'm' && text[i + 1] == 's') {
      unit = text.substr(i, 2);
    } else if (i < text.size()) {
      unit = text.substr(i, 1);
    } else {
      return bad();
    }
    i += unit.size();
    std::size_t k = nextUnit;
    while (k < std::size(kUnits) && kUnits[k].unit != unit)
      ++k;
    if (k == std::size(kUnits)) return bad();  // unknown, repeated or out of order
    nextUnit = k + 1;
    if (n > std::uint64_t(INT64_MAX) / std::uint64_t(kUnits[k].ms)) return bad();
    std::int64_t add = static_cast<std::int64_t>(n) * kUnits[k].ms;
    if (total > INT64_MAX - add) return bad();
    total += add;
  }
  return total;
}

Result<std::vector<Token>> tokenize(std::string_view query) {
  return Lexer(query).run();
}

}  // namespace pharos::promql
