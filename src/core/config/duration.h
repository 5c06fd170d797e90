#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace pharos::config {

// Parses Go/Prometheus-style durations: "500ms", "10s", "1m30s", "6h", "7d", "2w".
// A bare "0" is zero. Anything else (no unit, negative, overflow) is kInvalidArgument.
Result<Millis> parseDuration(std::string_view text);

// The shortest exact spelling: 90000ms -> "1m30s", 0 -> "0s".
std::string formatDuration(Millis d);

// Parses sizes: "512", "64KiB", "10MB", "2GiB" (KB/MB/GB are powers of 1000, KiB... of 1024).
Result<int64_t> parseByteSize(std::string_view text);

}  // namespace pharos::config
