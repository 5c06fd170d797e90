#include "metrics/exposition_lexer.h"

#include <array>
#include <cstring>

#include "core/text.h"

namespace pharos::metrics {
namespace {

enum CharClass : unsigned char {
  kLabelChar = 1,   // [a-zA-Z0-9_]
  kMetricChar = 2,  // [a-zA-Z0-9_:]
};

constexpr std::array<unsigned char, 256> makeClasses() {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '_') t[c] = kLabelChar | kMetricChar;
    if (c == ':') t[c] = kMetricChar;
  }
  return t;
}
constexpr std::array<unsigned char, 256> kClasses = makeClasses();

unsigned char classOf(char c) {
  return kClasses[static_cast<unsigned char>(c)];
}

std::string describeChar(char c) {
  if (c == '\'') return "'\\''";
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 0xf];
}

// The value between the quotes, from just after the opening one. Returns the offset of the
// closing quote, or npos when the line ends first.
std::size_t findClosingQuote(std::string_view line, std::size_t from, bool& hasEscape) {
  std::size_t i = from;
  while (i < line.size()) {
    char c = line[i];
    if (c == '"') return i;
    if (c == '\\') {
      hasEscape = true;
      i += 2;
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

// Prometheus' lvalReplacer: \\ \" \n, anything else after a backslash is kept as written.
std::string unescapeLabelValue(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      char next = raw[i + 1];
      if (next == '\\' || next == '"' || next == 'n') {
        out += next == 'n' ? '\n' : next;
        ++i;
        continue;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace

bool isMetricNameChar(char c) {
  return (classOf(c) & kMetricChar) != 0;
}

bool isLabelNameChar(char c) {
  return (classOf(c) & kLabelChar) != 0;
}

std::string quoteForError(std::string_view s) {
  constexpr std::size_t kMaxQuoted = 64;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kMaxQuoted; ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (u == '"' || u == '\\') {
      out += '\\';
      out += static_cast<char>(u);
    } else if (u == '\n') {
      out += "\\n";
    } else if (u == '\r') {
      out += "\\r";
    } else if (u == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += static_cast<char>(u);
    }
  }
  out += '"';
  if (s.size() > kMaxQuoted) out += "...";
  return out;
}

bool LineReader::next(std::string_view& line) {
  if (rest_.empty()) return false;
  ++number_;
  const void* nl = std::memchr(rest_.data(), '\n', rest_.size());
  if (nl == nullptr) {
    line = rest_;
    rest_ = {};
    hadNewline_ = false;
    return true;
  }
  auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - rest_.data());
  line = rest_.substr(0, len);
  rest_.remove_prefix(len + 1);
  hadNewline_ = true;
  return true;
}

bool LineCursor::consume(char c) {
  if (atEnd() || line_[pos_] != c) return false;
  ++pos_;
  return true;
}

bool LineCursor::consume(std::string_view s) {
  if (!startsWith(s)) return false;
  pos_ += s.size();
  return true;
}

void LineCursor::skipBlanks() {
  while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t'))
    ++pos_;
}

std::string_view LineCursor::takeMetricName() {
  std::size_t start = pos_;
  while (pos_ < line_.size() && isMetricNameChar(line_[pos_]))
    ++pos_;
  return line_.substr(start, pos_ - start);
}

std::string_view LineCursor::takeLabelName() {
  std::size_t start = pos_;
  while (pos_ < line_.size() && isLabelNameChar(line_[pos_]))
    ++pos_;
  return line_.substr(start, pos_ - start);
}

std::string_view LineCursor::takeToken(bool tabToo) {
  std::size_t start = pos_;
  while (pos_ < line_.size() && line_[pos_] != ' ' && !(tabToo && line_[pos_] == '\t'))
    ++pos_;
  return line_.substr(start, pos_ - start);
}

std::string LineCursor::found() const {
  return atEnd() ? "found end of line" : "found " + describeChar(line_[pos_]);
}

Error LineCursor::errorAt(std::size_t offset, std::string_view message) const {
  std::string text = std::to_string(number_) + ":" + std::to_string(offset + 1) + ": ";
  text += message;
  return makeError(ErrorCode::kInvalidArgument, std::move(text));
}

Status readLabelSet(LineCursor& cursor, LabelSyntax syntax, std::vector<LabelToken>& out) {
  const bool text = syntax == LabelSyntax::kText;
  bool first = true;
  for (;;) {
    if (text) cursor.skipBlanks();
    if (cursor.consume('}')) {
      if (!first && !text)
        return cursor.errorAt(cursor.offset() - 1, "expected label name after ','");
      return okStatus();
    }
    std::size_t nameOffset = cursor.offset();
    std::string_view name = cursor.takeLabelName();
    if (name.empty()) {
      return cursor.error((first ? "expected label name or '}', " : "expected label name, ") +
                          cursor.found());
    }
    if (name[0] >= '0' && name[0] <= '9') {
      return cursor.errorAt(nameOffset, "invalid label name " + quoteForError(name));
    }
    if (text) cursor.skipBlanks();
    if (!cursor.consume('=')) {
      return cursor.error("expected '=' after label name " + quoteForError(name));
    }
    if (text) cursor.skipBlanks();
    std::size_t quote = cursor.offset();
    if (!cursor.consume('"')) {
      return cursor.error("expected '\"' to start the value of label " + quoteForError(name));
    }
    bool hasEscape = false;
    std::size_t close = findClosingQuote(cursor.line(), quote + 1, hasEscape);
    if (close == std::string_view::npos) {
      return cursor.errorAt(quote, "unterminated value of label " + quoteForError(name));
    }
    std::string_view raw = cursor.line().substr(quote + 1, close - quote - 1);
    // Escapes are ASCII, so the raw bytes are valid UTF-8 exactly when the value is.
    if (!isValidUtf8(raw)) {
      return cursor.errorAt(quote + 1,
                            "label value is not valid UTF-8 (label " + quoteForError(name) + ")");
    }
    out.push_back(
        LabelToken{name, hasEscape ? unescapeLabelValue(raw) : std::string(raw), nameOffset});
    cursor.advance(close + 1 - cursor.offset());
    first = false;

    if (text) cursor.skipBlanks();
    if (cursor.consume('}')) return okStatus();
    if (!cursor.consume(',')) {
      return cursor.error("expected ',' or '}' after label value, " + cursor.found());
    }
  }
}

Error invalidMetricName(const LineCursor& cursor, std::size_t offset, std::string_view context) {
  std::string_view line = cursor.line();
  std::size_t end = offset;
  while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '{')
    ++end;
  std::string message;
  if (end == offset) {
    LineCursor at(line, 0);
    at.seek(offset);
    message = "expected a metric name";
    message += context;
    message += ", " + at.found();
  } else {
    message = "invalid metric name " + quoteForError(line.substr(offset, end - offset));
    message += context;
  }
  return cursor.errorAt(offset, message);
}

std::string unescapeHelp(std::string_view text, bool quoteEscape) {
  if (text.find('\\') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      char next = text[i + 1];
      if (next == '\\' || next == 'n' || (quoteEscape && next == '"')) {
        out += next == 'n' ? '\n' : next;
        ++i;
        continue;
      }
    }
    out += c;
  }
  return out;
}

Status rejectCarriageReturn(const LineCursor& cursor) {
  std::string_view line = cursor.line();
  if (line.empty() || line.back() != '\r') return okStatus();
  return cursor.errorAt(line.size() - 1,
                        "line ends in a carriage return (CRLF line ends are not supported; "
                        "Prometheus rejects them too)");
}

}  // namespace pharos::metrics
