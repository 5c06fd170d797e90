#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace pharos::promql {

// The HTTP API's parameters, parsed as Prometheus parses them. Errors are kInvalidArgument
// with a message fit for the API's "bad_data" response.

// `time`, `start`, `end`: Unix seconds with an optional fraction ("1700000000.123", rounded
// to the millisecond), or RFC 3339 ("2023-11-14T22:13:20.123Z", "...+02:00"). Unix ms.
Result<std::int64_t> parseTimeParam(std::string_view text);

// `step`, `timeout`, `lookback_delta`: a float number of seconds ("15", "0.5") or a
// Prometheus duration ("15s", "1m30s"). Milliseconds.
Result<std::int64_t> parseDurationParam(std::string_view text);

}  // namespace pharos::promql
