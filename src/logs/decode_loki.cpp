// Loki push API, JSON and snappy-compressed protobuf: see decodeLokiJson in ingest_decoders.h.
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>
#include <snappy.h>

#include "core/text.h"
#include "logs/decode_support.h"
#include "logs/ingest_decoders.h"
#include "logs/protobuf_reader.h"

namespace pharos::logs {
namespace {

Error invalid(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message));
}

// Builds one stream's entries: the labels are shared, the metadata is per entry.
class LokiStream {
 public:
  void clearLabels() {
    labelText_.clear();
    labels_.clear();
  }
  void addLabel(std::string_view name, std::string_view value) {
    labels_.push_back({labelText_.append(name), labelText_.append(value)});
  }
  // For JSON and protobuf, where the label text lives in the body or the DOM.
  void addLabelView(std::string_view name, std::string_view value) {
    views_.push_back({name, value});
  }
  void startLabels() {
    clearLabels();
    views_.clear();
  }
  // Freezes the labels: call once after adding them, before entries.
  void labelsDone() {
    for (const auto& [name, value] : labels_) {
      views_.push_back({labelText_.view(name), labelText_.view(value)});
    }
    labelCount_ = views_.size();
  }

  void add(std::int64_t timestampNs, std::string_view line, std::span<const AttributeView> metadata,
           BatchEncoder& out) {
    views_.resize(labelCount_);
    views_.insert(views_.end(), metadata.begin(), metadata.end());
    EntryView entry;
    entry.timestampNs = timestampNs;
    entry.message = line;
    entry.service = first({"service_name", "service", "app", "job"});
    entry.level = first({"level", "detected_level", "severity"});
    entry.attributes = views_;
    out.add(entry);
  }

 private:
  std::string_view first(std::initializer_list<std::string_view> names) const {
    for (auto name : names) {
      for (const auto& a : views_) {
        if (a.key == name) return a.value;
      }
    }
    return {};
  }

  EntryScratch labelText_;
  std::vector<std::pair<TextRange, TextRange>> labels_;
  std::vector<AttributeView> views_;
  std::size_t labelCount_ = 0;
};

bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isNameChar(char c) {
  return isNameStart(c) || (c >= '0' && c <= '9');
}

// Prometheus label-set text, `{job="x", level="warn"}`, with Go string escapes in values
// (\" \\ \n \t \r, \xNN, \uNNNN); names are [a-zA-Z_][a-zA-Z0-9_]*.
Status parseLabels(std::string_view text, LokiStream& stream) {
  std::size_t i = 0;
  auto fail = [&](std::string_view what) {
    return invalid("labels " + std::string(text.substr(0, 200)) + ": " + std::string(what) +
                   " at offset " + std::to_string(i));
  };
  auto skipSpace = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
      ++i;
  };
  skipSpace();
  if (i >= text.size() || text[i] != '{') return fail("expected '{'");
  ++i;
  std::string value;
  for (bool first = true;; first = false) {
    skipSpace();
    if (i < text.size() && text[i] == '}') {
      ++i;
      break;
    }
    if (!first) {
      if (i >= text.size() || text[i] != ',') return fail("expected ',' or '}'");
      ++i;
      skipSpace();
      if (i < text.size() && text[i] == '}') {  // a trailing comma, as Prometheus allows
        ++i;
        break;
      }
    }
    const std::size_t nameStart = i;
    if (i >= text.size() || !isNameStart(text[i])) return fail("expected a label name");
    while (i < text.size() && isNameChar(text[i]))
      ++i;
    const std::string_view name = text.substr(nameStart, i - nameStart);
    skipSpace();
    if (i >= text.size() || text[i] != '=') return fail("expected '='");
    ++i;
    skipSpace();
    if (i >= text.size() || text[i] != '"') return fail("expected '\"'");
    ++i;
    value.clear();
    for (;;) {
      if (i >= text.size()) return fail("unterminated value");
      const char c = text[i++];
      if (c == '"') break;
      if (c != '\\') {
        value.push_back(c);
        continue;
      }
      if (i >= text.size()) return fail("unterminated escape");
      const char e = text[i++];
      switch (e) {
        case '"':
        case '\\':
        case '\'':
          value.push_back(e);
          break;
        case 'n':
          value.push_back('\n');
          break;
        case 't':
          value.push_back('\t');
          break;
        case 'r':
          value.push_back('\r');
          break;
        case 'x':
        case 'u': {
          const std::size_t digits = e == 'x' ? 2 : 4;
          if (i + digits > text.size()) return fail("short escape");
          std::uint32_t code = 0;
          for (std::size_t k = 0; k < digits; ++k) {
            const int d = hexDigitValue(text[i + k]);
            if (d < 0) return fail("bad hex escape");
            code = code * 16 + static_cast<std::uint32_t>(d);
          }
          i += digits;
          if (e == 'x' || code < 0x80) {
            value.push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            value.push_back(static_cast<char>(0xC0 | (code >> 6)));
            value.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {  // surrogates come out invalid and the encoder replaces them
            value.push_back(static_cast<char>(0xE0 | (code >> 12)));
            value.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            value.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default:
          return fail("unknown escape");
      }
    }
    stream.addLabel(name, value);
  }
  skipSpace();
  if (i != text.size()) return fail("text after '}'");
  return okStatus();
}

// ---- protobuf: logproto.PushRequest ----

Result<std::int64_t> timestampPb(ProtobufReader& parent, std::string_view bytes) {
  ProtobufReader ts = parent.nested(bytes);
  ProtobufField f;
  std::int64_t seconds = 0, nanos = 0;
  while (ts.next(f)) {
    if (f.number == 1 && ts.expect(f, WireType::kVarint))
      seconds = static_cast<std::int64_t>(f.integer);
    if (f.number == 2 && ts.expect(f, WireType::kVarint))
      nanos = static_cast<std::int32_t>(f.integer);
  }
  if (!parent.adopt(ts)) return invalid("Loki protobuf: " + parent.error());
  // google.protobuf.Timestamp: seconds within years 1..9999, nanos 0..999999999; we need
  // int64 nanoseconds (1677..2262).
  if (nanos < 0 || nanos > 999999999 || seconds < -9223372036LL || seconds > 9223372035LL) {
    return invalid("Loki protobuf: entry timestamp out of range");
  }
  return seconds * 1000000000 + nanos;
}

Status streamPb(ProtobufReader& parent, std::string_view bytes, LokiStream& stream,
                std::vector<AttributeView>& metadata, BatchEncoder& out, const DecodeLimits& limits,
                DecodeResult& result) {
  // Labels first whatever their place on the wire.
  ProtobufReader reader = parent.nested(bytes);
  ProtobufField f;
  std::string_view labels;
  bool hasLabels = false;
  while (reader.next(f)) {
    if (f.number == 1 && reader.expect(f, WireType::kLengthDelimited)) {
      labels = f.bytes;
      hasLabels = true;
    }
  }
  if (!parent.adopt(reader)) return invalid("Loki protobuf: " + parent.error());
  if (!hasLabels) return invalid("Loki protobuf: a stream without labels");
  stream.startLabels();
  PHAROS_TRY(parseLabels(labels, stream));
  stream.labelsDone();

  ProtobufReader entries = parent.nested(bytes);
  while (entries.next(f)) {
    if (f.number != 2) continue;
    if (!entries.expect(f, WireType::kLengthDelimited)) break;
    if (result.accepted >= limits.maxEntries) {
      return invalid("more than " + std::to_string(limits.maxEntries) + " entries in one push");
    }
    ProtobufReader entry = entries.nested(f.bytes);
    ProtobufField g;
    std::int64_t timestampNs = 0;
    bool hasTimestamp = false;
    std::string_view line;
    metadata.clear();
    while (entry.next(g)) {
      if (g.number == 1 && entry.expect(g, WireType::kLengthDelimited)) {
        auto ns = timestampPb(entry, g.bytes);
        if (!ns.ok()) return std::move(ns).error();
        timestampNs = *ns;
        hasTimestamp = true;
      } else if (g.number == 2 && entry.expect(g, WireType::kLengthDelimited)) {
        line = g.bytes;
      } else if (g.number == 3 && entry.expect(g, WireType::kLengthDelimited)) {
        ProtobufReader pair = entry.nested(g.bytes);
        ProtobufField h;
        AttributeView a;
        while (pair.next(h)) {
          if (h.number == 1 && pair.expect(h, WireType::kLengthDelimited)) a.key = h.bytes;
          if (h.number == 2 && pair.expect(h, WireType::kLengthDelimited)) a.value = h.bytes;
        }
        if (!entry.adopt(pair)) break;
        metadata.push_back(a);
      }
    }
    if (!entries.adopt(entry)) break;
    if (!hasTimestamp) return invalid("Loki protobuf: an entry without a timestamp");
    stream.add(timestampNs, line, metadata, out);
    if (auto e = batchTooLarge(out, limits)) return *e;
    ++result.accepted;
  }
  if (!parent.adopt(entries)) return invalid("Loki protobuf: " + parent.error());
  return okStatus();
}

}  // namespace

Result<DecodeResult> decodeLokiProtobuf(std::string_view body, BatchEncoder& out,
                                        const DecodeLimits& limits) {
  std::size_t length = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &length)) {
    return invalid("Loki protobuf: body is not snappy-compressed");
  }
  if (length > limits.maxDecompressedBytes) {
    return invalid("Loki protobuf: decompresses to " + std::to_string(length) +
                   " bytes, more than the limit of " + std::to_string(limits.maxDecompressedBytes));
  }
  std::string raw;
  if (!snappy::Uncompress(body.data(), body.size(), &raw)) {
    return invalid("Loki protobuf: corrupt snappy data");
  }
  DecodeResult result;
  LokiStream stream;
  std::vector<AttributeView> metadata;
  ProtobufReader request(raw);
  ProtobufField f;
  while (request.next(f)) {
    if (f.number != 1) continue;
    if (!request.expect(f, WireType::kLengthDelimited)) break;
    PHAROS_TRY(streamPb(request, f.bytes, stream, metadata, out, limits, result));
  }
  if (request.failed()) return invalid("Loki protobuf: " + request.error());
  return result;
}

Result<DecodeResult> decodeLokiJson(std::string_view body, BatchEncoder& out,
                                    const DecodeLimits& limits) {
  using simdjson::dom::element;
  simdjson::dom::parser parser;
  element root;
  if (auto e = parser.parse(body.data(), body.size(), true).get(root)) {
    return invalid("Loki JSON: invalid JSON: " + jsonErrorText(e));
  }
  simdjson::dom::array streams;
  if (root["streams"].get_array().get(streams)) {
    return invalid("Loki JSON: expected an object with a \"streams\" array");
  }
  DecodeResult result;
  LokiStream stream;
  std::vector<AttributeView> metadata;
  std::size_t si = 0;
  for (element streamElement : streams) {
    const std::string where = "Loki JSON: streams[" + std::to_string(si++) + "]";
    simdjson::dom::object labels;
    simdjson::dom::array values;
    if (streamElement["stream"].get_object().get(labels)) {
      return invalid(where + ": expected a \"stream\" object of labels");
    }
    if (streamElement["values"].get_array().get(values)) {
      return invalid(where + ": expected a \"values\" array");
    }
    stream.startLabels();
    for (auto label : labels) {
      std::string_view value;
      if (label.value.get_string().get(value)) {
        return invalid(where + ": label " + std::string(label.key) + " is not a string");
      }
      stream.addLabelView(label.key, value);
    }
    stream.labelsDone();
    std::size_t vi = 0;
    for (element valueElement : values) {
      const std::string at = where + ".values[" + std::to_string(vi++) + "]";
      if (result.accepted >= limits.maxEntries) {
        return invalid("more than " + std::to_string(limits.maxEntries) + " entries in one push");
      }
      simdjson::dom::array tuple;
      std::string_view ts, line;
      if (valueElement.get_array().get(tuple) || tuple.size() < 2 || tuple.size() > 3 ||
          tuple.at(0).get_string().get(ts) || tuple.at(1).get_string().get(line)) {
        return invalid(at + ": expected [\"<unix ns>\", \"<line>\"(, {metadata})]");
      }
      auto ns = parseDecimalNs(ts);
      if (!ns)
        return invalid(at + ": timestamp \"" + std::string(ts.substr(0, 40)) +
                       "\" is not unix nanoseconds");
      metadata.clear();
      if (tuple.size() == 3) {
        simdjson::dom::object meta;
        if (tuple.at(2).get_object().get(meta)) {
          return invalid(at + ": structured metadata must be an object");
        }
        for (auto pair : meta) {
          std::string_view value;
          if (pair.value.get_string().get(value)) {
            return invalid(at + ": metadata " + std::string(pair.key) + " is not a string");
          }
          metadata.push_back({pair.key, value});
        }
      }
      stream.add(*ns, line, metadata, out);
      if (auto e = batchTooLarge(out, limits)) return *e;
      ++result.accepted;
    }
  }
  return result;
}

}  // namespace pharos::logs
