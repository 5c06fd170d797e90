#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pharos::logs {

// The calendar arithmetic and timestamp formats the log parsers share (syslog headers, JSON and
// logfmt `ts` fields, access-log times). All results are Unix nanoseconds; a time outside what
// int64 nanoseconds can hold (years 1678-2261) is refused rather than wrapped.

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day);
// The year that Unix nanoseconds `ns` fall in (UTC).
std::int64_t yearOfNanos(std::int64_t ns);
// Days in a month of a year (leap years counted), 0 for a month outside 1-12.
unsigned daysInMonth(std::int64_t year, unsigned month);

// 1-12 for an English month abbreviation ("Jan", "jan", "JAN"), 0 otherwise.
int monthFromAbbrev(std::string_view name);

// UTC date and time plus a fraction and an offset to Unix nanoseconds; false when a field is
// out of range or the result does not fit.
bool civilToNanos(std::int64_t year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                  unsigned second, std::int64_t fractionNs, std::int64_t offsetSeconds,
                  std::int64_t& ns);

// RFC 3339 / ISO 8601: "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123456789+02:00",
// also with a space or lower-case 't' as separator, "+0200" offsets, and no zone (read as UTC).
// The whole of `text` must be the timestamp. Fractions beyond nanoseconds are cut.
bool parseRfc3339(std::string_view text, std::int64_t& ns);

// RFC 3339 (as parseRfc3339) or an epoch number as text ("1795791914.499802",
// "1795791706503841760"), exact to the digit: seconds below 1e11, then milliseconds below
// 1e14, microseconds below 1e17, nanoseconds above. nullopt when it is neither or does not fit
// in int64 nanoseconds.
std::optional<std::int64_t> parseTimestampNs(std::string_view text);
// Only decimal digits, as nanoseconds (Loki's and OTLP/JSON's int64-as-string).
std::optional<std::int64_t> parseDecimalNs(std::string_view text);

// The Common Log Format time between the brackets: "10/Oct/2000:13:55:36 -0700".
bool parseCommonLogTime(std::string_view text, std::int64_t& ns);

}  // namespace pharos::logs
