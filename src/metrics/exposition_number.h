#pragma once

// Internal to the exposition parsers: sample values and timestamps, with the exact syntax
// Prometheus accepts.

#include <cstdint>
#include <optional>
#include <string_view>

namespace pharos::metrics {

// A float as Go's strconv.ParseFloat reads it, minus what Prometheus' parseFloat excludes
// (hex floats, '_' separators): [+-]digits[.digits][e[+-]digits], "Inf"/"Infinity" with an
// optional sign and "NaN", case-insensitively. A finite number too large for a double is an
// error (as in Go); one too small becomes 0 or a subnormal.
std::optional<double> parseGoFloat(std::string_view s);

// A text-format timestamp: an int64 of milliseconds in decimal, optionally negative (the
// format page's own example has one: `+Inf -3982045`).
std::optional<std::int64_t> parseTimestampMillis(std::string_view s);

// An OpenMetrics timestamp: float seconds, converted to milliseconds truncated toward zero
// (as Prometheus' int64(ts*1000)). Plain decimals are converted exactly, so "1.001" is 1001
// ms, not the 1000 that the double product would give. NaN, Inf and values whose milliseconds
// do not fit an int64 are errors.
std::optional<std::int64_t> parseTimestampSeconds(std::string_view s);

}  // namespace pharos::metrics
