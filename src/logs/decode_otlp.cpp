// OTLP/HTTP logs, protobuf and JSON: see decodeOtlpProtobuf in ingest_decoders.h. Both walk
// the same tree (ResourceLogs > ScopeLogs > LogRecord) and fill the same scratch per record
// (resource attributes, scope, record attributes, ids), so a record reads the same whichever
// encoding it came in.
#include <cstring>
#include <optional>
#include <string>

#include <simdjson.h>

#include "core/text.h"
#include "logs/decode_support.h"
#include "logs/ingest_decoders.h"
#include "logs/protobuf_reader.h"

namespace pharos::logs {
namespace {

// OTLP/JSON AnyValue nesting deeper than this refuses the body (protobuf is bounded by
// ProtobufReader::kMaxDepth).
constexpr int kMaxJsonValueDepth = 24;

Error invalid(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message));
}

Error tooMany(const DecodeLimits& limits) {
  return invalid("more than " + std::to_string(limits.maxEntries) + " log records in one body");
}

// What one record contributes beside its attributes, filled while walking it.
struct RecordFields {
  std::uint64_t timeNs = 0;
  std::uint64_t observedNs = 0;
  std::int64_t severityNumber = 0;
  TextRange severityText;
  TextRange message;
  TextRange traceId;
  TextRange spanId;
};

void addRecord(EntryScratch& s, std::size_t resourceAttributes, const RecordFields& f,
               BatchEncoder& out) {
  if (f.traceId.size > 0) s.addAttribute(s.append("trace_id"), f.traceId);
  if (f.spanId.size > 0) s.addAttribute(s.append("span_id"), f.spanId);
  EntryView entry;
  const std::uint64_t ns = f.timeNs != 0 ? f.timeNs : f.observedNs;
  // Past int64 nanoseconds (year 2262) is garbage; 0 lets the receive time stand in.
  entry.timestampNs =
      ns > static_cast<std::uint64_t>(INT64_MAX) ? 0 : static_cast<std::int64_t>(ns);
  for (std::size_t i = 0; i < resourceAttributes; ++i) {
    if (s.key(i) == "service.name") {
      entry.service = s.value(i);
      break;
    }
  }
  entry.level = s.view(f.severityText);
  if (entry.level.empty()) entry.level = severityNumberName(f.severityNumber);
  entry.message = s.view(f.message);
  entry.attributes = s.attributes();
  out.add(entry);
}

// Starts a ScopeLogs' scratch with the resource's attributes, rendered once per ResourceLogs:
// re-walking the resource for every scope would let a body of many small scopes under one
// big resource cost quadratic time.
void startWithResource(EntryScratch& s, const EntryScratch& resource) {
  s.clear();
  for (std::size_t i = 0; i < resource.attributeCount(); ++i) {
    s.addAttribute(resource.key(i), resource.value(i));
  }
}

// ---- protobuf (opentelemetry-proto logs/v1, common/v1, resource/v1) ----

bool anyValueJsonPb(ProtobufReader& parent, std::string_view bytes, std::string& out);

// KeyValueList / ArrayValue bodies as a JSON object / array.
bool containerJsonPb(ProtobufReader& parent, std::string_view bytes, bool isKvlist,
                     std::string& out) {
  ProtobufReader list = parent.nested(bytes);
  ProtobufField f;
  out.push_back(isKvlist ? '{' : '[');
  bool first = true;
  while (list.next(f)) {
    if (f.number != 1) continue;
    if (!list.expect(f, WireType::kLengthDelimited)) break;
    if (!first) out.push_back(',');
    first = false;
    if (!isKvlist) {
      if (!anyValueJsonPb(list, f.bytes, out)) break;
      continue;
    }
    ProtobufReader kv = list.nested(f.bytes);
    std::string_view key, value;
    bool hasValue = false;
    ProtobufField g;
    while (kv.next(g)) {
      if (g.number == 1 && kv.expect(g, WireType::kLengthDelimited)) key = g.bytes;
      if (g.number == 2 && kv.expect(g, WireType::kLengthDelimited)) {
        value = g.bytes;
        hasValue = true;
      }
    }
    if (!list.adopt(kv)) break;
    appendJsonString(out, key);
    out.push_back(':');
    if (!hasValue) {
      out.append("null");
    } else if (!anyValueJsonPb(list, value, out)) {
      break;
    }
  }
  out.push_back(isKvlist ? '}' : ']');
  return parent.adopt(list);
}

// The AnyValue member that is set (the last one on the wire wins, as protobuf's oneof does);
// number 0 when none is. False (and `parent` failed) on malformed bytes.
bool anyValueMember(ProtobufReader& parent, std::string_view bytes, ProtobufField& chosen) {
  ProtobufReader value = parent.nested(bytes);
  ProtobufField f;
  chosen = {};
  while (value.next(f)) {
    if (f.number >= 1 && f.number <= 7) chosen = f;
  }
  static constexpr WireType kTypes[] = {WireType::kVarint,          WireType::kLengthDelimited,
                                        WireType::kVarint,          WireType::kVarint,
                                        WireType::kFixed64,         WireType::kLengthDelimited,
                                        WireType::kLengthDelimited, WireType::kLengthDelimited};
  if (chosen.number != 0) value.expect(chosen, kTypes[chosen.number]);
  return parent.adopt(value);
}

// AnyValue as JSON text appended to `out`; false (and `parent` failed) on malformed bytes.
bool anyValueJsonPb(ProtobufReader& parent, std::string_view bytes, std::string& out) {
  ProtobufField f;
  if (!anyValueMember(parent, bytes, f)) return false;
  switch (f.number) {
    case 1:
      appendJsonString(out, f.bytes);
      return true;
    case 2:
      out.append(f.integer != 0 ? "true" : "false");
      return true;
    case 3:
      appendInt(out, static_cast<std::int64_t>(f.integer));
      return true;
    case 4: {
      double d;
      std::memcpy(&d, &f.integer, sizeof d);
      const bool finite = d == d && d - d == 0;
      if (!finite) out.push_back('"');  // NaN and infinities have no JSON number form
      appendDouble(out, d);
      if (!finite) out.push_back('"');
      return true;
    }
    case 5:
    case 6:
      return containerJsonPb(parent, f.bytes, f.number == 6, out);
    case 7:
      out.push_back('"');
      appendBase64(out, f.bytes);
      out.push_back('"');
      return true;
    default:
      out.append("null");
      return true;
  }
}

// AnyValue as attribute or message text: a string as it is, anything else as JSON text,
// `emptyText` when no member is set.
bool anyValueTextPb(ProtobufReader& parent, std::string_view bytes, std::string& out,
                    std::string_view emptyText) {
  ProtobufField f;
  if (!anyValueMember(parent, bytes, f)) return false;
  if (f.number == 0) {
    out.append(emptyText);
    return true;
  }
  if (f.number == 1) {
    out.append(f.bytes);
    return true;
  }
  return anyValueJsonPb(parent, bytes, out);
}

// A KeyValue message into the scratch as one attribute.
bool keyValuePb(ProtobufReader& parent, std::string_view bytes, EntryScratch& s) {
  ProtobufReader kv = parent.nested(bytes);
  ProtobufField f;
  std::string_view key, value;
  bool hasValue = false;
  while (kv.next(f)) {
    if (f.number == 1 && kv.expect(f, WireType::kLengthDelimited)) key = f.bytes;
    if (f.number == 2 && kv.expect(f, WireType::kLengthDelimited)) {
      value = f.bytes;
      hasValue = true;
    }
  }
  if (!parent.adopt(kv)) return false;
  const TextRange k = s.append(key);
  const std::size_t start = s.text().size();
  if (!hasValue) {
    s.text().append("null");
  } else if (!anyValueTextPb(parent, value, s.text(), "null")) {
    return false;
  }
  s.addAttribute(k, s.since(start));
  return true;
}

// Every KeyValue at `fieldNumber` of the message `bytes`, in order.
bool attributesPb(ProtobufReader& parent, std::string_view bytes, std::uint32_t fieldNumber,
                  EntryScratch& s) {
  ProtobufReader message = parent.nested(bytes);
  ProtobufField f;
  while (message.next(f)) {
    if (f.number != fieldNumber) continue;
    if (!message.expect(f, WireType::kLengthDelimited)) break;
    if (!keyValuePb(message, f.bytes, s)) break;
  }
  return parent.adopt(message);
}

bool scopePb(ProtobufReader& parent, std::string_view bytes, EntryScratch& s) {
  ProtobufReader scope = parent.nested(bytes);
  ProtobufField f;
  while (scope.next(f)) {
    if (f.number == 1 || f.number == 2) {
      if (!scope.expect(f, WireType::kLengthDelimited)) break;
      if (!f.bytes.empty()) {
        s.addAttribute(f.number == 1 ? "otel.scope.name" : "otel.scope.version", f.bytes);
      }
    } else if (f.number == 3) {
      if (!scope.expect(f, WireType::kLengthDelimited) || !keyValuePb(scope, f.bytes, s)) break;
    }
  }
  return parent.adopt(scope);
}

bool logRecordPb(ProtobufReader& parent, std::string_view bytes, EntryScratch& s, RecordFields& r) {
  ProtobufReader record = parent.nested(bytes);
  ProtobufField f;
  while (record.next(f)) {
    switch (f.number) {
      case 1:
        if (record.expect(f, WireType::kFixed64)) r.timeNs = f.integer;
        break;
      case 11:
        if (record.expect(f, WireType::kFixed64)) r.observedNs = f.integer;
        break;
      case 2:
        if (record.expect(f, WireType::kVarint))
          r.severityNumber = static_cast<std::int32_t>(f.integer);
        break;
      case 3:
        if (record.expect(f, WireType::kLengthDelimited)) r.severityText = s.append(f.bytes);
        break;
      case 5: {
        if (!record.expect(f, WireType::kLengthDelimited)) break;
        const std::size_t start = s.text().size();
        if (anyValueTextPb(record, f.bytes, s.text(), "")) r.message = s.since(start);
        break;
      }
      case 6:
        if (record.expect(f, WireType::kLengthDelimited)) keyValuePb(record, f.bytes, s);
        break;
      case 9:
      case 10: {
        if (!record.expect(f, WireType::kLengthDelimited) || f.bytes.empty()) break;
        const std::size_t start = s.text().size();
        appendHex(s.text(), f.bytes);
        (f.number == 9 ? r.traceId : r.spanId) = s.since(start);
        break;
      }
      case 12:
        if (record.expect(f, WireType::kLengthDelimited) && !f.bytes.empty()) {
          s.addAttribute("event.name", f.bytes);
        }
        break;
      default:
        break;
    }
  }
  return parent.adopt(record);
}

// The last field `number` of `bytes` as a length-delimited value, after checking the whole
// message's framing (so a second pass over it cannot fail).
bool lastMessageField(ProtobufReader& parent, std::string_view bytes, std::uint32_t number,
                      std::string_view& found) {
  ProtobufReader message = parent.nested(bytes);
  ProtobufField f;
  while (message.next(f)) {
    if (f.number == number && message.expect(f, WireType::kLengthDelimited)) found = f.bytes;
  }
  return parent.adopt(message);
}

struct PbWalk {
  BatchEncoder& out;
  const DecodeLimits& limits;
  EntryScratch scratch;
  EntryScratch resource;  // the current ResourceLogs' attributes
  std::size_t records = 0;
  std::optional<Error> limitError;  // too many records or too many bytes
};

bool scopeLogsPb(ProtobufReader& parent, std::string_view bytes, PbWalk& w) {
  std::string_view scope;
  if (!lastMessageField(parent, bytes, 1, scope)) return false;
  ProtobufReader scopeLogs = parent.nested(bytes);
  EntryScratch& s = w.scratch;
  // The shared attributes are rendered at the first record only, so a scope without records
  // costs nothing beyond its own bytes.
  bool sharedReady = false;
  EntryScratch::Mark shared;
  ProtobufField f;
  while (scopeLogs.next(f)) {
    if (f.number != 2) continue;
    if (!scopeLogs.expect(f, WireType::kLengthDelimited)) break;
    if (++w.records > w.limits.maxEntries) {
      w.limitError = tooMany(w.limits);
      return false;
    }
    if (!sharedReady) {
      startWithResource(s, w.resource);
      if (!scope.empty() && !scopePb(scopeLogs, scope, s)) break;
      shared = s.mark();
      sharedReady = true;
    }
    s.rewind(shared);
    RecordFields r;
    if (!logRecordPb(scopeLogs, f.bytes, s, r)) break;
    addRecord(s, w.resource.attributeCount(), r, w.out);
    if ((w.limitError = batchTooLarge(w.out, w.limits))) return false;
  }
  return parent.adopt(scopeLogs);
}

bool resourceLogsPb(ProtobufReader& parent, std::string_view bytes, PbWalk& w) {
  std::string_view resource;
  if (!lastMessageField(parent, bytes, 1, resource)) return false;
  ProtobufReader resourceLogs = parent.nested(bytes);
  w.resource.clear();
  if (!attributesPb(resourceLogs, resource, 1, w.resource)) return parent.adopt(resourceLogs);
  ProtobufField f;
  while (resourceLogs.next(f)) {
    if (f.number != 2) continue;
    if (!resourceLogs.expect(f, WireType::kLengthDelimited)) break;
    if (!scopeLogsPb(resourceLogs, f.bytes, w)) break;
  }
  return parent.adopt(resourceLogs) && !w.limitError;
}

// ---- JSON (OTLP/JSON: proto3 JSON mapping with hex ids) ----

using simdjson::dom::element;
using simdjson::dom::element_type;

// Reads a proto3 JSON int64/uint64/fixed64: a number or a decimal string.
bool jsonInteger(element e, std::int64_t& out) {
  if (e.type() == element_type::STRING) {
    std::string_view text;
    text = e.get_string().value_unsafe();
    bool negative = !text.empty() && text.front() == '-';
    if (negative) text.remove_prefix(1);
    auto v = parseDecimalNs(text);
    if (!v) return false;
    out = negative ? -*v : *v;
    return true;
  }
  if (e.type() == element_type::INT64) return !e.get_int64().get(out);
  if (e.type() == element_type::UINT64) {
    std::uint64_t u = 0;
    u = e.get_uint64().value_unsafe();
    out = static_cast<std::int64_t>(u);
    return true;
  }
  return false;
}

bool jsonUnsigned(element e, std::uint64_t& out) {
  if (e.type() == element_type::UINT64) return !e.get_uint64().get(out);
  std::int64_t v = 0;
  if (!jsonInteger(e, v) || v < 0) return false;
  out = static_cast<std::uint64_t>(v);
  return true;
}

// Member `name` of `object` if present; `found` false when absent.
element member(simdjson::dom::object object, std::string_view name, bool& found) {
  element e;
  found = !object.at_key(name).get(e);
  return e;
}

bool anyValueJson(element value, std::string& out, int depth, std::string& error);

bool containerJson(element container, bool isKvlist, std::string& out, int depth,
                   std::string& error) {
  simdjson::dom::object object;
  simdjson::dom::array values;
  bool found = false;
  if (container.get_object().get(object)) {
    error = isKvlist ? "kvlistValue: expected an object" : "arrayValue: expected an object";
    return false;
  }
  element v = member(object, "values", found);
  out.push_back(isKvlist ? '{' : '[');
  if (found && v.get_array().get(values)) {
    error = "values: expected an array";
    return false;
  }
  bool first = true;
  if (found) {
    for (element item : values) {
      if (!first) out.push_back(',');
      first = false;
      if (!isKvlist) {
        if (!anyValueJson(item, out, depth + 1, error)) return false;
        continue;
      }
      simdjson::dom::object kv;
      std::string_view key;
      if (item.get_object().get(kv) || kv["key"].get_string().get(key)) {
        error = "kvlistValue: each value needs a string key";
        return false;
      }
      appendJsonString(out, key);
      out.push_back(':');
      bool hasValue = false;
      element inner = member(kv, "value", hasValue);
      if (!hasValue) {
        out.append("null");
      } else if (!anyValueJson(inner, out, depth + 1, error)) {
        return false;
      }
    }
  }
  out.push_back(isKvlist ? '}' : ']');
  return true;
}

// AnyValue (JSON form) as JSON text.
bool anyValueJson(element value, std::string& out, int depth, std::string& error) {
  if (depth > kMaxJsonValueDepth) {
    error = "AnyValue nested deeper than " + std::to_string(kMaxJsonValueDepth);
    return false;
  }
  simdjson::dom::object object;
  if (value.get_object().get(object)) {
    error = "AnyValue: expected an object";
    return false;
  }
  for (auto field : object) {
    const std::string_view k = field.key;
    element v = field.value;
    if (k == "stringValue") {
      std::string_view text;
      if (v.get_string().get(text)) break;
      appendJsonString(out, text);
      return true;
    }
    if (k == "boolValue") {
      bool b = false;
      if (v.get_bool().get(b)) break;
      out.append(b ? "true" : "false");
      return true;
    }
    if (k == "intValue") {
      std::int64_t i = 0;
      if (!jsonInteger(v, i)) break;
      appendInt(out, i);
      return true;
    }
    if (k == "doubleValue") {
      double d = 0;
      if (v.get_double().get(d)) {
        std::string_view text;  // "NaN", "Infinity" in the proto3 JSON mapping
        if (v.get_string().get(text)) break;
        appendJsonString(out, text);
        return true;
      }
      appendDouble(out, d);
      return true;
    }
    if (k == "bytesValue") {
      std::string_view text;  // already base64 in JSON
      if (v.get_string().get(text)) break;
      appendJsonString(out, text);
      return true;
    }
    if (k == "arrayValue" || k == "kvlistValue") {
      return containerJson(v, k == "kvlistValue", out, depth, error);
    }
  }
  if (error.empty() && object.size() > 0) {
    // A member we know with the wrong type, or only unknown members.
    for (auto field : object) {
      const std::string_view k = field.key;
      if (k == "stringValue" || k == "boolValue" || k == "intValue" || k == "doubleValue" ||
          k == "bytesValue") {
        error = std::string("AnyValue: ") + std::string(k) + " has the wrong type";
        return false;
      }
    }
  }
  out.append("null");
  return true;
}

bool anyValueTextJson(element value, std::string& out, std::string_view emptyText,
                      std::string& error) {
  simdjson::dom::object object;
  if (!value.get_object().get(object)) {
    std::string_view text;
    if (object.size() == 0) {
      out.append(emptyText);
      return true;
    }
    if (!object["stringValue"].get_string().get(text)) {
      out.append(text);
      return true;
    }
  }
  return anyValueJson(value, out, 0, error);
}

bool attributesJson(simdjson::dom::object owner, EntryScratch& s, std::string& error) {
  bool found = false;
  element list = member(owner, "attributes", found);
  if (!found || list.is_null()) return true;
  simdjson::dom::array array;
  if (list.get_array().get(array)) {
    error = "attributes: expected an array";
    return false;
  }
  for (element item : array) {
    simdjson::dom::object kv;
    std::string_view key;
    if (item.get_object().get(kv) || kv["key"].get_string().get(key)) {
      error = "attributes: each needs a string key";
      return false;
    }
    const TextRange k = s.append(key);
    const std::size_t start = s.text().size();
    bool hasValue = false;
    element v = member(kv, "value", hasValue);
    if (!hasValue || v.is_null()) {
      s.text().append("null");
    } else if (!anyValueTextJson(v, s.text(), "null", error)) {
      return false;
    }
    s.addAttribute(k, s.since(start));
  }
  return true;
}

bool hexIdJson(simdjson::dom::object record, std::string_view name, EntryScratch& s, TextRange& out,
               std::string& error) {
  bool found = false;
  element e = member(record, name, found);
  if (!found) return true;
  std::string_view text;
  if (e.get_string().get(text)) {
    error = std::string(name) + ": expected a hex string";
    return false;
  }
  const std::size_t start = s.text().size();
  for (char c : text) {
    if (hexDigitValue(c) < 0) {
      error = std::string(name) + ": expected a hex string";
      return false;
    }
    s.text().push_back(asciiLower(c));
  }
  out = s.since(start);
  return true;
}

bool logRecordJson(element e, EntryScratch& s, RecordFields& r, std::string& error) {
  simdjson::dom::object record;
  if (e.get_object().get(record)) {
    error = "logRecords: expected objects";
    return false;
  }
  bool found = false;
  element v = member(record, "timeUnixNano", found);
  if (found && !jsonUnsigned(v, r.timeNs)) {
    error = "timeUnixNano: expected an unsigned integer";
    return false;
  }
  v = member(record, "observedTimeUnixNano", found);
  if (found && !jsonUnsigned(v, r.observedNs)) {
    error = "observedTimeUnixNano: expected an unsigned integer";
    return false;
  }
  v = member(record, "severityNumber", found);
  if (found && !jsonInteger(v, r.severityNumber) && v.type() != element_type::STRING) {
    error = "severityNumber: expected a number";
    return false;
  }
  v = member(record, "severityText", found);
  std::string_view text;
  if (found && !v.get_string().get(text)) r.severityText = s.append(text);
  v = member(record, "body", found);
  if (found && !v.is_null()) {
    const std::size_t start = s.text().size();
    if (!anyValueTextJson(v, s.text(), "", error)) return false;
    r.message = s.since(start);
  }
  if (!attributesJson(record, s, error)) return false;
  if (!hexIdJson(record, "traceId", s, r.traceId, error)) return false;
  if (!hexIdJson(record, "spanId", s, r.spanId, error)) return false;
  v = member(record, "eventName", found);
  if (found && !v.get_string().get(text) && !text.empty()) s.addAttribute("event.name", text);
  return true;
}

// `name` of `object` as an array: absent is empty, another type an error.
bool arrayMember(simdjson::dom::object object, std::string_view name, simdjson::dom::array& array,
                 bool& present, std::string& error) {
  element e = member(object, name, present);
  if (!present || e.is_null()) {
    present = false;
    return true;
  }
  if (e.get_array().get(array)) {
    error = std::string(name) + ": expected an array";
    return false;
  }
  return true;
}

}  // namespace

Result<DecodeResult> decodeOtlpProtobuf(std::string_view body, BatchEncoder& out,
                                        const DecodeLimits& limits) {
  PbWalk walk{out, limits, {}, {}, 0, std::nullopt};
  ProtobufReader request(body);
  ProtobufField f;
  while (request.next(f)) {
    if (f.number != 1) continue;
    if (!request.expect(f, WireType::kLengthDelimited)) break;
    if (!resourceLogsPb(request, f.bytes, walk)) break;
  }
  if (walk.limitError) return *walk.limitError;
  if (request.failed()) return invalid("OTLP protobuf: " + request.error());
  DecodeResult result;
  result.accepted = walk.records;
  return result;
}

Result<DecodeResult> decodeOtlpJson(std::string_view body, BatchEncoder& out,
                                    const DecodeLimits& limits) {
  simdjson::dom::parser parser;
  element root;
  if (auto e = parser.parse(body.data(), body.size(), true).get(root)) {
    return invalid("OTLP JSON: invalid JSON: " + jsonErrorText(e));
  }
  simdjson::dom::object request;
  if (root.get_object().get(request)) return invalid("OTLP JSON: expected an object");
  std::string error;
  auto fail = [&](std::string_view where) {
    return invalid("OTLP JSON: " + std::string(where) + ": " + error);
  };
  simdjson::dom::array resourceLogs;
  bool present = false;
  if (!arrayMember(request, "resourceLogs", resourceLogs, present, error)) return fail("request");
  DecodeResult result;
  if (!present) return result;
  EntryScratch s, resourceScratch;
  std::size_t ri = 0;
  for (element rlElement : resourceLogs) {
    const std::string where = "resourceLogs[" + std::to_string(ri++) + "]";
    simdjson::dom::object rl;
    if (rlElement.get_object().get(rl)) {
      error = "expected an object";
      return fail(where);
    }
    bool hasResource = false;
    element resourceElement = member(rl, "resource", hasResource);
    simdjson::dom::object resource;
    if (hasResource && !resourceElement.is_null() && resourceElement.get_object().get(resource)) {
      error = "resource: expected an object";
      return fail(where);
    }
    hasResource = hasResource && !resourceElement.is_null();
    resourceScratch.clear();
    if (hasResource && !attributesJson(resource, resourceScratch, error)) return fail(where);
    simdjson::dom::array scopeLogs;
    bool hasScopeLogs = false;
    if (!arrayMember(rl, "scopeLogs", scopeLogs, hasScopeLogs, error)) return fail(where);
    if (!hasScopeLogs) continue;
    for (element slElement : scopeLogs) {
      simdjson::dom::object sl;
      if (slElement.get_object().get(sl)) {
        error = "scopeLogs: expected objects";
        return fail(where);
      }
      bool hasScope = false;
      element scopeElement = member(sl, "scope", hasScope);
      simdjson::dom::object scope;
      if (hasScope && !scopeElement.is_null() && scopeElement.get_object().get(scope)) {
        error = "scope: expected an object";
        return fail(where);
      }
      hasScope = hasScope && !scopeElement.is_null();
      simdjson::dom::array records;
      bool hasRecords = false;
      if (!arrayMember(sl, "logRecords", records, hasRecords, error)) return fail(where);
      if (!hasRecords || records.size() == 0) continue;
      startWithResource(s, resourceScratch);
      const std::size_t resourceAttributes = s.attributeCount();
      if (hasScope) {
        std::string_view text;
        if (!scope["name"].get_string().get(text) && !text.empty()) {
          s.addAttribute("otel.scope.name", text);
        }
        if (!scope["version"].get_string().get(text) && !text.empty()) {
          s.addAttribute("otel.scope.version", text);
        }
        if (!attributesJson(scope, s, error)) return fail(where);
      }
      const EntryScratch::Mark shared = s.mark();
      for (element recordElement : records) {
        if (result.accepted >= limits.maxEntries) return tooMany(limits);
        s.rewind(shared);
        RecordFields r;
        if (!logRecordJson(recordElement, s, r, error)) return fail(where);
        addRecord(s, resourceAttributes, r, out);
        if (auto e = batchTooLarge(out, limits)) return *e;
        ++result.accepted;
      }
    }
  }
  return result;
}

}  // namespace pharos::logs
