#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "logs/record.h"

namespace pharos::logs {

// "2026-12-05T03:55:01.123456789Z": RFC 3339 in UTC with nanoseconds, as Loki prints them.
std::string formatTimestampNs(std::int64_t ns);

// A record as the API and `pharos logs` print it: timestamp, service, level, message, then
// the fields that are set, then attributes as an object.
nlohmann::json recordToJson(const Record& record);

}  // namespace pharos::logs
