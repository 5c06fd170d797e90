#include "health/condition_value.h"

#include <charconv>
#include <cmath>

#include "core/config/duration.h"
#include "core/text.h"

namespace pharos::health {
namespace {

constexpr size_t kMaxRenderedValue = 64;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// The length of the digit run starting at `i`.
size_t digitsAt(std::string_view s, size_t i) {
  size_t n = 0;
  while (i + n < s.size() && isDigit(s[i + n]))
    ++n;
  return n;
}

bool isDecimalNumber(std::string_view s) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  size_t n = digitsAt(s, i);
  if (n == 0) return false;
  i += n;
  if (i < s.size() && s[i] == '.') {
    n = digitsAt(s, i + 1);
    if (n == 0) return false;
    i += 1 + n;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    n = digitsAt(s, i);
    if (n == 0) return false;
    i += n;
  }
  return i == s.size();
}

}  // namespace

Value Value::ofText(std::string text) {
  Value v;
  v.kind = Kind::kText;
  v.text = std::move(text);
  return v;
}

Value Value::ofBool(bool b) {
  Value v;
  v.kind = Kind::kBool;
  v.text = b ? "true" : "false";
  return v;
}

Value Value::ofInteger(int64_t n) {
  return ofNumber(Number{static_cast<double>(n), n}, std::to_string(n));
}

Value Value::ofNumber(Number n, std::string spelling) {
  Value v;
  v.kind = Kind::kNumber;
  v.number = n;
  v.text = std::move(spelling);
  return v;
}

std::optional<Number> parseNumber(std::string_view text) {
  if (!isDecimalNumber(text)) return std::nullopt;
  Number n;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n.value);
  if (ec != std::errc() || p != end || !std::isfinite(n.value)) return std::nullopt;
  int64_t integer = 0;
  auto [q, iec] = std::from_chars(text.data(), end, integer);
  if (iec == std::errc() && q == end) n.integer = integer;
  return n;
}

Value classifyWord(std::string_view word) {
  if (auto n = parseNumber(word)) return Value::ofNumber(*n, std::string(word));
  if (!word.empty() && isDigit(word[0])) {
    auto d = config::parseDuration(word);
    if (d.ok()) {
      int64_t ms = d->count();
      return Value::ofNumber(Number{static_cast<double>(ms), ms}, std::string(word));
    }
  }
  return Value::ofText(std::string(word));
}

bool valuesEqual(const Value& a, const Value& b) {
  if (a.kind == Value::Kind::kNumber && b.kind == Value::Kind::kNumber)
    return compareNumbers(a.number, b.number) == 0;
  return a.text == b.text;
}

std::optional<Number> orderable(const Value& v) {
  if (v.kind == Value::Kind::kNumber) return v.number;
  if (v.kind == Value::Kind::kText) return parseNumber(v.text);
  return std::nullopt;
}

int compareNumbers(const Number& a, const Number& b) {
  if (a.integer && b.integer) return *a.integer < *b.integer ? -1 : (*a.integer > *b.integer);
  return a.value < b.value ? -1 : (a.value > b.value);
}

std::string renderValue(const Value& v) {
  std::string_view shown = truncateUtf8(v.text, kMaxRenderedValue);
  bool cut = shown.size() < v.text.size();
  std::string out;
  if (v.kind == Value::Kind::kText) {
    appendJsonString(out, shown);
    if (cut) out.insert(out.size() - 1, "...");
  } else {
    out = shown;
    if (cut) out += "...";
  }
  return out;
}

std::string_view truncateUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  // Back up over continuation bytes (10xxxxxx) to the start of the cut sequence.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
    --end;
  return s.substr(0, end);
}

}  // namespace pharos::health
