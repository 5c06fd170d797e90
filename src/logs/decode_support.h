#pragma once

// Pieces the ingest decoders share (internal to logs/): a scratch arena for one entry's
// owned strings, timestamp parsing, severity names, and the JSON-object-to-entry mapping of
// the native and Elasticsearch bulk bodies.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "logs/ingest_decoders.h"
#include "logs/log_batch.h"
#include "logs/timestamp_parse.h"

namespace pharos::logs {

// A slice of EntryScratch::text(): offsets, because the text may grow (and move) while the
// entry is being built. Or, when `external` is set, `size` bytes there: a string that outlives
// the entry (a parsed JSON document's), borrowed rather than copied.
struct TextRange {
  std::size_t offset = 0;
  std::size_t size = 0;
  const char* external = nullptr;
};

// The owned strings of one entry being decoded (flattened keys, numbers as text, JSON text),
// reused from entry to entry so the hot path does not allocate once it is warm, and its
// attributes as pairs of ranges, owned or borrowed.
class EntryScratch {
 public:
  void clear() {
    text_.clear();
    ranges_.clear();
  }
  // What is in the scratch now, to return to with rewind(): the attributes every entry of a
  // group shares (OTLP resource and scope) are rendered once, not once per entry.
  struct Mark {
    std::size_t text = 0;
    std::size_t attributes = 0;
  };
  Mark mark() const { return {text_.size(), ranges_.size()}; }
  void rewind(Mark m) {
    text_.resize(m.text);
    ranges_.resize(m.attributes);
  }
  std::string& text() { return text_; }
  TextRange append(std::string_view s) {
    TextRange r{text_.size(), s.size()};
    text_.append(s);
    return r;
  }
  TextRange since(std::size_t start) const { return {start, text_.size() - start}; }
  // A range for `s` without a copy: `s` must outlive the entry.
  static TextRange borrow(std::string_view s) { return {0, s.size(), s.data()}; }
  std::string_view view(TextRange r) const {
    if (r.external != nullptr) return {r.external, r.size};
    return std::string_view(text_).substr(r.offset, r.size);
  }

  void addAttribute(TextRange key, TextRange value) { ranges_.emplace_back(key, value); }
  void addAttribute(std::string_view key, std::string_view value) {
    TextRange k = append(key);
    addAttribute(k, append(value));
  }
  std::size_t attributeCount() const { return ranges_.size(); }
  std::string_view key(std::size_t i) const { return view(ranges_[i].first); }
  std::string_view value(std::size_t i) const { return view(ranges_[i].second); }

  // Views of the attributes, skipping the indexes in `skip`, ascending (fields taken as time,
  // message, level or service). Valid until the next change to the scratch.
  // `extra` views are appended as they are.
  std::span<const AttributeView> attributes(std::span<const std::size_t> skip = {},
                                            std::span<const AttributeView> extra = {});

 private:
  std::string text_;
  std::vector<std::pair<TextRange, TextRange>> ranges_;
  std::vector<AttributeView> views_;
};

// OTel severity number ranges to the level names we store; "" outside 1..24.
std::string_view severityNumberName(std::int64_t number);

void appendInt(std::string& out, std::int64_t v);
void appendUint(std::string& out, std::uint64_t v);
void appendDouble(std::string& out, double v);
void appendHex(std::string& out, std::string_view bytes);
void appendBase64(std::string& out, std::string_view bytes);

// The error for a batch that grew past limits.maxBatchBytes, or nullopt while it is within.
std::optional<Error> batchTooLarge(const BatchEncoder& out, const DecodeLimits& limits);

// Collects per-entry rejections into a DecodeResult, keeping the first few reasons.
void noteRejected(DecodeResult& result, std::string reason);

// Maps one JSON object (a native line, a bulk source line) into `scratch` and adds the entry
// to `out`, with `extra` attributes appended after the object's own. See decodeNative for
// the key conventions.
void addJsonObjectEntry(simdjson::dom::object object, EntryScratch& scratch, BatchEncoder& out,
                        std::span<const AttributeView> extra = {});

// decodeNative's two ways through an NDJSON body, exposed for the tests and the fuzzer that
// check they agree. Line by line, every line parsed on its own: the reference, and what
// decodeNative does from the first line its fast path cannot take.
Result<DecodeResult> decodeNativeLineByLine(std::string_view body, BatchEncoder& out,
                                            const DecodeLimits& limits);
// The fast path alone (simdjson parse_many over many lines at once): nullopt when it cannot
// take every line of the body (a bad or odd line; `out` then holds the lines before it).
std::optional<Result<DecodeResult>> decodeNativeStream(std::string_view body, BatchEncoder& out,
                                                       const DecodeLimits& limits);

// "line 3: <simdjson's message>" style description of a simdjson error.
std::string jsonErrorText(simdjson::error_code error);

}  // namespace pharos::logs
