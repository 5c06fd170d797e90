#include "promql/api_params.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include "core/error.h"
#include "promql/lexer.h"

namespace pharos::promql {
namespace {

// Go's strconv.ParseFloat for the forms clients send: an optional sign, decimal digits with
// an optional fraction and exponent. Infinities and NaN are refused: no time or duration is
// infinite.
std::optional<double> parseFiniteFloat(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = s[0] == '-';
  if (s[0] == '+' || s[0] == '-') s.remove_prefix(1);
  if (s.empty() || !((s[0] >= '0' && s[0] <= '9') || s[0] == '.')) return std::nullopt;
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return negative ? -v : v;
}

bool readDigits(std::string_view s, std::size_t& i, std::size_t n, int& out) {
  out = 0;
  for (std::size_t k = 0; k < n; ++k, ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool expectChar(std::string_view s, std::size_t& i, char c) {
  if (i >= s.size() || s[i] != c) return false;
  ++i;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t daysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  std::int64_t yoe = y - era * 400;
  std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int daysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// RFC 3339 as Go's time.RFC3339Nano layout reads it: four-digit year, 'T', seconds, an
// optional fraction of up to nine digits, 'Z' or a +hh:mm offset. Truncated to milliseconds.
std::optional<std::int64_t> parseRfc3339(std::string_view s) {
  std::size_t i = 0;
  int year, month, day, hour, minute, second;
  if (!readDigits(s, i, 4, year) || !expectChar(s, i, '-') || !readDigits(s, i, 2, month) ||
      !expectChar(s, i, '-') || !readDigits(s, i, 2, day) || !expectChar(s, i, 'T') ||
      !readDigits(s, i, 2, hour) || !expectChar(s, i, ':') || !readDigits(s, i, 2, minute) ||
      !expectChar(s, i, ':') || !readDigits(s, i, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  std::int64_t millis = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 3) millis = millis * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    for (std::size_t k = digits; k < 3; ++k)
      millis *= 10;
  }
  std::int64_t offsetSeconds = 0;
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om;
    if (!readDigits(s, i, 2, oh) || !expectChar(s, i, ':') || !readDigits(s, i, 2, om) || oh > 23 ||
        om > 59) {
      return std::nullopt;
    }
    offsetSeconds = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::int64_t seconds =
      daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  return seconds * 1000 + millis;
}

}  // namespace

Result<std::int64_t> parseTimeParam(std::string_view text) {
  if (auto f = parseFiniteFloat(text)) {
    // Beyond this the milliseconds overflow int64.
    if (std::fabs(*f) > 9.2e15) {
      return makeError(ErrorCode::kInvalidArgument,
                       "cannot parse \"" + std::string(text) + "\" to a valid timestamp");
    }
    double whole = std::trunc(*f);
    double fraction = std::round((*f - whole) * 1000) / 1000;
    return static_cast<std::int64_t>(whole) * 1000 +
           static_cast<std::int64_t>(std::llround(fraction * 1000));
  }
  if (auto t = parseRfc3339(text)) return *t;
  return makeError(ErrorCode::kInvalidArgument,
                   "cannot parse \"" + std::string(text) + "\" to a valid timestamp");
}

Result<std::int64_t> parseDurationParam(std::string_view text) {
  if (auto f = parseFiniteFloat(text)) {
    double ns = *f * 1e9;
    if (ns >= 9.223372036854775807e18 || ns < -9.223372036854775808e18) {
      return makeError(ErrorCode::kInvalidArgument, "cannot parse \"" + std::string(text) +
                                                        "\" to a valid duration. It overflows "
                                                        "int64");
    }
    return static_cast<std::int64_t>(ns) / 1'000'000;
  }
  auto d = parsePromDuration(text);
  if (d.ok()) return *d;
  return makeError(ErrorCode::kInvalidArgument,
                   "cannot parse \"" + std::string(text) + "\" to a valid duration");
}

}  // namespace pharos::promql
