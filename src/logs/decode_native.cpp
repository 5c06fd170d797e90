// Native NDJSON / JSON-array ingest: see decodeNative in ingest_decoders.h.
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

// An element of the body: an entry when it is an object, else a rejection saying where.
void addEntry(simdjson::dom::element element, std::string_view where, EntryScratch& scratch,
              BatchEncoder& out, DecodeResult& result) {
  simdjson::dom::object object;
  if (element.get_object().get(object)) {
    noteRejected(result, std::string(where) + ": expected a JSON object, found " +
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
    ++position;
    addEntry(element, "element " + std::to_string(position), scratch, out, result);
  }
  return finished(std::move(result));
}

}  // namespace

Result<DecodeResult> decodeNative(std::string_view body, BatchEncoder& out,
                                  const DecodeLimits& limits) {
  // One padded copy of the body: every line inside it then has the padding simdjson reads
  // past its end, so lines are parsed in place.
  const simdjson::padded_string padded(body);
  const std::string_view text(padded.data(), padded.size());
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return DecodeResult{};
  if (text[first] == '[') return decodeArray(padded, out, limits);

  simdjson::dom::parser parser;
  EntryScratch scratch;
  DecodeResult result;
  std::size_t lineNumber = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++lineNumber;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (result.accepted + result.rejected >= limits.maxEntries) return tooMany(limits);
    simdjson::dom::element root;
    if (auto error = parser.parse(line.data(), line.size(), false).get(root)) {
      noteRejected(
          result, "line " + std::to_string(lineNumber) + ": invalid JSON: " + jsonErrorText(error));
      continue;
    }
    addEntry(root, "line " + std::to_string(lineNumber), scratch, out, result);
  }
  return finished(std::move(result));
}

}  // namespace pharos::logs
