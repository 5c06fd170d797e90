#include "logs/token_masker.h"

#include <array>

namespace pharos::logs {
namespace {

enum CharClass : std::uint8_t {
  kSpace = 1,      // ends a word
  kDelimiter = 2,  // ends a fragment inside a word, kept in the output
  kDigit = 4,
  kHexLetter = 8,
  kLetter = 16,
  kColon = 32,  // may start a URL's "://"
};

constexpr std::array<std::uint8_t, 256> makeClasses() {
  std::array<std::uint8_t, 256> c{};
  for (char ch : std::string_view(" \t\r\n\v\f"))
    c[static_cast<unsigned char>(ch)] = kSpace;
  for (char ch : std::string_view("=,;()[]{}\"'<>|")) {
    c[static_cast<unsigned char>(ch)] = kDelimiter;
  }
  for (int ch = '0'; ch <= '9'; ++ch)
    c[ch] = kDigit;
  c[':'] = kColon;
  for (int ch = 'a'; ch <= 'z'; ++ch)
    c[ch] = kLetter;
  for (int ch = 'A'; ch <= 'Z'; ++ch)
    c[ch] = kLetter;
  for (int ch = 'a'; ch <= 'f'; ++ch)
    c[ch] |= kHexLetter;
  for (int ch = 'A'; ch <= 'F'; ++ch)
    c[ch] |= kHexLetter;
  return c;
}
constexpr std::array<std::uint8_t, 256> kClasses = makeClasses();

inline std::uint8_t classOf(char ch) {
  return kClasses[static_cast<unsigned char>(ch)];
}
inline bool isDigit(char ch) {
  return ch >= '0' && ch <= '9';
}
inline bool isHex(char ch) {
  return (classOf(ch) & (kDigit | kHexLetter)) != 0;
}
inline bool isAlnum(char ch) {
  return (classOf(ch) & (kDigit | kLetter)) != 0;
}

// What one scan of a fragment found, so most fragments are decided without a second look.
// Counted through a table (one increment per byte, no branches): this is the hot loop.
enum ShapeKind : std::uint8_t {
  kKindOther = 0,  // anything else (_, +, %, non-ASCII...)
  kKindDigit,
  kKindHexLetter,
  kKindOtherLetter,
  kKindDot,
  kKindColon,
  kKindDash,
  kKindSlash,
  kKindAt,
  kKindCount,
};

constexpr std::array<std::uint8_t, 256> makeKinds() {
  std::array<std::uint8_t, 256> k{};
  for (int ch = '0'; ch <= '9'; ++ch)
    k[ch] = kKindDigit;
  for (int ch = 'a'; ch <= 'z'; ++ch)
    k[ch] = ch <= 'f' ? kKindHexLetter : kKindOtherLetter;
  for (int ch = 'A'; ch <= 'Z'; ++ch)
    k[ch] = ch <= 'F' ? kKindHexLetter : kKindOtherLetter;
  k['.'] = kKindDot;
  k[':'] = kKindColon;
  k['-'] = kKindDash;
  k['/'] = kKindSlash;
  k['@'] = kKindAt;
  return k;
}
constexpr std::array<std::uint8_t, 256> kKinds = makeKinds();

struct Shape {
  int digits = 0;
  int hexLetters = 0;
  int otherLetters = 0;
  int dots = 0;
  int colons = 0;
  int dashes = 0;
  int slashes = 0;
  int ats = 0;
  int other = 0;
};

Shape shapeOf(std::string_view s) {
  int counts[kKindCount] = {};
  for (char ch : s)
    ++counts[kKinds[static_cast<unsigned char>(ch)]];
  Shape shape;
  shape.digits = counts[kKindDigit];
  shape.hexLetters = counts[kKindHexLetter];
  shape.otherLetters = counts[kKindOtherLetter];
  shape.dots = counts[kKindDot];
  shape.colons = counts[kKindColon];
  shape.dashes = counts[kKindDash];
  shape.slashes = counts[kKindSlash];
  shape.ats = counts[kKindAt];
  shape.other = counts[kKindOther];
  return shape;
}

// 1.2.3.4 or 1.2.3.4:port
bool isIpv4(std::string_view s) {
  std::size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
    std::size_t start = i;
    while (i < s.size() && isDigit(s[i]) && i - start < 4)
      ++i;
    if (i == start || i - start > 3) return false;
  }
  if (i == s.size()) return true;
  if (s[i] != ':' || i + 1 == s.size()) return false;
  for (++i; i < s.size(); ++i) {
    if (!isDigit(s[i])) return false;
  }
  return true;
}

bool isIpv6(std::string_view s, const Shape& shape) {
  if (shape.colons < 2 || shape.otherLetters || shape.dashes || shape.slashes || shape.ats ||
      shape.other) {
    return false;
  }
  // Times ("15:16:01") have two colons and only digits: an address needs "::" or 7 colons.
  if (shape.colons < 7 && s.find("::") == std::string_view::npos) return false;
  return shape.dots == 0 || shape.dots == 3;  // an embedded IPv4 tail
}

bool isUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !isHex(s[i])) return false;
  }
  return true;
}

// [+-]digits[.digits][e[+-]digits][unit of up to 3 letters or %]
bool isNumber(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t start = i;
  while (i < s.size() && isDigit(s[i]))
    ++i;
  if (i == start) return false;
  if (i < s.size() && s[i] == '.') {
    std::size_t fraction = ++i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    if (i == fraction) return false;
  }
  if (i + 1 < s.size() && (s[i] == 'e' || s[i] == 'E') &&
      (isDigit(s[i + 1]) || ((s[i + 1] == '-' || s[i + 1] == '+') && i + 2 < s.size()))) {
    std::size_t j = i + 1;
    if (s[j] == '-' || s[j] == '+') ++j;
    std::size_t exponent = j;
    while (j < s.size() && isDigit(s[j]))
      ++j;
    if (j > exponent) i = j;
  }
  std::size_t unit = i;
  while (i < s.size() && (classOf(s[i]) & kLetter))
    ++i;
  if (i < s.size() && s[i] == '%') ++i;
  return i == s.size() && i - unit <= 3;
}

// Dates, times and versions: digits separated by . : - / only, starting with a digit.
bool isDigitsWithSeparators(std::string_view s, const Shape& shape) {
  return shape.digits > 0 && isDigit(s.front()) && shape.hexLetters == 0 &&
         shape.otherLetters == 0 && shape.ats == 0 && shape.other == 0;
}

bool isHexString(std::string_view s, const Shape& shape) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    for (std::size_t i = 2; i < s.size(); ++i) {
      if (!isHex(s[i])) return false;
    }
    return true;
  }
  return s.size() >= 8 && shape.digits > 0 && shape.hexLetters > 0 &&
         static_cast<std::size_t>(shape.digits + shape.hexLetters) == s.size();
}

// "00b360e8" and "003a9070" are the same kind of value: a fixed-width, zero-padded word of
// 8+ digits is a hex dump or an address, so it masks like one rather than as a number.
bool isZeroPaddedWord(std::string_view s, const Shape& shape) {
  return s.size() >= 8 && s[0] == '0' && static_cast<std::size_t>(shape.digits) == s.size();
}

bool isPath(std::string_view s, const Shape& shape) {
  if (shape.slashes == 0) return false;
  if (s.size() > 1 && s[0] == '/') return true;
  if (s.starts_with("./") || s.starts_with("../") || s.starts_with("~/")) return true;
  return shape.slashes >= 2 && s.front() != '/' && s.back() != '/';  // a/b/c
}

bool isEmail(std::string_view s, const Shape& shape) {
  if (shape.ats != 1) return false;
  std::size_t at = s.find('@');
  return at > 0 && s.find('.', at + 2) != std::string_view::npos && s.back() != '.';
}

// Copies `s` with every run of digits (with a sign after a non-alphanumeric, and dotted
// parts: "v1.2.3") replaced by <NUM>, and 0x... by <HEX>.
void maskDigitRuns(std::string_view s, std::string& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    char ch = s[i];
    bool signStart = (ch == '-' || ch == '+') && i + 1 < s.size() && isDigit(s[i + 1]) &&
                     (i == 0 || !isAlnum(s[i - 1]));
    if (!isDigit(ch) && !signStart) {
      out.push_back(ch);
      ++i;
      continue;
    }
    if (ch == '0' && i + 2 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X') && isHex(s[i + 2])) {
      i += 2;
      while (i < s.size() && isHex(s[i]))
        ++i;
      out.append("<HEX>");
      continue;
    }
    if (signStart) ++i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    while (i + 1 < s.size() && s[i] == '.' && isDigit(s[i + 1])) {
      i += 1;
      while (i < s.size() && isDigit(s[i]))
        ++i;
    }
    out.append("<NUM>");
  }
}

// Appends the masked form of one fragment; true when anything was masked.
bool maskFragment(std::string_view s, bool maskPaths, std::string& out) {
  if (s.empty()) return false;
  Shape shape = shapeOf(s);
  if (shape.digits == 0 && shape.slashes == 0 && shape.ats == 0) {
    out.append(s);  // the common case: a plain word
    return false;
  }
  if (s[0] == '/' && s.size() > 1 && isIpv4(s.substr(1))) {  // "/10.0.0.1:50010"
    out.append("/<IP>");
    return true;
  }
  const char* mask = nullptr;
  if (isZeroPaddedWord(s, shape)) {
    mask = "<HEX>";
  } else if (isIpv4(s) || isIpv6(s, shape)) {
    mask = "<IP>";
  } else if (isUuid(s)) {
    mask = "<UUID>";
  } else if (isHexString(s, shape)) {  // before numbers: "001061e8" is no exponent
    mask = "<HEX>";
  } else if (isNumber(s) || isDigitsWithSeparators(s, shape)) {
    mask = "<NUM>";
  } else if (isEmail(s, shape)) {
    mask = "<EMAIL>";
  } else if (maskPaths && isPath(s, shape)) {
    mask = "<PATH>";
  }
  if (mask != nullptr) {
    out.append(mask);
    return true;
  }
  if (shape.digits == 0) {
    out.append(s);
    return false;
  }
  maskDigitRuns(s, out);
  return true;
}

// Where a URL ends whose scheme is s[start, colon) and s[colon] == ':' (`colon` when it is
// no URL): the scheme is a letter then letters, digits, + - . and "://" follows; the URL
// runs to white space, less trailing punctuation.
std::size_t urlEnd(std::string_view s, std::size_t start, std::size_t colon) {
  if (colon == start || s.substr(colon, 3) != "://" || !(classOf(s[start]) & kLetter)) {
    return colon;
  }
  for (std::size_t k = start; k < colon; ++k) {
    if (!isAlnum(s[k]) && s[k] != '+' && s[k] != '-' && s[k] != '.') return colon;
  }
  std::size_t j = colon + 3;
  while (j < s.size() && !(classOf(s[j]) & kSpace))
    ++j;
  while (j > colon + 3 &&
         std::string_view(",.;:)]}\"'>").find(s[j - 1]) != std::string_view::npos) {
    --j;
  }
  return j;
}

}  // namespace

void maskLine(std::string_view message, const MaskOptions& options, MaskedLine& out) {
  out.text.clear();
  out.spans.clear();
  out.masked.clear();
  const std::size_t maxWords = options.maxWords == 0 ? 1 : options.maxWords;
  std::size_t i = 0;
  const std::size_t n = message.size();
  while (i < n) {
    while (i < n && (classOf(message[i]) & kSpace))
      ++i;
    if (i == n) break;
    auto start = static_cast<std::uint32_t>(out.text.size());
    if (out.spans.size() + 1 == maxWords) {
      // Bounded clusters: a very long line keeps its first words and one wildcard tail.
      std::size_t j = i;
      while (j < n && !(classOf(message[j]) & kSpace))
        ++j;
      while (j < n && (classOf(message[j]) & kSpace))
        ++j;
      if (j < n) {
        out.text.append("<*>");
        out.spans.emplace_back(start, 3);
        out.masked.push_back(true);
        break;
      }
    }
    bool masked = false;
    std::size_t fragment = i;
    while (i < n) {
      std::uint8_t c = classOf(message[i]);
      if (c & (kSpace | kDelimiter)) {
        masked |= maskFragment(message.substr(fragment, i - fragment), options.maskPaths, out.text);
        if (c & kSpace) break;
        out.text.push_back(message[i]);
        fragment = i + 1;
      } else if (c & kColon) {
        // "scheme://": the URL runs to the white space; its "=" and ";" do not split it.
        if (std::size_t end = urlEnd(message, fragment, i); end > i) {
          out.text.append("<URL>");
          masked = true;
          i = fragment = end;
          continue;
        }
      }
      ++i;
    }
    if (i == n) {
      masked |= maskFragment(message.substr(fragment, i - fragment), options.maskPaths, out.text);
    }
    out.spans.emplace_back(start, static_cast<std::uint32_t>(out.text.size()) - start);
    out.masked.push_back(masked);
  }
}

}  // namespace pharos::logs
