// The text format 0.0.4, following Prometheus 2.42's promlex.l / promparse.go:
//
//   # HELP name help text        (escapes \\ and \n)
//   # TYPE name counter|gauge|histogram|summary|untyped
//   # anything else is a comment
//   name{label="value",...} value [timestamp_ms]
//
// Spaces and tabs may separate every token, lead a line or trail it; blank lines are skipped;
// the last line may lack its newline. Where promparse is looser than the format documents,
// we are stricter and say so: a comma between labels is required, a label value may not
// span lines, and a metric family's metadata is merged rather than checked for order.
#include <string>
#include <unordered_map>

#include "core/labels.h"
#include "core/text.h"
#include "metrics/exposition_lexer.h"
#include "metrics/exposition_number.h"
#include "metrics/exposition_parsers.h"
#include "metrics/sample_builder.h"

namespace pharos::metrics {
namespace {

class TextParser {
 public:
  explicit TextParser(const ExpositionLimits& limits) : builder_(limits) {}

  Result<Exposition> parse(std::string_view body) && {
    builder_.reserveFor(body.size());
    LineReader reader(body);
    std::string_view line;
    while (reader.next(line)) {
      LineCursor cursor(line, reader.lineNumber());
      PHAROS_TRY(parseLine(cursor));
    }
    Exposition out;
    out.samples = std::move(builder_).release();
    out.families = std::move(families_);
    return out;
  }

 private:
  Status parseLine(LineCursor& cursor) {
    cursor.skipBlanks();
    if (cursor.atEnd()) return okStatus();
    if (cursor.peek() == '#') return parseComment(cursor);
    return parseSample(cursor);
  }

  // "#" not followed by a blank, or not by HELP/TYPE and a blank, is a comment.
  Status parseComment(LineCursor& cursor) {
    cursor.advance();
    if (cursor.atEnd() || (cursor.peek() != ' ' && cursor.peek() != '\t')) return okStatus();
    cursor.skipBlanks();
    bool help = cursor.startsWith("HELP");
    if (!help && !cursor.startsWith("TYPE")) return okStatus();
    std::string_view keyword = help ? "HELP" : "TYPE";
    std::string_view afterKeyword = cursor.rest().substr(keyword.size());
    if (afterKeyword.empty() || (afterKeyword[0] != ' ' && afterKeyword[0] != '\t')) {
      return okStatus();
    }
    PHAROS_TRY(rejectCarriageReturn(cursor));
    cursor.advance(keyword.size());
    cursor.skipBlanks();

    std::size_t nameOffset = cursor.offset();
    std::string_view name = cursor.takeMetricName();
    if (name.empty() || !isValidMetricName(name)) {
      return invalidMetricName(cursor, nameOffset, " after " + std::string(keyword));
    }
    std::string_view text;
    if (!cursor.atEnd()) {
      if (cursor.peek() != ' ' && cursor.peek() != '\t') {
        return cursor.error("expected a space after the metric name in " + std::string(keyword) +
                            ", " + cursor.found());
      }
      // promparse drops exactly one separator; the rest is the text.
      cursor.advance();
      text = cursor.rest();
    }
    MetricFamily& family = familyFor(name);
    if (help) {
      if (!isValidUtf8(text)) return cursor.error("help text is not valid UTF-8");
      family.help = unescapeHelp(text, false);
      return okStatus();
    }
    std::string type;
    for (char c : trimSpaces(text))
      type += asciiLower(c);
    if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
        type != "untyped") {
      return cursor.error("invalid metric type " + quoteForError(trimSpaces(text)));
    }
    family.type = std::move(type);
    return okStatus();
  }

  MetricFamily& familyFor(std::string_view name) {
    auto [it, inserted] = familyIndex_.try_emplace(name, families_.size());
    if (inserted) families_.push_back(MetricFamily{std::string(name), "untyped", {}, {}});
    return families_[it->second];
  }

  Status parseSample(LineCursor& cursor) {
    PHAROS_TRY(rejectCarriageReturn(cursor));
    PHAROS_TRY(builder_.checkSampleLimit(cursor));
    std::size_t nameOffset = cursor.offset();
    std::string_view name = cursor.takeMetricName();
    if (name.empty() || !isValidMetricName(name)) return invalidMetricName(cursor, nameOffset, "");
    cursor.skipBlanks();
    if (cursor.consume('{')) {
      PHAROS_TRY(readLabelSet(cursor, LabelSyntax::kText, builder_.labels()));
      cursor.skipBlanks();
    }
    std::size_t valueOffset = cursor.offset();
    std::string_view valueText = cursor.takeToken(true);
    if (valueText.empty()) {
      return cursor.error("expected a value after metric " + quoteForError(name));
    }
    auto value = parseGoFloat(valueText);
    if (!value) return cursor.errorAt(valueOffset, "invalid value " + quoteForError(valueText));

    std::optional<std::int64_t> timestamp;
    cursor.skipBlanks();
    if (!cursor.atEnd()) {
      std::size_t tsOffset = cursor.offset();
      std::string_view tsText = cursor.takeToken(true);
      timestamp = parseTimestampMillis(tsText);
      if (!timestamp) {
        return cursor.errorAt(tsOffset, "invalid timestamp " + quoteForError(tsText) +
                                            " (expected integer milliseconds)");
      }
      cursor.skipBlanks();
      if (!cursor.atEnd()) {
        return cursor.error("expected end of line after the timestamp, " + cursor.found());
      }
    }
    return builder_.add(cursor, name, nameOffset, *value, timestamp);
  }

  SampleBuilder builder_;
  std::vector<MetricFamily> families_;
  std::unordered_map<std::string_view, std::size_t> familyIndex_;
};

}  // namespace

Result<Exposition> parsePrometheusText(std::string_view body, const ExpositionLimits& limits) {
  return TextParser(limits).parse(body);
}

}  // namespace pharos::metrics
