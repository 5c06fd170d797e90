#pragma once

// Internal to the exposition parsers: the pieces the text and OpenMetrics grammars share
// (a cursor over one line, names, quoted label values, error messages). Nothing here
// allocates unless a value has to be unescaped or an error reported.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/result.h"

namespace pharos::metrics {

// Character classes of the Prometheus grammars, as one table lookup each.
bool isMetricNameChar(char c);  // [a-zA-Z0-9_:]
bool isLabelNameChar(char c);   // [a-zA-Z0-9_]

// `s` as a double-quoted string for an error message: control and non-ASCII bytes escaped,
// at most 64 bytes of it quoted (then "..."), so a pathological token cannot blow up the
// message or make it invalid UTF-8.
std::string quoteForError(std::string_view s);

// Splits a body into lines without their '\n'. A last line without a newline is a line too.
class LineReader {
 public:
  explicit LineReader(std::string_view body) : rest_(body) {}

  // False at the end of the body.
  bool next(std::string_view& line);
  std::size_t lineNumber() const { return number_; }
  // The bytes after the current line's '\n' (empty at the end).
  std::string_view rest() const { return rest_; }
  // Whether the current line was ended by '\n' (false only for a last line without one).
  bool lineHadNewline() const { return hadNewline_; }

 private:
  std::string_view rest_;
  std::size_t number_ = 0;
  bool hadNewline_ = false;
};

// A position in one line, and errors that name it as "LINE:COLUMN: message".
class LineCursor {
 public:
  LineCursor(std::string_view line, std::size_t lineNumber) : line_(line), number_(lineNumber) {}

  std::string_view line() const { return line_; }
  std::size_t offset() const { return pos_; }
  bool atEnd() const { return pos_ >= line_.size(); }
  char peek() const { return line_[pos_]; }  // precondition: !atEnd()
  std::string_view rest() const { return line_.substr(pos_); }
  bool startsWith(std::string_view s) const { return rest().substr(0, s.size()) == s; }

  void advance(std::size_t n = 1) { pos_ += n; }
  void seek(std::size_t offset) { pos_ = offset; }
  bool consume(char c);
  bool consume(std::string_view s);
  void skipBlanks();  // spaces and tabs
  std::string_view takeMetricName();
  std::string_view takeLabelName();
  // Up to (not including) the next space, or the next space or tab when `tabToo`.
  std::string_view takeToken(bool tabToo);

  // "found 'x'" / "found end of line", for "expected ..." messages.
  std::string found() const;

  Error errorAt(std::size_t offset, std::string_view message) const;
  Error error(std::string_view message) const { return errorAt(pos_, message); }

 private:
  std::string_view line_;
  std::size_t number_;
  std::size_t pos_ = 0;
};

// The two grammars of a label set differ only in white space and a trailing comma.
enum class LabelSyntax {
  kText,         // blanks around every token, a trailing comma allowed
  kOpenMetrics,  // no white space, no trailing comma
};

// One name="value" pair as read: the name points into the body, the value is unescaped.
struct LabelToken {
  std::string_view name;
  std::string value;
  std::size_t offset = 0;  // of the name, in its line
};

// Reads the labels after a '{' up to and including the matching '}', appending them to
// `out` (a buffer the caller reuses across lines, so a sample costs no vector allocation).
// Values must be valid UTF-8; \\, \" and \n are unescaped, other escapes are kept as
// written, as Prometheus does. Duplicate names are left to the caller.
Status readLabelSet(LineCursor& cursor, LabelSyntax syntax, std::vector<LabelToken>& out);

// The error for a metric name that is missing or starts with a digit, at `offset`: quotes
// the token up to the next blank or '{'.
Error invalidMetricName(const LineCursor& cursor, std::size_t offset, std::string_view context);

// Unescapes # HELP text: \\ and \n, and \" too for OpenMetrics; other escapes are kept.
std::string unescapeHelp(std::string_view text, bool quoteEscape);

// A sample or metadata line must not end in '\r'. Prometheus' lexers read the '\r' of a CRLF
// body as part of the value, timestamp or type and reject the line; we reject it too, with a
// message that says why.
Status rejectCarriageReturn(const LineCursor& cursor);

}  // namespace pharos::metrics
