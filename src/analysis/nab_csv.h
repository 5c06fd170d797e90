#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pharos::analysis {

// One data row of a Numenta Anomaly Benchmark CSV file (`timestamp,value`).
struct NabRow {
  std::string timestamp;  // the field exactly as read (without surrounding quotes)
  std::string valueText;  // likewise, so output can echo the input unchanged
  std::int64_t unixSeconds = 0;
  double value = 0.0;
  std::uint64_t line = 0;  // 1-based line number in the input
};

// Unix seconds of "2014-04-01 00:00:00" (NAB's format, read as UTC, optional fraction),
// RFC 3339 ("2014-04-01T00:00:00Z", "...+02:00", "...00.5-0700"), or unix seconds as a number
// ("1396310400", "1396310400.25", "-5"). Fractions are cut. nullopt when it is none of these
// or a field is out of range.
std::optional<std::int64_t> parseNabTimestamp(std::string_view text);

// Reads NAB CSV row by row, without buffering the file: a header line naming the columns
// `timestamp` and `value` (in that order, any case, optionally quoted), then one row per line.
// CRLF line ends and blank lines are accepted. Any other deviation is an error that names the
// line number; after an error the reader stops.
class NabCsvReader {
 public:
  explicit NabCsvReader(std::istream& in) : in_(in) {}

  // The next row, nullopt at the end of the input, or an error.
  Result<std::optional<NabRow>> next();

 private:
  std::istream& in_;
  std::uint64_t line_ = 0;
  bool headerRead_ = false;
  bool failed_ = false;
  std::string buffer_;
};

}  // namespace pharos::analysis
