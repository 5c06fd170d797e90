#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pharos::logs {

// Normalised severity. Numeric order is severity order, so `level>=warn` compares numbers.
enum class Level : std::uint8_t {
  kUnknown = 0,
  kTrace = 1,
  kDebug = 2,
  kInfo = 3,
  kWarn = 4,
  kError = 5,
  kFatal = 6,
};
std::string_view levelName(Level level);  // "unknown", "trace", ... "fatal"

struct Attribute {
  std::string key;
  std::string value;
};

// One line after processing: what is indexed, searched, tailed and counted.
struct Record {
  std::int64_t timestampNs = 0;  // the client's time, or the receive time when it sent none
  std::int64_t receivedNs = 0;
  std::string service;  // "" when neither the protocol nor the line named one
  Level level = Level::kUnknown;
  std::string message;    // the human part: a syslog frame's MSG, a JSON line's "msg"
  int httpStatus = 0;     // 0: none found
  double latencyMs = -1;  // < 0: none found
  std::string traceId;
  std::string host;
  std::uint64_t templateId = 0;       // 0: not mined (yet)
  std::vector<Attribute> attributes;  // everything else, in the order found

  // The value of a named field, for queries: the fixed fields by name ("service", "level",
  // "message", "status", "latency_ms", "trace_id", "host", "template_id") and otherwise the
  // first attribute with that key. Empty and false when absent.
  bool field(std::string_view name, std::string& out) const;
};

}  // namespace pharos::logs
