#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "logs/log_batch.h"
#include "logs/record.h"

namespace simdjson::dom {
class parser;
}

namespace pharos::logs {

// Turns one stored entry into a Record: reads a syslog frame's header, then the body as JSON,
// an access log line, logfmt or plain text, in that order. One per processing thread: it keeps
// scratch buffers and a JSON parser between calls, so a steady stream of lines allocates
// nothing once the buffers have grown.
//
// Rules (the why of each is in line_parser.cpp):
//  - timestamp: entry.timestampNs, else the syslog header's, else the body's (JSON/logfmt
//    ts/time/timestamp/@timestamp as RFC 3339 or a Unix epoch in s/ms/µs/ns by magnitude, or an
//    access log's [time]), else receivedNs.
//  - level: the protocol's (syslog severity, or entry.level through parseLevel); the body's
//    level replaces it only when the protocol gave none, or gave syslog severity notice(5) or
//    info(6): the defaults of logger/rsyslog and of shippers that send every line at one
//    preset severity (Fluent Bit), which say nothing about the line.
//  - service: syslog APP-NAME (TAG), else entry.service, else the body's service/service.name/app.
//  - latency from unit-less fields (latency, duration, response_time, request_time, elapsed):
//    a number with a fraction below 100 is seconds (0.25 → 250 ms), any other number is
//    milliseconds (125 → 125 ms); strings may carry units ("12ms", "1.5s", "250us", "1m30s").
//    *_ms fields are milliseconds.
//  - attributes: the entry's first, then the syslog header's (facility, procid, msgid,
//    sd.<id>.<name>), then the body's fields that were not taken as a fixed field. JSON objects
//    are flattened with dots, arrays kept as JSON text, nulls dropped.
class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  // Clears and refills `out`, keeping the capacity of its strings and attributes.
  void parse(Source source, std::int64_t receivedNs, const EntryView& entry, Record& out);

 private:
  friend class JsonWalker;

  // A body field's value: its text, and for a JSON number its value.
  struct FieldValue {
    std::string_view text;
    bool isNumber = false;
    bool isInteger = false;
    bool isString = false;
    double number = 0;
    std::int64_t integer = 0;
  };

  void addAttribute(std::string_view key, std::string_view value);
  // Takes a well-known field into the record; false when `key` is not one or its value does
  // not fit (then the caller keeps it as an attribute).
  bool takeField(std::string_view key, const FieldValue& value);
  // An entry attribute that is a fixed field (status, latency, trace id, host): taken.
  bool takeEntryField(std::string_view key, std::string_view value);
  void bodyField(std::string_view key, const FieldValue& value);
  bool parseJsonBody(std::string_view body);
  bool parseAccessLogBody(std::string_view body);
  bool parseLogfmtBody(std::string_view body);
  void levelFromText(std::string_view body);

  std::unique_ptr<simdjson::dom::parser> json_;
  std::string jsonBuffer_;  // the body copied with simdjson's padding
  std::string scratch_;     // unescaped values
  std::string keyPath_;     // a flattened JSON key ("error.code")
  std::string numberText_;  // a JSON number or array as text

  // State of the call in progress.
  Record* out_ = nullptr;
  std::size_t attributeCount_ = 0;
  bool levelReplaceable_ = false;
  bool messageTaken_ = false;
};

}  // namespace pharos::logs
