#include "logs/line_parser.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "core/text.h"
#include "logs/access_log.h"
#include "logs/level.h"
#include "logs/logfmt.h"
#include "logs/syslog_parse.h"
#include "logs/timestamp_parse.h"

namespace pharos::logs {
namespace {

// Nested JSON deeper than this is kept as JSON text under the path reached: flattening
// `{"a":{"b":{...}}}` a thousand levels deep would only make a thousand-part key.
constexpr int kMaxJsonDepth = 16;

enum class WellKnown {
  kNone,
  kMessage,
  kLevel,
  kService,
  kStatus,
  kLatencyMs,        // milliseconds unless the value carries a unit
  kLatencyUnitless,  // see the rule in line_parser.h
  kTraceId,
  kTimestamp,
};

WellKnown classify(std::string_view key) {
  struct Entry {
    std::string_view key;
    WellKnown kind;
  };
  static constexpr Entry kKeys[] = {
      {"msg", WellKnown::kMessage},
      {"message", WellKnown::kMessage},
      {"log", WellKnown::kMessage},
      {"level", WellKnown::kLevel},
      {"lvl", WellKnown::kLevel},
      {"severity", WellKnown::kLevel},
      {"loglevel", WellKnown::kLevel},
      {"log.level", WellKnown::kLevel},
      {"service", WellKnown::kService},
      {"service.name", WellKnown::kService},
      {"app", WellKnown::kService},
      {"status", WellKnown::kStatus},
      {"status_code", WellKnown::kStatus},
      {"http.status", WellKnown::kStatus},
      {"http.status_code", WellKnown::kStatus},
      {"http.response.status_code", WellKnown::kStatus},
      {"latency_ms", WellKnown::kLatencyMs},
      {"duration_ms", WellKnown::kLatencyMs},
      {"elapsed_ms", WellKnown::kLatencyMs},
      {"response_time_ms", WellKnown::kLatencyMs},
      {"latency", WellKnown::kLatencyUnitless},
      {"duration", WellKnown::kLatencyUnitless},
      {"response_time", WellKnown::kLatencyUnitless},
      {"request_time", WellKnown::kLatencyUnitless},
      {"elapsed", WellKnown::kLatencyUnitless},
      {"trace_id", WellKnown::kTraceId},
      {"traceId", WellKnown::kTraceId},
      {"trace.id", WellKnown::kTraceId},
      {"ts", WellKnown::kTimestamp},
      {"time", WellKnown::kTimestamp},
      {"timestamp", WellKnown::kTimestamp},
      {"@timestamp", WellKnown::kTimestamp},
  };
  // Every well-known key is 2-25 bytes and starts with one of these letters: most attribute
  // keys are refused by the first test or two.
  if (key.size() < 2 || key.size() > 25) return WellKnown::kNone;
  if (std::strchr("mlsaehdrtT@", key[0]) == nullptr) return WellKnown::kNone;
  for (const Entry& entry : kKeys) {
    if (entry.key == key) return entry.kind;
  }
  return WellKnown::kNone;
}

bool parseDouble(std::string_view text, double& value) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(value);
}

// "12ms", "1.5s", "250us", "250µs", "100ns", "2m", "1h", "1m30s" to milliseconds. A bare
// number is milliseconds when unitlessAreMs (a *_ms field); otherwise the rule in
// line_parser.h applies: with a fraction and below 100 it is seconds, else milliseconds.
bool parseDurationMs(std::string_view text, bool unitlessAreMs, double& ms) {
  text = trimSpaces(text);
  if (text.empty()) return false;
  double plain = 0;
  if (parseDouble(text, plain)) {
    if (plain < 0) return false;
    const bool fraction = text.find_first_of(".eE") != std::string_view::npos;
    ms = (!unitlessAreMs && fraction && plain < 100) ? plain * 1000 : plain;
    return true;
  }
  double total = 0;
  while (!text.empty()) {
    double amount = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
    if (ec != std::errc() || !std::isfinite(amount) || amount < 0) return false;
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    std::size_t unitLength = 0;
    while (unitLength < text.size() && !(text[unitLength] >= '0' && text[unitLength] <= '9') &&
           text[unitLength] != '.')
      ++unitLength;
    std::string_view unit = text.substr(0, unitLength);
    text.remove_prefix(unitLength);
    double scale = 0;
    if (unit == "ns") {
      scale = 1e-6;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      scale = 1e-3;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s" || unit == "sec") {
      scale = 1e3;
    } else if (unit == "m" || unit == "min") {
      scale = 60e3;
    } else if (unit == "h") {
      scale = 3600e3;
    } else {
      return false;
    }
    total += amount * scale;
  }
  ms = total;
  return std::isfinite(ms);
}

// A Unix epoch number to nanoseconds, its unit told by magnitude: below 1e11 seconds (until
// year 5138), below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds.
bool epochToNs(double value, std::int64_t& ns) {
  if (!(value > 0)) return false;
  double scaled = value < 1e11   ? value * 1e9
                  : value < 1e14 ? value * 1e6
                  : value < 1e17 ? value * 1e3
                                 : value;
  if (!(scaled < 9.2e18)) return false;
  ns = static_cast<std::int64_t>(scaled);
  return true;
}

bool epochIntToNs(std::int64_t value, std::int64_t& ns) {
  if (value <= 0) return false;
  std::int64_t scale = value < 100'000'000'000           ? 1'000'000'000
                       : value < 100'000'000'000'000     ? 1'000'000
                       : value < 100'000'000'000'000'000 ? 1'000
                                                         : 1;
  return !__builtin_mul_overflow(value, scale, &ns);
}

bool parseTimestampText(std::string_view text, std::int64_t& ns) {
  auto parsed = parseTimestampNs(text);
  if (!parsed || *parsed <= 0) return false;
  ns = *parsed;
  return true;
}

// pino/bunyan numeric levels (10 trace ... 60 fatal), or syslog severities 0-7.
Level levelFromNumber(double number) {
  if (number >= 0 && number <= 7 && number == std::floor(number)) {
    return fromSyslogSeverity(static_cast<int>(number));
  }
  if (number >= 10 && number < 70) {
    static constexpr Level kPino[] = {Level::kTrace, Level::kDebug, Level::kInfo,
                                      Level::kWarn,  Level::kError, Level::kFatal};
    return kPino[static_cast<int>(number) / 10 - 1];
  }
  return Level::kUnknown;
}

// A level word among the first tokens of plain text: "ERROR x", "[warn] x",
// "2024-01-01 12:00:00,123 INFO x". To keep prose from counting ("alert raised for host"), a
// word counts when it is upper case or decorated ("[warn]", "<error>", "warn:"), or when it
// is the first token and one of the plain level names.
Level levelWordInText(std::string_view text) {
  constexpr int kTokens = 4;
  constexpr std::size_t kWindow = 80;
  text = text.substr(0, kWindow);
  std::size_t pos = 0;
  for (int token = 0; token < kTokens; ++token) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
      ++pos;
    std::size_t start = pos;
    while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t')
      ++pos;
    if (pos == start) break;
    std::string_view word = text.substr(start, pos - start);
    bool decorated = false;
    if (word.size() >= 2 && (word.front() == '[' || word.front() == '<' || word.front() == '(')) {
      word.remove_prefix(1);
      decorated = true;
    }
    while (!word.empty() &&
           (word.back() == ']' || word.back() == '>' || word.back() == ')' || word.back() == ':')) {
      word.remove_suffix(1);
      decorated = true;
    }
    if (word.size() < 3 || word.size() > 11) continue;
    bool letters = true;
    bool upper = true;
    for (char c : word) {
      const bool isUpper = c >= 'A' && c <= 'Z';
      const bool isLower = c >= 'a' && c <= 'z';
      letters = letters && (isUpper || isLower);
      upper = upper && isUpper;
    }
    if (!letters) continue;
    if (upper || decorated) {
      Level level = parseLevel(word);
      if (level != Level::kUnknown) return level;
    } else if (token == 0) {
      static constexpr std::string_view kPlain[] = {"trace",   "debug", "info", "warn",
                                                    "warning", "error", "fatal"};
      for (std::string_view name : kPlain) {
        if (iequals(word, name)) return parseLevel(word);
      }
    }
  }
  return Level::kUnknown;
}

void appendInt(std::string& out, std::int64_t value) {
  char buf[24];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

}  // namespace

// Walks a simdjson DOM object, flattening nested objects into dotted keys.
class JsonWalker {
 public:
  explicit JsonWalker(LineParser& parser) : parser_(parser) {}

  void walkObject(simdjson::dom::object object, int depth) {
    for (auto field : object) {
      const std::size_t mark = parser_.keyPath_.size();
      if (mark > 0) parser_.keyPath_.push_back('.');
      parser_.keyPath_.append(field.key.data(), field.key.size());
      walkValue(field.value, depth);
      parser_.keyPath_.resize(mark);
    }
  }

 private:
  void walkValue(simdjson::dom::element value, int depth) {
    LineParser::FieldValue field;
    std::string& text = parser_.numberText_;
    switch (value.type()) {
      case simdjson::dom::element_type::OBJECT: {
        simdjson::dom::object object;
        if (value.get_object().get(object) != simdjson::SUCCESS) return;
        if (depth + 1 < kMaxJsonDepth) {
          walkObject(object, depth + 1);
          return;
        }
        text = simdjson::minify(value);
        field.text = text;
        break;
      }
      case simdjson::dom::element_type::ARRAY:
        text = simdjson::minify(value);
        field.text = text;
        break;
      case simdjson::dom::element_type::STRING: {
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS) return;
        field.text = s;
        field.isString = true;
        break;
      }
      case simdjson::dom::element_type::INT64: {
        std::int64_t v = 0;
        if (value.get_int64().get(v) != simdjson::SUCCESS) return;
        text.clear();
        appendInt(text, v);
        field.text = text;
        field.isNumber = true;
        field.isInteger = true;
        field.integer = v;
        field.number = static_cast<double>(v);
        break;
      }
      case simdjson::dom::element_type::UINT64: {
        std::uint64_t v = 0;
        if (value.get_uint64().get(v) != simdjson::SUCCESS) return;
        char buf[24];
        auto result = std::to_chars(buf, buf + sizeof buf, v);
        text.assign(buf, result.ptr);
        field.text = text;
        field.isNumber = true;
        field.number = static_cast<double>(v);
        break;
      }
      case simdjson::dom::element_type::DOUBLE: {
        double v = 0;
        if (value.get_double().get(v) != simdjson::SUCCESS) return;
        char buf[32];
        auto result = std::to_chars(buf, buf + sizeof buf, v);
        text.assign(buf, result.ptr);
        // "1.0" prints as "1": keep a '.' so the latency rule still sees a fraction.
        if (text.find_first_of(".eE") == std::string::npos &&
            text.find_first_of("ni") == std::string::npos) {
          text.append(".0");
        }
        field.text = text;
        field.isNumber = true;
        field.number = v;
        break;
      }
      case simdjson::dom::element_type::BOOL: {
        bool v = false;
        if (value.get_bool().get(v) != simdjson::SUCCESS) return;
        field.text = v ? "true" : "false";
        break;
      }
      case simdjson::dom::element_type::NULL_VALUE:
        return;
    }
    parser_.bodyField(parser_.keyPath_, field);
  }

  LineParser& parser_;
};

LineParser::LineParser() : json_(std::make_unique<simdjson::dom::parser>()) {}
LineParser::~LineParser() = default;

void LineParser::addAttribute(std::string_view key, std::string_view value) {
  auto& attributes = out_->attributes;
  if (attributeCount_ < attributes.size()) {
    attributes[attributeCount_].key.assign(key);
    attributes[attributeCount_].value.assign(value);
  } else {
    attributes.push_back(Attribute{std::string(key), std::string(value)});
  }
  ++attributeCount_;
}

bool LineParser::takeField(std::string_view key, const FieldValue& value) {
  Record& out = *out_;
  switch (classify(key)) {
    case WellKnown::kNone:
      return false;
    case WellKnown::kMessage: {
      if (messageTaken_ || !value.isString) return false;
      // Docker's json-file driver keeps the line's newline in "log".
      std::string_view text = value.text;
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
      out.message.assign(text);
      messageTaken_ = true;
      return true;
    }
    case WellKnown::kLevel: {
      if (!levelReplaceable_) return false;
      Level level = value.isNumber ? levelFromNumber(value.number) : parseLevel(value.text);
      if (level == Level::kUnknown) return false;
      out.level = level;
      levelReplaceable_ = false;
      return true;
    }
    case WellKnown::kService:
      if (!out.service.empty() || value.text.empty() || !value.isString) return false;
      out.service.assign(value.text);
      return true;
    case WellKnown::kStatus: {
      if (out.httpStatus != 0) return false;
      std::int64_t status = 0;
      if (value.isInteger) {
        status = value.integer;
      } else {
        auto [ptr, ec] =
            std::from_chars(value.text.data(), value.text.data() + value.text.size(), status);
        if (ec != std::errc() || ptr != value.text.data() + value.text.size()) return false;
      }
      if (status < 100 || status > 599) return false;
      out.httpStatus = static_cast<int>(status);
      return true;
    }
    case WellKnown::kLatencyMs:
    case WellKnown::kLatencyUnitless: {
      if (out.latencyMs >= 0) return false;
      double ms = 0;
      if (!parseDurationMs(value.text, classify(key) == WellKnown::kLatencyMs, ms)) return false;
      out.latencyMs = ms;
      return true;
    }
    case WellKnown::kTraceId:
      if (!out.traceId.empty() || value.text.empty() || !value.isString) return false;
      out.traceId.assign(value.text);
      return true;
    case WellKnown::kTimestamp: {
      if (out.timestampNs != 0) return false;
      std::int64_t ns = 0;
      bool ok = value.isInteger  ? epochIntToNs(value.integer, ns)
                : value.isNumber ? epochToNs(value.number, ns)
                                 : parseTimestampText(value.text, ns);
      if (!ok) return false;
      out.timestampNs = ns;
      return true;
    }
  }
  return false;
}

bool LineParser::takeEntryField(std::string_view key, std::string_view value) {
  if (key == "host" || key == "host.name" || key == "hostname") {
    if (!out_->host.empty() || value.empty()) return false;
    out_->host.assign(value);
    return true;
  }
  switch (classify(key)) {
    case WellKnown::kStatus:
    case WellKnown::kLatencyMs:
    case WellKnown::kLatencyUnitless:
    case WellKnown::kTraceId: {
      FieldValue field;
      field.text = value;
      field.isString = true;
      return takeField(key, field);
    }
    default:
      // The decoders took the time, message, level and service already; a second one (an
      // alias that lost) is kept as it came.
      return false;
  }
}

void LineParser::bodyField(std::string_view key, const FieldValue& value) {
  // A field without a name cannot be queried; keeping it would only cost space.
  if (key.empty()) return;
  if (!takeField(key, value)) addAttribute(key, value.text);
}

bool LineParser::parseJsonBody(std::string_view body) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; the body's own buffer may not
  // have them.
  const std::size_t padded = body.size() + simdjson::SIMDJSON_PADDING;
  if (jsonBuffer_.size() < padded) jsonBuffer_.resize(padded);
  std::memcpy(jsonBuffer_.data(), body.data(), body.size());
  std::memset(jsonBuffer_.data() + body.size(), 0, simdjson::SIMDJSON_PADDING);
  simdjson::dom::element document;
  if (json_->parse(jsonBuffer_.data(), body.size(), false).get(document) != simdjson::SUCCESS)
    return false;
  simdjson::dom::object object;
  if (document.get_object().get(object) != simdjson::SUCCESS) return false;
  keyPath_.clear();
  JsonWalker(*this).walkObject(object, 0);
  if (!messageTaken_) out_->message.assign(body);
  return true;
}

bool LineParser::parseAccessLogBody(std::string_view body) {
  AccessLogLine line;
  if (!parseAccessLog(body, line)) return false;
  Record& out = *out_;
  out.message.assign(body);
  out.httpStatus = line.status;
  if (line.requestTimeSeconds >= 0) out.latencyMs = line.requestTimeSeconds * 1000;
  if (out.timestampNs == 0) out.timestampNs = line.timeNs;
  if (!line.method.empty()) addAttribute("method", line.method);
  if (!line.path.empty()) addAttribute("path", line.path);
  addAttribute("client", line.client);
  if (line.bytes >= 0) {
    numberText_.clear();
    appendInt(numberText_, line.bytes);
    addAttribute("bytes", numberText_);
  }
  if (!line.userAgent.empty()) addAttribute("user_agent", line.userAgent);
  if (!line.referer.empty()) addAttribute("referer", line.referer);
  return true;
}

bool LineParser::parseLogfmtBody(std::string_view body) {
  const bool ok = parseLogfmt(body, scratch_, [&](std::string_view key, std::string_view value) {
    FieldValue field;
    field.text = value;
    field.isString = true;
    bodyField(key, field);
  });
  if (!ok) return false;
  if (!messageTaken_) out_->message.assign(body);
  return true;
}

void LineParser::parse(Source source, std::int64_t receivedNs, const EntryView& entry,
                       Record& out) {
  out_ = &out;
  attributeCount_ = 0;
  messageTaken_ = false;
  out.timestampNs = entry.timestampNs;
  out.receivedNs = receivedNs;
  out.service.clear();
  out.level = Level::kUnknown;
  out.message.clear();
  out.httpStatus = 0;
  out.latencyMs = -1;
  out.traceId.clear();
  out.host.clear();
  out.templateId = 0;

  // A protocol's attributes may carry the fixed fields (a native line's "status", an OTLP
  // record's "trace_id" or resource "host.name"): those become the fields; the rest stay.
  for (const AttributeView& attribute : entry.attributes) {
    if (!takeEntryField(attribute.key, attribute.value))
      addAttribute(attribute.key, attribute.value);
  }

  std::string_view body = entry.message;
  SyslogMessage syslog;
  const bool isSyslog = source == Source::kSyslogTcp || source == Source::kSyslogUdp;
  if (isSyslog && parseSyslog(entry.message, receivedNs, syslog)) {
    if (out.timestampNs == 0) out.timestampNs = syslog.timestampNs;
    out.service.assign(syslog.appName.empty() ? entry.service : syslog.appName);
    out.host.assign(syslog.hostname);
    out.level = fromSyslogSeverity(syslog.severity);
    levelReplaceable_ = syslog.severity == 5 || syslog.severity == 6;
    if (std::string_view facility = facilityName(syslog.facility); !facility.empty())
      addAttribute("facility", facility);
    if (!syslog.procId.empty()) addAttribute("procid", syslog.procId);
    if (!syslog.msgId.empty()) addAttribute("msgid", syslog.msgId);
    if (!syslog.structuredData.empty()) {
      // A malformed element ends the params; those before it are kept.
      forEachSdParam(syslog.structuredData, scratch_,
                     [&](std::string_view id, std::string_view name, std::string_view value) {
                       keyPath_.assign("sd.");
                       keyPath_.append(id);
                       keyPath_.push_back('.');
                       keyPath_.append(name);
                       addAttribute(keyPath_, value);
                     });
    }
    body = syslog.message;
  } else {
    out.service.assign(entry.service);
    out.level = parseLevel(entry.level);
    levelReplaceable_ = out.level == Level::kUnknown;
  }

  std::size_t first = 0;
  while (first < body.size() && (body[first] == ' ' || body[first] == '\t'))
    ++first;
  const bool jsonLike = first < body.size() && body[first] == '{';
  if (!(jsonLike && parseJsonBody(body)) && !parseAccessLogBody(body) && !parseLogfmtBody(body)) {
    out.message.assign(body);
    if (levelReplaceable_) {
      Level level = levelWordInText(body);
      if (level != Level::kUnknown) out.level = level;
    }
  }
  if (out.timestampNs == 0) out.timestampNs = receivedNs;
  out.attributes.resize(attributeCount_);
  out_ = nullptr;
}

}  // namespace pharos::logs
