#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "logs/log_batch.h"
#include "logs/record.h"

namespace pharos::logs {

// "2026-12-05T03:55:01.123456789Z": RFC 3339 in UTC with nanoseconds, as Loki prints them.
std::string formatTimestampNs(std::int64_t ns);

// A record as the API and `pharos logs` print it: timestamp, service, level, message, then
// the fields that are set, then attributes as an object.
nlohmann::json recordToJson(const Record& record);

// A batch entry as it was taken in, before parsing (the raw archive's lines): timestamp (left
// out when the client sent none), received (the batch's receive time), source (sourceName),
// service and level as sent, message, and attributes as an object.
nlohmann::json entryToJson(const EntryView& entry, Source source, std::int64_t receivedAtNs);

}  // namespace pharos::logs
