#include "metrics/exposition_number.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <system_error>

#include "core/text.h"

namespace pharos::metrics {
namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// from_chars reports both overflow and underflow as out of range; Go only rejects
// overflow. strtod tells them apart (this path only runs for absurd exponents).
std::optional<double> parseOutOfRange(std::string_view digits) {
  std::string copy(digits);
  errno = 0;
  double v = std::strtod(copy.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<double> parseGoFloat(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  bool hasSign = false;
  std::string_view rest = s;
  if (rest[0] == '+' || rest[0] == '-') {
    negative = rest[0] == '-';
    hasSign = true;
    rest.remove_prefix(1);
  }
  if (rest.empty()) return std::nullopt;
  if (!isDigit(rest[0]) && rest[0] != '.') {
    if (iequals(rest, "inf") || iequals(rest, "infinity")) {
      double inf = std::numeric_limits<double>::infinity();
      return negative ? -inf : inf;
    }
    // Go's ParseFloat takes no sign on NaN.
    if (!hasSign && iequals(rest, "nan")) return std::numeric_limits<double>::quiet_NaN();
    return std::nullopt;
  }
  // from_chars reads exactly [digits][.digits][e[+-]digits] in this mode: no sign, no hex,
  // no "inf"/"nan" (those start with a letter and were handled above).
  double v = 0;
  const char* end = rest.data() + rest.size();
  auto [ptr, ec] = std::from_chars(rest.data(), end, v, std::chars_format::general);
  if (ptr != end) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    auto ranged = parseOutOfRange(rest);
    if (!ranged) return std::nullopt;
    v = *ranged;
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  return negative ? -v : v;
}

std::optional<std::int64_t> parseTimestampMillis(std::string_view s) {
  std::size_t digitsAt = !s.empty() && s[0] == '-' ? 1 : 0;
  if (s.size() <= digitsAt || !isDigit(s[digitsAt])) return std::nullopt;
  std::int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parseTimestampSeconds(std::string_view s) {
  // Exact path: [+-]digits[.digits] with at most 15 significant integer digits, so that the
  // milliseconds cannot overflow. Anything else (exponents, huge values) goes through a double.
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  std::int64_t seconds = 0;
  std::int64_t millis = 0;
  std::size_t significant = 0;
  std::size_t digits = 0;
  for (; i < s.size() && isDigit(s[i]); ++i, ++digits) {
    if (seconds == 0 && s[i] == '0') continue;
    if (++significant > 15) break;
    seconds = seconds * 10 + (s[i] - '0');
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    int frac = 0;
    for (; i < s.size() && isDigit(s[i]); ++i, ++digits, ++frac) {
      if (frac < 3) millis = millis * 10 + (s[i] - '0');
    }
    for (; frac < 3; ++frac)
      millis *= 10;
  }
  if (digits > 0 && i == s.size()) {
    std::int64_t total = seconds * 1000 + millis;
    return negative ? -total : total;
  }

  auto v = parseGoFloat(s);
  if (!v || !std::isfinite(*v)) return std::nullopt;
  double ms = std::trunc(*v * 1000);
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (!(ms > -kLimit && ms < kLimit)) return std::nullopt;
  return static_cast<std::int64_t>(ms);
}

}  // namespace pharos::metrics
