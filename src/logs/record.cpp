#include "logs/record.h"

#include <charconv>

namespace pharos::logs {

std::string_view levelName(Level level) {
  switch (level) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kFatal:
      return "fatal";
    case Level::kUnknown:
      break;
  }
  return "unknown";
}

bool Record::field(std::string_view name, std::string& out) const {
  out.clear();
  if (name == "service") {
    out = service;
  } else if (name == "level") {
    out = levelName(level);
  } else if (name == "message") {
    out = message;
  } else if (name == "status") {
    if (httpStatus == 0) return false;
    out = std::to_string(httpStatus);
  } else if (name == "latency_ms") {
    if (latencyMs < 0) return false;
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, latencyMs);
    out.assign(buf, r.ptr);
  } else if (name == "trace_id") {
    out = traceId;
  } else if (name == "host") {
    out = host;
  } else if (name == "template_id") {
    if (templateId == 0) return false;
    out = std::to_string(templateId);
  } else {
    for (const auto& a : attributes) {
      if (a.key == name) {
        out = a.value;
        return true;
      }
    }
    return false;
  }
  return !out.empty();
}

}  // namespace pharos::logs
