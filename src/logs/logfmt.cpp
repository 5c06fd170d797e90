#include "logs/logfmt.h"

namespace pharos::logs {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t';
}

struct Token {
  std::string_view key;
  std::string_view rawValue;  // without the quotes
  bool hasEquals = false;
  bool quoted = false;
  bool escaped = false;  // rawValue holds a backslash
};

enum class Step { kToken, kEnd, kInvalid };

// The next token from `pos`.
Step nextToken(std::string_view line, std::size_t& pos, Token& token) {
  while (pos < line.size() && isSpace(line[pos]))
    ++pos;
  if (pos >= line.size()) return Step::kEnd;
  token = Token{};
  std::size_t keyStart = pos;
  while (pos < line.size() && !isSpace(line[pos]) && line[pos] != '=') {
    if (line[pos] == '"') return Step::kInvalid;
    ++pos;
  }
  token.key = line.substr(keyStart, pos - keyStart);
  if (token.key.empty()) return Step::kInvalid;
  if (pos >= line.size() || line[pos] != '=') return Step::kToken;
  token.hasEquals = true;
  ++pos;
  if (pos < line.size() && line[pos] == '"') {
    token.quoted = true;
    std::size_t valueStart = ++pos;
    while (pos < line.size() && line[pos] != '"') {
      if (line[pos] == '\\') {
        token.escaped = true;
        ++pos;
      }
      ++pos;
    }
    if (pos >= line.size()) return Step::kInvalid;
    token.rawValue = line.substr(valueStart, pos - valueStart);
    ++pos;
    if (pos < line.size() && !isSpace(line[pos])) return Step::kInvalid;
    return Step::kToken;
  }
  std::size_t valueStart = pos;
  while (pos < line.size() && !isSpace(line[pos]))
    ++pos;
  token.rawValue = line.substr(valueStart, pos - valueStart);
  return Step::kToken;
}

void unescape(std::string_view raw, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      char next = raw[i + 1];
      char replacement = 0;
      switch (next) {
        case '"':
        case '\\':
          replacement = next;
          break;
        case 'n':
          replacement = '\n';
          break;
        case 'r':
          replacement = '\r';
          break;
        case 't':
          replacement = '\t';
          break;
        default:
          break;
      }
      if (replacement != 0) {
        out.push_back(replacement);
        ++i;
        continue;
      }
    }
    out.push_back(c);
  }
}

}  // namespace

bool parseLogfmt(std::string_view line, std::string& scratch,
                 FunctionRef<void(std::string_view key, std::string_view value)> onPair) {
  // First pass: is it logfmt at all? Nothing is reported unless it is.
  std::size_t pos = 0;
  std::size_t pairs = 0;
  Token token;
  for (bool first = true;; first = false) {
    Step step = nextToken(line, pos, token);
    if (step == Step::kEnd) break;
    if (step == Step::kInvalid) return false;
    if (first && !token.hasEquals) return false;
    if (token.hasEquals) ++pairs;
  }
  if (pairs < 2) return false;
  pos = 0;
  while (nextToken(line, pos, token) == Step::kToken) {
    if (!token.hasEquals) {
      onPair(token.key, "true");
    } else if (token.escaped) {
      unescape(token.rawValue, scratch);
      onPair(token.key, scratch);
    } else {
      onPair(token.key, token.rawValue);
    }
  }
  return true;
}

}  // namespace pharos::logs
