#include "logs/record_json.h"

#include <ctime>

#include <fmt/format.h>

namespace pharos::logs {

std::string formatTimestampNs(std::int64_t ns) {
  std::int64_t seconds = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --seconds;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

nlohmann::json recordToJson(const Record& r) {
  nlohmann::json out{{"timestamp", formatTimestampNs(r.timestampNs)},
                     {"service", r.service},
                     {"level", levelName(r.level)},
                     {"message", r.message}};
  if (r.httpStatus != 0) out["status"] = r.httpStatus;
  if (r.latencyMs >= 0) out["latency_ms"] = r.latencyMs;
  if (!r.traceId.empty()) out["trace_id"] = r.traceId;
  if (!r.host.empty()) out["host"] = r.host;
  if (r.templateId != 0) out["template_id"] = std::to_string(r.templateId);
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& a : r.attributes)
    attributes[a.key] = a.value;
  out["attributes"] = std::move(attributes);
  return out;
}

nlohmann::json entryToJson(const EntryView& entry, Source source, std::int64_t receivedAtNs) {
  nlohmann::json out{{"received", formatTimestampNs(receivedAtNs)},
                     {"source", sourceName(source)},
                     {"service", entry.service},
                     {"level", entry.level},
                     {"message", entry.message}};
  if (entry.timestampNs != 0) out["timestamp"] = formatTimestampNs(entry.timestampNs);
  nlohmann::json attributes = nlohmann::json::object();
  for (const AttributeView& a : entry.attributes)
    attributes[std::string(a.key)] = a.value;
  out["attributes"] = std::move(attributes);
  return out;
}

}  // namespace pharos::logs
