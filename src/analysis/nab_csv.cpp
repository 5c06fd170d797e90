#include "analysis/nab_csv.h"

#include <charconv>
#include <cmath>
#include <istream>

#include "core/error.h"

namespace pharos::analysis {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t daysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int daysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::optional<std::int64_t> parseCalendar(std::string_view s) {
  std::size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!digits(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-') return std::nullopt;
  if (!digits(s, pos, 2, month) || pos >= s.size() || s[pos++] != '-') return std::nullopt;
  if (!digits(s, pos, 2, day) || pos >= s.size()) return std::nullopt;
  char sep = s[pos++];
  if (sep != ' ' && sep != 'T' && sep != 't') return std::nullopt;
  if (!digits(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
  if (!digits(s, pos, 2, minute) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
  if (!digits(s, pos, 2, second)) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset = 0;
  if (pos < s.size()) {
    char z = s[pos];
    if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
      ++pos;
    } else if (z == '+' || z == '-') {
      ++pos;
      int oh, om;
      if (!digits(s, pos, 2, oh)) return std::nullopt;
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (!digits(s, pos, 2, om) || oh > 23 || om > 59) return std::nullopt;
      offset = (z == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
}

std::optional<std::int64_t> parseEpoch(std::string_view s) {
  std::string_view whole = s.substr(0, s.find('.'));
  if (whole.size() < s.size()) {
    std::string_view fraction = s.substr(whole.size() + 1);
    if (fraction.empty()) return std::nullopt;
    for (char c : fraction) {
      if (c < '0' || c > '9') return std::nullopt;
    }
  }
  if (whole.empty() || whole == "-") return std::nullopt;
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (ec != std::errc() || end != whole.data() + whole.size()) return std::nullopt;
  return seconds;
}

Error rowError(std::uint64_t line, std::string message) {
  return makeError(ErrorCode::kInvalidArgument, "line " + std::to_string(line) + ": " + message);
}

}  // namespace

std::optional<std::int64_t> parseNabTimestamp(std::string_view text) {
  text = trim(text);
  if (text.size() >= 10 && text[4] == '-') return parseCalendar(text);
  return parseEpoch(text);
}

Result<std::optional<NabRow>> NabCsvReader::next() {
  if (failed_) return makeError(ErrorCode::kFailedPrecondition, "reader stopped after an error");
  while (std::getline(in_, buffer_)) {
    ++line_;
    std::string_view line = trim(buffer_);
    if (line.empty()) continue;
    std::size_t comma = line.find(',');
    if (comma == std::string_view::npos) {
      failed_ = true;
      return rowError(line_, "expected two comma-separated fields: timestamp,value");
    }
    std::string_view first = unquote(line.substr(0, comma));
    std::string_view second = unquote(line.substr(comma + 1));
    if (second.find(',') != std::string_view::npos) {
      failed_ = true;
      return rowError(line_, "more than two fields; expected timestamp,value");
    }
    if (!headerRead_) {
      if (!equalsIgnoreCase(first, "timestamp") || !equalsIgnoreCase(second, "value")) {
        failed_ = true;
        return rowError(line_, "the header must be timestamp,value");
      }
      headerRead_ = true;
      continue;
    }
    NabRow row;
    row.line = line_;
    std::optional<std::int64_t> seconds = parseNabTimestamp(first);
    if (!seconds) {
      failed_ = true;
      return rowError(line_, "bad timestamp '" + std::string(first.substr(0, 64)) + "'");
    }
    double value = 0.0;
    auto [end, ec] = std::from_chars(second.data(), second.data() + second.size(), value);
    if (second.empty() || ec != std::errc() || end != second.data() + second.size() ||
        !std::isfinite(value)) {
      failed_ = true;
      return rowError(line_, "bad value '" + std::string(second.substr(0, 64)) +
                                 "' (expected a finite number)");
    }
    row.timestamp = std::string(first);
    row.valueText = std::string(second);
    row.unixSeconds = *seconds;
    row.value = value;
    return std::optional<NabRow>(std::move(row));
  }
  if (in_.bad()) {
    failed_ = true;
    return makeError(ErrorCode::kIo,
                     "reading the input failed after line " + std::to_string(line_));
  }
  if (!headerRead_) {
    failed_ = true;
    return rowError(line_ + 1, "empty input; expected the header timestamp,value");
  }
  return std::optional<NabRow>();
}

}  // namespace pharos::analysis
