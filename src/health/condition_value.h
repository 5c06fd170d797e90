#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The values a condition compares, and the comparison rules. Internal to the health module.
namespace pharos::health {

struct Number {
  double value = 0;
  std::optional<int64_t> integer;  // when exact, so large ids compare without rounding
};

// A literal of the condition or what a placeholder resolved to. `text` is what equality and
// pat() see: a literal as spelled, a JSON string's content, a JSON number as JSON writes it.
struct Value {
  enum class Kind { kNumber, kText, kBool, kNull, kArray, kObject };
  Kind kind = Kind::kText;
  std::string text;
  Number number;  // kNumber

  static Value ofText(std::string text);
  static Value ofBool(bool b);
  static Value ofInteger(int64_t n);
  // `spelling` is the text equality and pat() see; it is also what explanations show.
  static Value ofNumber(Number n, std::string spelling);
};

// Strictly a decimal number: -?digits(.digits)?(e[+-]?digits)?, finite. No inf, nan, hex, '+'.
std::optional<Number> parseNumber(std::string_view text);

// An unquoted word of a condition: a number (200, -1.5), a duration as milliseconds (168h,
// 30m, 1m30s), or else text (ok, 127.0.0.1, NOERROR, true).
Value classifyWord(std::string_view word);

// Both numbers: numerically. Otherwise their text, so "42" (a JSON string) equals 42.
bool valuesEqual(const Value& a, const Value& b);

// The value as a number for <, <= ...: a number, or text that is exactly a number ("42").
std::optional<Number> orderable(const Value& v);

// -1, 0 or 1.
int compareNumbers(const Number& a, const Number& b);

// For explanations: text quoted and escaped, everything cut at 64 bytes.
std::string renderValue(const Value& v);

// At most `max` bytes of `s`, not cutting a UTF-8 sequence in two.
std::string_view truncateUtf8(std::string_view s, size_t max);

}  // namespace pharos::health
