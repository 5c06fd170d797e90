#include "logs/timestamp_parse.h"

#include <string>

#include <optional>

#include <cstdlib>

#include <limits>

#include "core/text.h"

namespace pharos::logs {
namespace {

// Reads exactly `count` decimal digits at `pos`; false when any is not a digit.
bool readDigits(std::string_view text, std::size_t pos, std::size_t count, unsigned& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

// "+hh:mm", "+hhmm", "+hh" at the start of `zone`, the whole of it.
bool parseOffset(std::string_view zone, std::int64_t& offsetSeconds) {
  if (zone.size() < 3 || (zone[0] != '+' && zone[0] != '-')) return false;
  unsigned hours = 0;
  unsigned minutes = 0;
  if (!readDigits(zone, 1, 2, hours)) return false;
  if (zone.size() == 6 && zone[3] == ':') {
    if (!readDigits(zone, 4, 2, minutes)) return false;
  } else if (zone.size() == 5) {
    if (!readDigits(zone, 3, 2, minutes)) return false;
  } else if (zone.size() != 3) {
    return false;
  }
  if (hours > 23 || minutes > 59) return false;
  offsetSeconds = static_cast<std::int64_t>(hours * 3600 + minutes * 60);
  if (zone[0] == '-') offsetSeconds = -offsetSeconds;
  return true;
}

}  // namespace

std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::int64_t yearOfNanos(std::int64_t ns) {
  constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
  std::int64_t z = ns / kNsPerDay - (ns % kNsPerDay < 0 ? 1 : 0);
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
}

unsigned daysInMonth(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2) {
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

int monthFromAbbrev(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() != 3) return 0;
  for (int i = 0; i < 12; ++i) {
    if (iequals(name, kMonths[i])) return i + 1;
  }
  return 0;
}

bool civilToNanos(std::int64_t year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                  unsigned second, std::int64_t fractionNs, std::int64_t offsetSeconds,
                  std::int64_t& ns) {
  // int64 nanoseconds span 1677-09-21 to 2262-04-11; whole years inside that range only.
  if (year < 1678 || year > 2261) return false;
  if (day < 1 || day > daysInMonth(year, month)) return false;
  // 60: a leap second, which Unix time folds into the next.
  if (hour > 23 || minute > 59 || second > 60) return false;
  const std::int64_t seconds = daysFromCivil(year, month, day) * 86400 +
                               static_cast<std::int64_t>(hour * 3600 + minute * 60 + second) -
                               offsetSeconds;
  ns = seconds * 1'000'000'000 + fractionNs;
  return true;
}

bool parseRfc3339(std::string_view text, std::int64_t& ns) {
  // YYYY-MM-DDTHH:MM:SS is 19 characters.
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':')
    return false;
  const char sep = text[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return false;
  if (!readDigits(text, 0, 4, year) || !readDigits(text, 5, 2, month) ||
      !readDigits(text, 8, 2, day) || !readDigits(text, 11, 2, hour) ||
      !readDigits(text, 14, 2, minute) || !readDigits(text, 17, 2, second)) {
    return false;
  }
  std::size_t pos = 19;
  std::int64_t fraction = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    std::size_t digits = 0;
    std::int64_t scale = 100'000'000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) fraction += (text[pos] - '0') * scale;
      scale /= 10;
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
  }
  std::int64_t offset = 0;
  std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (!zone.empty() && !parseOffset(zone, offset)) {
    return false;
  }
  return civilToNanos(year, month, day, hour, minute, second, fraction, offset, ns);
}

bool parseCommonLogTime(std::string_view text, std::int64_t& ns) {
  // dd/Mon/yyyy:hh:mm:ss +zzzz
  unsigned day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (text.size() != 26 || text[2] != '/' || text[6] != '/' || text[11] != ':' || text[14] != ':' ||
      text[17] != ':' || text[20] != ' ') {
    return false;
  }
  int month = monthFromAbbrev(text.substr(3, 3));
  if (month == 0 || !readDigits(text, 0, 2, day) || !readDigits(text, 7, 4, year) ||
      !readDigits(text, 12, 2, hour) || !readDigits(text, 15, 2, minute) ||
      !readDigits(text, 18, 2, second)) {
    return false;
  }
  std::int64_t offset = 0;
  if (!parseOffset(text.substr(21), offset)) return false;
  return civilToNanos(year, static_cast<unsigned>(month), day, hour, minute, second, 0, offset, ns);
}

namespace {

using Int128 = __int128;
constexpr Int128 kMaxNs = std::numeric_limits<std::int64_t>::max();
constexpr Int128 kMinNs = std::numeric_limits<std::int64_t>::min();

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

std::optional<std::int64_t> checkedNs(Int128 ns) {
  if (ns > kMaxNs || ns < kMinNs) return std::nullopt;
  return static_cast<std::int64_t>(ns);
}

// "123", "-5", "1795791914.499802", "1.7e9": an epoch in a unit chosen by magnitude.
std::optional<std::int64_t> parseEpochNumber(std::string_view s) {
  std::size_t pos = 0;
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    ++pos;
  }
  Int128 whole = 0;
  std::size_t wholeDigits = 0;
  while (pos < s.size() && isDigit(s[pos])) {
    if (++wholeDigits > 19) return std::nullopt;
    whole = whole * 10 + (s[pos++] - '0');
  }
  std::string_view fraction;
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < s.size() && isDigit(s[pos]))
      ++pos;
    fraction = s.substr(start, pos - start);
  }
  if (wholeDigits == 0 && fraction.empty()) return std::nullopt;
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    // Exponent forms lose exactness anyway; let strtod read the whole thing.
    std::string copy(s);
    char* end = nullptr;
    const double v = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || !(v == v)) return std::nullopt;
    const double magnitude = v < 0 ? -v : v;
    double scale = magnitude < 1e11 ? 1e9 : magnitude < 1e14 ? 1e6 : magnitude < 1e17 ? 1e3 : 1;
    const double ns = v * scale;
    if (!(ns < 9.2e18 && ns > -9.2e18)) return std::nullopt;
    return static_cast<std::int64_t>(ns);
  }
  if (pos != s.size()) return std::nullopt;
  int scaleDigits = whole < Int128(100000000000)         ? 9
                    : whole < Int128(100000000000000)    ? 6
                    : whole < Int128(100000000000000000) ? 3
                                                         : 0;
  Int128 ns = whole;
  for (int i = 0; i < scaleDigits; ++i) {
    ns = ns * 10 + (static_cast<std::size_t>(i) < fraction.size() ? fraction[i] - '0' : 0);
  }
  return checkedNs(negative ? -ns : ns);
}

}  // namespace

std::optional<std::int64_t> parseTimestampNs(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.size() >= 10 && text[4] == '-') {
    std::int64_t ns = 0;
    if (!parseRfc3339(text, ns)) return std::nullopt;
    return ns;
  }
  return parseEpochNumber(text);
}

std::optional<std::int64_t> parseDecimalNs(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  Int128 v = 0;
  for (char c : text) {
    if (!isDigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return checkedNs(v);
}

}  // namespace pharos::logs
