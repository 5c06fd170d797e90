// Native NDJSON / JSON-array ingest: see decodeNative in ingest_decoders.h.
#include <algorithm>
#include <optional>
#include <string>

#include <simdjson.h>

#include "logs/decode_support.h"
#include "logs/ingest_decoders.h"

namespace pharos::logs {
namespace {

std::string_view typeName(simdjson::dom::element_type type) {
  using simdjson::dom::element_type;
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::STRING:
      return "a string";
    case element_type::NULL_VALUE:
      return "null";
    case element_type::BOOL:
      return "a boolean";
    default:
      return "a number";
  }
}

Error tooMany(const DecodeLimits& limits) {
  return makeError(ErrorCode::kInvalidArgument,
                   "more than " + std::to_string(limits.maxEntries) + " entries in one body");
}

// Where an element of the body is ("line 3", "element 2"), spelled out only for a rejection.
struct Where {
  std::string_view unit;
  std::size_t number = 0;
  std::string text() const { return std::string(unit) + " " + std::to_string(number); }
};

// An element of the body: an entry when it is an object, else a rejection saying where.
void addEntry(simdjson::dom::element element, Where where, EntryScratch& scratch, BatchEncoder& out,
              DecodeResult& result) {
  simdjson::dom::object object;
  if (element.get_object().get(object)) {
    noteRejected(result, where.text() + ": expected a JSON object, found " +
                             std::string(typeName(element.type())));
    return;
  }
  addJsonObjectEntry(object, scratch, out);
  ++result.accepted;
}

// A body of which nothing was taken is refused whole, with its first reason.
Result<DecodeResult> finished(DecodeResult result) {
  if (result.accepted == 0 && result.rejected > 0) {
    return makeError(ErrorCode::kInvalidArgument, result.errors.front());
  }
  return result;
}

Result<DecodeResult> decodeArray(const simdjson::padded_string& padded, BatchEncoder& out,
                                 const DecodeLimits& limits) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root)) {
    return makeError(ErrorCode::kInvalidArgument, "invalid JSON array: " + jsonErrorText(error));
  }
  simdjson::dom::array array;
  if (root.get_array().get(array)) {
    return makeError(ErrorCode::kInvalidArgument, "expected a JSON array of objects");
  }
  if (array.size() > limits.maxEntries) return tooMany(limits);
  DecodeResult result;
  EntryScratch scratch;
  std::size_t position = 0;
  for (simdjson::dom::element element : array) {
    addEntry(element, Where{"element", ++position}, scratch, out, result);
  }
  return finished(std::move(result));
}

// The non-blank lines of an NDJSON body, numbered from 1 as an editor does. A line ends at LF,
// without one CR before it; a line of only spaces and tabs is blank. Both NDJSON paths walk the
// body with it, so they agree on what a line is.
class NonBlankLines {
 public:
  struct Line {
    std::size_t number = 0;
    std::string_view text;  // a view into the body: its offset is where the line starts
  };
  explicit NonBlankLines(std::string_view body) : body_(body) {}

  // The next line, nullopt at the end. It stays the next one until take().
  const std::optional<Line>& peek() {
    if (!peeked_) {
      next_ = scan();
      peeked_ = true;
    }
    return next_;
  }
  void take() { peeked_ = false; }

 private:
  std::optional<Line> scan() {
    while (start_ < body_.size()) {
      std::size_t end = body_.find('\n', start_);
      if (end == std::string_view::npos) end = body_.size();
      std::string_view line = body_.substr(start_, end - start_);
      start_ = end + 1;
      ++number_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") != std::string_view::npos) return Line{number_, line};
    }
    return std::nullopt;
  }

  std::string_view body_;
  std::size_t start_ = 0;
  std::size_t number_ = 0;
  bool peeked_ = false;
  std::optional<Line> next_;
};

// How far the decode of an NDJSON body has got: the lines taken so far are in `result` (and
// the encoder), and the line-by-line path goes on from where the fast one stopped.
struct NdjsonProgress {
  explicit NdjsonProgress(std::string_view text) : lines(text) {}
  NonBlankLines lines;
  EntryScratch scratch;
  DecodeResult result;
};

// The reference path: every non-blank line parsed on its own, so a bad line costs only itself.
Result<DecodeResult> decodeLines(NdjsonProgress& progress, BatchEncoder& out,
                                 const DecodeLimits& limits) {
  simdjson::dom::parser parser;
  DecodeResult& result = progress.result;
  for (; progress.lines.peek(); progress.lines.take()) {
    const NonBlankLines::Line& line = *progress.lines.peek();
    if (result.accepted + result.rejected >= limits.maxEntries) return tooMany(limits);
    const Where where{"line", line.number};
    simdjson::dom::element root;
    // The padding simdjson reads past a line's end is the rest of the padded body.
    if (auto error = parser.parse(line.text.data(), line.text.size(), false).get(root)) {
      noteRejected(result, where.text() + ": invalid JSON: " + jsonErrorText(error));
      continue;
    }
    addEntry(root, where, progress.scratch, out, result);
  }
  return finished(std::move(result));
}

// Whether `document` (a view into the body) is all of `line` but for JSON whitespace around it.
bool fillsLine(std::string_view document, std::string_view line) {
  const char* lineEnd = line.data() + line.size();
  const char* documentEnd = document.data() + document.size();
  if (document.data() < line.data() || documentEnd > lineEnd) return false;
  auto blank = [](const char* begin, const char* end) {
    return std::string_view(begin, static_cast<std::size_t>(end - begin))
               .find_first_not_of(" \t\r") == std::string_view::npos;
  };
  return blank(line.data(), document.data()) && blank(documentEnd, lineEnd);
}

// Big enough that stage 1 runs over hundreds of lines at once, small enough that the parser's
// buffers (about 14 bytes a byte of batch) stay under 1 MiB. Measured: larger batches were no
// faster, and at 256 KiB the bench spent its time in page faults, glibc giving the freed
// buffers back to the kernel after every body. A longer line takes the line-by-line path.
constexpr std::size_t kStreamBatchBytes = 64 * 1024;

// The fast path for NDJSON: simdjson's parse_many finds the structure of a whole batch of lines
// in one pass (stage 1) instead of one call per line, the bulk of the parsing cost of short
// lines. Its documents are split at whitespace, not at line ends, and it silently drops an
// incomplete document at the end, so it takes a line only when the next document is an object
// filling exactly that line (but for whitespace): parsed alone, the line gives the same object
// (stage 1 starts it outside any string, as the batch did where the object began). It stops at
// the first line it cannot take that way (a bad line, two objects on a line, a non-object, a
// line longer than a batch) and returns nullopt; the line-by-line path goes on from there.
// Otherwise the final result: all lines taken, or refused for too many.
std::optional<Result<DecodeResult>> decodeStream(const simdjson::padded_string& padded,
                                                 NdjsonProgress& progress, BatchEncoder& out,
                                                 const DecodeLimits& limits) {
  simdjson::dom::parser parser;
  // One request, one thread: no helper thread for stage 1 of the next batch.
  parser.threaded = false;
  simdjson::dom::document_stream stream;
  if (parser.parse_many(padded, std::min(padded.size(), kStreamBatchBytes)).get(stream)) {
    return std::nullopt;
  }
  NonBlankLines& lines = progress.lines;
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    simdjson::dom::object object;
    if ((*it).get_object().get(object)) return std::nullopt;
    const auto& line = lines.peek();
    if (!line) return std::nullopt;
    // As line by line: the line past the limit refuses the body, whatever it holds.
    if (progress.result.accepted >= limits.maxEntries) return tooMany(limits);
    if (!fillsLine(it.source(), line->text)) return std::nullopt;
    addJsonObjectEntry(object, progress.scratch, out);
    ++progress.result.accepted;
    lines.take();
  }
  if (lines.peek()) return std::nullopt;
  return finished(std::move(progress.result));
}

enum class NdjsonPath { kStreamFirst, kLineByLine };

Result<DecodeResult> decodeBody(std::string_view body, BatchEncoder& out,
                                const DecodeLimits& limits, NdjsonPath path) {
  // One padded copy of the body: every line inside it then has the padding simdjson reads
  // past its end, so lines are parsed in place.
  const simdjson::padded_string padded(body);
  const std::string_view text(padded.data(), padded.size());
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return DecodeResult{};
  // The batch comes out about the size of the body.
  out.reserve(body.size());
  if (text[first] == '[') return decodeArray(padded, out, limits);
  NdjsonProgress progress(text);
  if (path == NdjsonPath::kStreamFirst) {
    if (auto result = decodeStream(padded, progress, out, limits)) return std::move(*result);
  }
  return decodeLines(progress, out, limits);
}

}  // namespace

Result<DecodeResult> decodeNative(std::string_view body, BatchEncoder& out,
                                  const DecodeLimits& limits) {
  return decodeBody(body, out, limits, NdjsonPath::kStreamFirst);
}

Result<DecodeResult> decodeNativeLineByLine(std::string_view body, BatchEncoder& out,
                                            const DecodeLimits& limits) {
  return decodeBody(body, out, limits, NdjsonPath::kLineByLine);
}

std::optional<Result<DecodeResult>> decodeNativeStream(std::string_view body, BatchEncoder& out,
                                                       const DecodeLimits& limits) {
  const simdjson::padded_string padded(body);
  NdjsonProgress progress(std::string_view(padded.data(), padded.size()));
  return decodeStream(padded, progress, out, limits);
}

}  // namespace pharos::logs
