// OpenMetrics 1.0 text, following Prometheus 2.42's openmetricslex.l / openmetricsparse.go:
//
//   # TYPE name counter            (exactly one space between tokens, no tabs)
//   # HELP name text               (escapes \\ \n \")
//   # UNIT name seconds            (must be a suffix of the name)
//   name_total{label="value"} 1 1520879607.789 # {trace_id="abc"} 1 1520879607.7
//   # EOF
//
// Unlike the text format: no blank lines, no other comments, no white space inside the label
// set, no trailing comma, timestamps in float seconds, and the body must end with "# EOF"
// and an optional newline. The parser also checks what the spec says about families and
// Prometheus leaves to the spec: metadata at most once per family and before its samples,
// sample names with the suffixes of the family's type (a counter's are _total and _created),
// and families not interleaved.
#include <array>
#include <string>
#include <unordered_set>

#include "core/labels.h"
#include "core/text.h"
#include "metrics/exposition_lexer.h"
#include "metrics/exposition_number.h"
#include "metrics/exposition_parsers.h"
#include "metrics/sample_builder.h"

namespace pharos::metrics {
namespace {

constexpr std::size_t kNoFamily = static_cast<std::size_t>(-1);

constexpr std::array<std::string_view, 8> kTypes = {
    "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown"};

// The sample-name suffixes a family of `type` may use ("" is the bare family name).
std::vector<std::string_view> suffixesOf(std::string_view type) {
  if (type == "counter") return {"_total", "_created"};
  if (type == "summary") return {"", "_count", "_sum", "_created"};
  if (type == "histogram") return {"_bucket", "_count", "_sum", "_created"};
  if (type == "gaugehistogram") return {"_bucket", "_gcount", "_gsum"};
  if (type == "info") return {"_info"};
  return {""};
}

enum class MetadataKind { kHelp, kType, kUnit };

// The family the lines belong to right now.
struct CurrentFamily {
  std::string_view name;
  std::string_view type = "unknown";
  std::vector<std::string_view> suffixes{""};
  std::array<bool, 3> seen{};  // by MetadataKind
  bool hasSamples = false;
  std::string_view lastSampleName;
  std::size_t metadataIndex = kNoFamily;  // into families_
};

class OpenMetricsParser {
 public:
  explicit OpenMetricsParser(const ExpositionLimits& limits) : builder_(limits) {}

  Result<Exposition> parse(std::string_view body) && {
    builder_.reserveFor(body.size());
    LineReader reader(body);
    std::string_view line;
    std::string_view lastLine;
    while (reader.next(line)) {
      lastLine = line;
      LineCursor cursor(line, reader.lineNumber());
      if (line == "# EOF") {
        if (!reader.rest().empty()) {
          return LineCursor(reader.rest(), reader.lineNumber() + 1)
              .errorAt(0, "unexpected data after # EOF");
        }
        Exposition out;
        out.samples = std::move(builder_).release();
        out.families = std::move(families_);
        return out;
      }
      PHAROS_TRY(parseLine(cursor));
    }
    // Where the "# EOF" line should have been.
    std::size_t number = reader.lineNumber();
    std::size_t offset = 0;
    if (number == 0 || reader.lineHadNewline()) {
      ++number;
    } else {
      offset = lastLine.size();
    }
    return LineCursor(lastLine, number).errorAt(offset, "body does not end with # EOF");
  }

 private:
  Status parseLine(LineCursor& cursor) {
    if (cursor.atEnd()) {
      return cursor.error("empty line (OpenMetrics does not allow blank lines)");
    }
    PHAROS_TRY(rejectCarriageReturn(cursor));
    if (cursor.peek() == '#') return parseMetadata(cursor);
    return parseSample(cursor);
  }

  Status parseMetadata(LineCursor& cursor) {
    MetadataKind kind;
    if (cursor.consume("# HELP ")) {
      kind = MetadataKind::kHelp;
    } else if (cursor.consume("# TYPE ")) {
      kind = MetadataKind::kType;
    } else if (cursor.consume("# UNIT ")) {
      kind = MetadataKind::kUnit;
    } else {
      return cursor.error(
          "expected '# HELP ', '# TYPE ', '# UNIT ' or '# EOF' (OpenMetrics has no other "
          "comments)");
    }
    std::string_view keyword = kind == MetadataKind::kHelp   ? " after HELP"
                               : kind == MetadataKind::kType ? " after TYPE"
                                                             : " after UNIT";
    std::size_t nameOffset = cursor.offset();
    std::string_view name = cursor.takeMetricName();
    if (name.empty() || !isValidMetricName(name)) {
      return invalidMetricName(cursor, nameOffset, keyword);
    }
    std::string_view text;
    if (!cursor.atEnd()) {
      if (!cursor.consume(' ')) {
        return cursor.error("expected ' ' after the metric name, " + cursor.found());
      }
      text = cursor.rest();
    }
    std::size_t textOffset = cursor.offset();
    PHAROS_TRY(enterFamilyForMetadata(cursor, nameOffset, name, kind));
    MetricFamily& family = families_[current_.metadataIndex];
    switch (kind) {
      case MetadataKind::kHelp:
        if (!isValidUtf8(text)) return cursor.errorAt(textOffset, "help text is not valid UTF-8");
        family.help = unescapeHelp(text, true);
        break;
      case MetadataKind::kType: {
        bool known = false;
        for (auto type : kTypes)
          known = known || type == text;
        if (!known) return cursor.errorAt(textOffset, "invalid metric type " + quoteForError(text));
        family.type = std::string(text);
        current_.type = text;
        current_.suffixes = suffixesOf(text);
        break;
      }
      case MetadataKind::kUnit:
        if (!text.empty() && !(name.size() > text.size() && name.ends_with(text) &&
                               name[name.size() - text.size() - 1] == '_')) {
          return cursor.errorAt(textOffset, "unit " + quoteForError(text) +
                                                " is not a suffix of metric name " +
                                                quoteForError(name));
        }
        family.unit = std::string(text);
        break;
    }
    return okStatus();
  }

  Status enterFamilyForMetadata(const LineCursor& cursor, std::size_t nameOffset,
                                std::string_view name, MetadataKind kind) {
    const char* what = kind == MetadataKind::kHelp   ? "# HELP"
                       : kind == MetadataKind::kType ? "# TYPE"
                                                     : "# UNIT";
    if (current_.name.empty() || name != current_.name) {
      PHAROS_TRY(startFamily(cursor, nameOffset, name));
    } else if (current_.hasSamples) {
      return cursor.errorAt(nameOffset, std::string(what) + " for metric family " +
                                            quoteForError(name) + " after its samples");
    }
    auto k = static_cast<std::size_t>(kind);
    if (current_.seen[k]) {
      return cursor.errorAt(
          nameOffset, std::string("second ") + what + " for metric family " + quoteForError(name));
    }
    current_.seen[k] = true;
    if (current_.metadataIndex == kNoFamily) {
      current_.metadataIndex = families_.size();
      families_.push_back(MetricFamily{std::string(name), "unknown", {}, {}});
    }
    return okStatus();
  }

  // A family may appear once: its name, and the names of its samples, must be new.
  Status startFamily(const LineCursor& cursor, std::size_t nameOffset, std::string_view name) {
    if (!seenNames_.insert(name).second) {
      return cursor.errorAt(nameOffset, "metric family " + quoteForError(name) +
                                            " appears again after another family (families "
                                            "must not be interleaved)");
    }
    current_ = CurrentFamily{};
    current_.name = name;
    return okStatus();
  }

  bool belongsToCurrent(std::string_view sample) const {
    if (current_.name.empty() || !sample.starts_with(current_.name)) return false;
    std::string_view suffix = sample.substr(current_.name.size());
    for (auto s : current_.suffixes) {
      if (s == suffix) return true;
    }
    return false;
  }

  Status noteSample(const LineCursor& cursor, std::size_t nameOffset, std::string_view name) {
    if (!belongsToCurrent(name)) {
      if (!current_.name.empty() && name == current_.name) {
        std::string expected;
        for (auto s : current_.suffixes)
          expected += (expected.empty() ? "" : ", ") + std::string(s);
        return cursor.errorAt(nameOffset, "sample " + quoteForError(name) + " of " +
                                              std::string(current_.type) + " family " +
                                              quoteForError(current_.name) +
                                              " needs one of the suffixes " + expected);
      }
      // A sample without metadata starts a family of type unknown named after it.
      PHAROS_TRY(startFamily(cursor, nameOffset, name));
    }
    current_.hasSamples = true;
    if (name != current_.lastSampleName) {
      current_.lastSampleName = name;
      if (name != current_.name) seenNames_.insert(name);
    }
    return okStatus();
  }

  Status parseSample(LineCursor& cursor) {
    PHAROS_TRY(builder_.checkSampleLimit(cursor));
    std::size_t nameOffset = cursor.offset();
    std::string_view name = cursor.takeMetricName();
    if (name.empty() || !isValidMetricName(name)) return invalidMetricName(cursor, nameOffset, "");
    PHAROS_TRY(noteSample(cursor, nameOffset, name));
    if (cursor.consume('{')) {
      PHAROS_TRY(readLabelSet(cursor, LabelSyntax::kOpenMetrics, builder_.labels()));
    }
    if (!cursor.consume(' ')) {
      return cursor.error("expected ' ' and a value after the metric, " + cursor.found());
    }
    std::size_t valueOffset = cursor.offset();
    std::string_view valueText = cursor.takeToken(false);
    if (valueText.empty()) return cursor.error("expected a value, " + cursor.found());
    auto value = parseGoFloat(valueText);
    if (!value) return cursor.errorAt(valueOffset, "invalid value " + quoteForError(valueText));

    std::optional<std::int64_t> timestamp;
    if (cursor.consume(' ')) {
      if (cursor.consume("# {")) {
        PHAROS_TRY(parseExemplar(cursor));
      } else {
        std::size_t tsOffset = cursor.offset();
        std::string_view tsText = cursor.takeToken(false);
        if (tsText.empty()) {
          return cursor.error("expected a timestamp or an exemplar, " + cursor.found());
        }
        timestamp = parseTimestampSeconds(tsText);
        if (!timestamp) {
          return cursor.errorAt(
              tsOffset, "invalid timestamp " + quoteForError(tsText) + " (expected float seconds)");
        }
        if (cursor.consume(" # {")) {
          PHAROS_TRY(parseExemplar(cursor));
        } else if (!cursor.atEnd()) {
          return cursor.error(
              "expected end of line or an exemplar (' # {') after the "
              "timestamp, " +
              cursor.found());
        }
      }
    }
    if (!cursor.atEnd()) return cursor.error("expected end of line, " + cursor.found());
    return builder_.add(cursor, name, nameOffset, *value, timestamp);
  }

  // `{labels} value [timestamp]` after "# {": checked as Prometheus does, then dropped.
  Status parseExemplar(LineCursor& cursor) {
    exemplarLabels_.clear();
    PHAROS_TRY(readLabelSet(cursor, LabelSyntax::kOpenMetrics, exemplarLabels_));
    if (!cursor.consume(' ')) {
      return cursor.error("expected ' ' and a value after the exemplar labels, " + cursor.found());
    }
    std::size_t valueOffset = cursor.offset();
    std::string_view valueText = cursor.takeToken(false);
    if (!parseGoFloat(valueText)) {
      return cursor.errorAt(valueOffset, "invalid exemplar value " + quoteForError(valueText));
    }
    if (cursor.consume(' ')) {
      std::size_t tsOffset = cursor.offset();
      std::string_view tsText = cursor.takeToken(false);
      if (!parseTimestampSeconds(tsText)) {
        return cursor.errorAt(tsOffset, "invalid exemplar timestamp " + quoteForError(tsText));
      }
    }
    if (!cursor.atEnd()) {
      return cursor.error("expected end of line after the exemplar, " + cursor.found());
    }
    return okStatus();
  }

  SampleBuilder builder_;
  std::vector<MetricFamily> families_;
  CurrentFamily current_;
  // Names of every family started so far and of their samples, to refuse interleaving.
  std::unordered_set<std::string_view> seenNames_;
  std::vector<LabelToken> exemplarLabels_;
};

}  // namespace

Result<Exposition> parseOpenMetrics(std::string_view body, const ExpositionLimits& limits) {
  return OpenMetricsParser(limits).parse(body);
}

}  // namespace pharos::metrics
