#include "logs/archive_variables.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/varint.h"
#include "logs/timestamp_parse.h"

namespace pharos::logs::archive {
namespace {

// Character classes of the tokenizer.
enum : unsigned {
  kDigit = 1u << 0,
  kHexLower = 1u << 1,    // a-f
  kOtherLower = 1u << 2,  // g-z
  kHexUpper = 1u << 3,    // A-F
  kOtherUpper = 1u << 4,  // G-Z
  kDot = 1u << 5,
  kDash = 1u << 6,
  kUnderscore = 1u << 7,
  kHigh = 1u << 8,  // a byte of a UTF-8 sequence
  kLetter = kHexLower | kOtherLower | kHexUpper | kOtherUpper,
  kTrailing = kDot | kDash | kUnderscore,  // peeled off the end of a variable
  kWord = kDigit | kLetter | kTrailing | kHigh,
};

constexpr std::array<std::uint16_t, 256> makeClasses() {
  std::array<std::uint16_t, 256> c{};
  for (int i = '0'; i <= '9'; ++i)
    c[i] = kDigit;
  for (int i = 'a'; i <= 'z'; ++i)
    c[i] = i <= 'f' ? kHexLower : kOtherLower;
  for (int i = 'A'; i <= 'Z'; ++i)
    c[i] = i <= 'F' ? kHexUpper : kOtherUpper;
  c['.'] = kDot;
  c['-'] = kDash;
  c['_'] = kUnderscore;
  for (int i = 0x80; i < 0x100; ++i)
    c[i] = kHigh;
  return c;
}
constexpr std::array<std::uint16_t, 256> kClasses = makeClasses();

unsigned classOf(char c) {
  return kClasses[static_cast<unsigned char>(c)];
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Room the encoder keeps past a template's bound, for fixed-size copies.
constexpr std::size_t kTemplateSlack = 16;

// A bit per byte of the text, 64 to a word: whether it is a token byte (kWord) and whether a
// digit. Bits past the end are clear. With SSE2 16 bytes at a time: most of a line is static
// tokens and spaces, which the encoder then skips without looking at their bytes.
#if defined(__SSE2__)
void classify(std::string_view text, std::uint64_t* words, std::uint64_t* digits) {
  const std::size_t n = text.size();
  const std::size_t whole = n / 64;
  // Bytes in [lo, lo + count) after adding 0x80 - lo: a signed compare below -128 + count.
  auto inRange = [](__m128i v, char lo, char count) {
    const __m128i shifted = _mm_add_epi8(v, _mm_set1_epi8(static_cast<char>(0x80 - lo)));
    return _mm_cmplt_epi8(shifted, _mm_set1_epi8(static_cast<char>(-128 + count)));
  };
  for (std::size_t b = 0; b < whole; ++b) {
    std::uint64_t w = 0, d = 0;
    for (unsigned k = 0; k < 4; ++k) {
      const __m128i v =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + b * 64 + k * 16));
      const __m128i digit = inRange(v, '0', 10);
      const __m128i letter = inRange(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
      const __m128i dashDot = inRange(v, '-', 2);
      const __m128i underscore = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
      const __m128i word = _mm_or_si128(_mm_or_si128(digit, letter),
                                        _mm_or_si128(_mm_or_si128(dashDot, underscore), v));
      w |= static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(word))) << (16 * k);
      d |= static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(digit))) << (16 * k);
    }
    words[b] = w;
    digits[b] = d;
  }
  if (whole * 64 < n) {
    // The last bytes through a copy padded with NULs, which are neither.
    char last[64] = {};
    std::memcpy(last, text.data() + whole * 64, n - whole * 64);
    classify(std::string_view(last, sizeof last), words + whole, digits + whole);
  }
}
#else
void classify(std::string_view text, std::uint64_t* words, std::uint64_t* digits) {
  const std::size_t n = text.size();
  for (std::size_t b = 0; b * 64 < n; ++b) {
    std::uint64_t w = 0, d = 0;
    const std::size_t end = std::min(n, b * 64 + 64);
    for (std::size_t i = b * 64; i < end; ++i) {
      const unsigned c = classOf(text[i]);
      w |= std::uint64_t{(c & kWord) != 0} << (i % 64);
      d |= std::uint64_t{(c & kDigit) != 0} << (i % 64);
    }
    words[b] = w;
    digits[b] = d;
  }
}
#endif

// The first set bit of `bits` (`count` bits) at or after `from`, or `count`.
std::size_t nextSet(const std::uint64_t* bits, std::size_t from, std::size_t count) {
  if (from >= count) return count;
  std::size_t b = from / 64;
  std::uint64_t m = bits[b] & (~std::uint64_t{0} << (from % 64));
  const std::size_t blocks = (count + 63) / 64;
  while (m == 0) {
    if (++b == blocks) return count;
    m = bits[b];
  }
  return std::min(count, b * 64 + static_cast<std::size_t>(__builtin_ctzll(m)));
}

// The first clear bit of `bits` at or after `from`, or `count`.
std::size_t nextClear(const std::uint64_t* bits, std::size_t from, std::size_t count) {
  if (from >= count) return count;
  std::size_t b = from / 64;
  std::uint64_t m = ~bits[b] & (~std::uint64_t{0} << (from % 64));
  const std::size_t blocks = (count + 63) / 64;
  while (m == 0) {
    if (++b == blocks) return count;
    m = ~bits[b];
  }
  return std::min(count, b * 64 + static_cast<std::size_t>(__builtin_ctzll(m)));
}

// The start of the run of set bits of `bits` that holds `at`, or `from` if it starts before.
std::size_t runStart(const std::uint64_t* bits, std::size_t from, std::size_t at) {
  std::size_t b = at / 64;
  std::uint64_t m = ~bits[b] & ((std::uint64_t{1} << (at % 64)) - 1);
  while (m == 0) {
    if (b * 64 <= from) return from;
    m = ~bits[--b];
  }
  return std::max(from, b * 64 + 64 - static_cast<std::size_t>(__builtin_clzll(m)));
}

// The time placeholder's format byte.
enum : std::uint8_t {
  kTimeDigits = 0x0F,   // fraction digits, 0-9
  kTimeHasDate = 0x10,  // "YYYY-MM-DD" before the time
  kTimeT = 0x20,        // 'T' between date and time, else ' '
  kTimeSlash = 0x40,    // '/' in the date, else '-'
  kTimeComma = 0x80,    // ',' before the fraction, else '.'
};

constexpr std::int64_t kPow10[] = {1,
                                   10,
                                   100,
                                   1000,
                                   10000,
                                   100000,
                                   1000000,
                                   10000000,
                                   100000000,
                                   1000000000,
                                   10000000000,
                                   100000000000,
                                   1000000000000,
                                   10000000000000,
                                   100000000000000,
                                   1000000000000000,
                                   10000000000000000,
                                   100000000000000000,
                                   1000000000000000000};

// Each byte's two hex digits, lower and upper case: unpacking writes two characters at once.
struct HexPairs {
  char lower[512];
  char upper[512];
};
constexpr HexPairs makeHexPairs() {
  HexPairs t{};
  for (int b = 0; b < 256; ++b) {
    t.lower[2 * b] = "0123456789abcdef"[b >> 4];
    t.lower[2 * b + 1] = "0123456789abcdef"[b & 15];
    t.upper[2 * b] = "0123456789ABCDEF"[b >> 4];
    t.upper[2 * b + 1] = "0123456789ABCDEF"[b & 15];
  }
  return t;
}
constexpr HexPairs kHexPairs = makeHexPairs();

// Each byte's decimal text (up to 3 digits, padded with NULs) and length, for IPv4.
struct Octets {
  char text[256][4];
  std::uint8_t length[256];
};
constexpr Octets makeOctets() {
  Octets t{};
  for (int b = 0; b < 256; ++b) {
    int n = 0;
    if (b >= 100) t.text[b][n++] = static_cast<char>('0' + b / 100);
    if (b >= 10) t.text[b][n++] = static_cast<char>('0' + b / 10 % 10);
    t.text[b][n++] = static_cast<char>('0' + b % 10);
    t.length[b] = static_cast<std::uint8_t>(n);
  }
  return t;
}
constexpr Octets kOctets = makeOctets();

// Static text into a template at `w`: NUL, the placeholder mark, is doubled. The end.
char* writeEscaped(char* w, std::string_view s) {
  while (!s.empty()) {
    const void* nul = std::memchr(s.data(), '\0', s.size());
    if (nul == nullptr) {
      std::memcpy(w, s.data(), s.size());
      return w + s.size();
    }
    std::size_t k = static_cast<std::size_t>(static_cast<const char*>(nul) - s.data()) + 1;
    std::memcpy(w, s.data(), k);
    w += k;
    *w++ = '\0';
    s.remove_prefix(k);
  }
  return w;
}

bool readDigits(const char* p, int n, unsigned& v) {
  v = 0;
  for (int i = 0; i < n; ++i) {
    if (!isDigit(p[i])) return false;
    v = v * 10 + static_cast<unsigned>(p[i] - '0');
  }
  return true;
}

// "-123" as int64 when it is the canonical rendering: no '+', no leading zeros, not "-0".
bool parseInt(std::string_view t, std::int64_t& v) {
  bool negative = !t.empty() && t[0] == '-';
  std::string_view digits = t.substr(negative ? 1 : 0);
  if (digits.empty() || digits.size() > 19) return false;
  if (digits[0] == '0' && (digits.size() > 1 || negative)) return false;
  std::uint64_t u = 0;
  for (char c : digits) {
    if (!isDigit(c)) return false;
    u = u * 10 + static_cast<unsigned>(c - '0');  // 19 digits cannot overflow uint64
  }
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(INT64_MAX);
  if (u > kMax + (negative ? 1 : 0)) return false;
  v = static_cast<std::int64_t>(negative ? 0 - u : u);
  return true;
}

// "-12.50" as its digits (-1250) and the number of them after the point (2), when canonical:
// an integer part without leading zeros, at most 18 digits in all, not a negative zero.
bool parseFraction(std::string_view t, std::int64_t& mantissa, unsigned& decimals) {
  bool negative = !t.empty() && t[0] == '-';
  std::string_view body = t.substr(negative ? 1 : 0);
  std::size_t dot = body.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == body.size()) return false;
  if (body[0] == '0' && dot > 1) return false;
  if (body.size() - 1 > 18) return false;
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (i == dot) continue;
    if (!isDigit(body[i])) return false;
    u = u * 10 + static_cast<unsigned>(body[i] - '0');
  }
  if (negative && u == 0) return false;
  mantissa = negative ? -static_cast<std::int64_t>(u) : static_cast<std::int64_t>(u);
  decimals = static_cast<unsigned>(body.size() - dot - 1);
  return true;
}

bool parseIpv4(std::string_view t, unsigned char (&out)[4]) {
  std::size_t at = 0;
  for (int part = 0; part < 4; ++part) {
    std::size_t end = at;
    while (end < t.size() && isDigit(t[end]))
      ++end;
    std::size_t n = end - at;
    if (n == 0 || n > 3 || (n > 1 && t[at] == '0')) return false;
    unsigned v = 0;
    if (!readDigits(t.data() + at, static_cast<int>(n), v) || v > 255) return false;
    out[part] = static_cast<unsigned char>(v);
    if (part < 3) {
      if (end >= t.size() || t[end] != '.') return false;
      at = end + 1;
    } else if (end != t.size()) {
      return false;
    }
  }
  return true;
}

unsigned nibble(char c) {
  if (c <= '9') return static_cast<unsigned>(c - '0');
  if (c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return static_cast<unsigned>(c - 'a' + 10);
}

// Hex digits (of a checked class) packed two to a byte; an odd last one in the high nibble.
void packHex(std::string_view hex, ColumnWriter& out) {
  char* const start = out.room((hex.size() + 1) / 2);
  char* w = start;
  std::size_t i = 0;
  for (; i + 1 < hex.size(); i += 2)
    *w++ = static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1]));
  if (i < hex.size()) *w++ = static_cast<char>(nibble(hex[i]) << 4);
  out.advance(static_cast<std::size_t>(w - start));
}

// `digits` hex digits from packed bytes (`pairs`: kHexPairs' lower or upper) at `p`.
void unpackHex(std::string_view bytes, std::size_t digits, const char* pairs, char* p) {
  const std::size_t whole = digits / 2;
  for (std::size_t i = 0; i < whole; ++i)
    std::memcpy(p + 2 * i, pairs + 2 * static_cast<unsigned char>(bytes[i]), 2);
  if (digits % 2 != 0) p[digits - 1] = pairs[2 * static_cast<unsigned char>(bytes[whole])];
}

// A UUID's 32 hex digits (its dashes at 8, 13, 18, 23), of one case.
bool isUuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if ((t[i] == '-') != dash) return false;
  }
  return true;
}

// "+01:00" or "-0500" after a time, kept as static text: the length, or 0.
std::size_t zoneLength(std::string_view rest) {
  if (rest.size() < 5 || (rest[0] != '+' && rest[0] != '-')) return 0;
  unsigned v = 0;
  if (!readDigits(rest.data() + 1, 2, v)) return 0;
  std::size_t n = 0;
  if (rest[3] == ':') {
    n = rest.size() >= 6 && readDigits(rest.data() + 4, 2, v) ? 6 : 0;
  } else {
    n = readDigits(rest.data() + 3, 2, v) ? 5 : 0;
  }
  if (n == 0 || (n < rest.size() && isDigit(rest[n]))) return 0;
  return n;
}

// Writes `v` in `width` digits, zero-padded, at `p`; returns the end.
char* writePadded(char* p, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

// Two digits of 0-99 at `p`.
char* writeTwo(char* p, unsigned v) {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  std::memcpy(p, kPairs + 2 * v, 2);
  return p + 2;
}

// Writes an int64 in decimal at `p` (room for 20 bytes); returns the end.
char* writeInt(char* p, std::int64_t v) {
  if (v < 0) *p++ = '-';
  const std::uint64_t magnitude =
      v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  return std::to_chars(p, p + 20, magnitude).ptr;
}

// Howard Hinnant's civil_from_days: the date of a day count since 1970-01-01.
void civilFromDays(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
}

// value = whole * kScale + part, 0 <= part < kScale; a constant scale makes the division a
// multiplication.
template <std::int64_t kScale>
void floorSplit(std::int64_t value, std::int64_t& whole, std::int64_t& part) {
  whole = value / kScale;
  part = value % kScale;
  if (part < 0) {
    part += kScale;
    --whole;
  }
}

void splitFraction(std::int64_t value, unsigned digits, std::int64_t& seconds,
                   std::int64_t& fraction) {
  switch (digits) {
    case 0:
      seconds = value;
      fraction = 0;
      return;
    case 1:
      return floorSplit<10>(value, seconds, fraction);
    case 2:
      return floorSplit<100>(value, seconds, fraction);
    case 3:
      return floorSplit<1000>(value, seconds, fraction);
    case 4:
      return floorSplit<10000>(value, seconds, fraction);
    case 5:
      return floorSplit<100000>(value, seconds, fraction);
    case 6:
      return floorSplit<1000000>(value, seconds, fraction);
    case 7:
      return floorSplit<10000000>(value, seconds, fraction);
    case 8:
      return floorSplit<100000000>(value, seconds, fraction);
    default:
      return floorSplit<1000000000>(value, seconds, fraction);
  }
}

}  // namespace

// The text of a time value in `format`; false when the value has no such text.
bool VariableDecoder::appendTime(OutputBuffer& out, std::int64_t value, std::uint8_t format) {
  const unsigned digits = format & kTimeDigits;
  std::int64_t seconds = 0, fraction = 0;
  splitFraction(value, digits, seconds, fraction);
  char* const start = out.room(32);
  char* p = start;
  std::int64_t secondOfDay = seconds;
  if (format & kTimeHasDate) {
    std::int64_t days = 0;
    floorSplit<86400>(seconds, days, secondOfDay);
    if (days != date_.days) {  // most times fall on the day of the one before
      civilFromDays(days, date_.year, date_.month, date_.day);
      date_.days = days;
    }
    if (date_.year < 0 || date_.year > 9999) return false;
    const char dateSeparator = (format & kTimeSlash) ? '/' : '-';
    const auto year = static_cast<unsigned>(date_.year);
    p = writeTwo(p, year / 100);
    p = writeTwo(p, year % 100);
    *p++ = dateSeparator;
    p = writeTwo(p, date_.month);
    *p++ = dateSeparator;
    p = writeTwo(p, date_.day);
    *p++ = (format & kTimeT) ? 'T' : ' ';
  } else if (secondOfDay < 0 || secondOfDay >= 86400) {
    return false;
  }
  const auto sod = static_cast<unsigned>(secondOfDay);
  p = writeTwo(p, sod / 3600);
  *p++ = ':';
  p = writeTwo(p, sod / 60 % 60);
  *p++ = ':';
  p = writeTwo(p, sod % 60);
  if (digits > 0) {
    *p++ = (format & kTimeComma) ? ',' : '.';
    p = writePadded(p, static_cast<std::uint64_t>(fraction), static_cast<int>(digits));
  }
  out.advance(static_cast<std::size_t>(p - start));
  return true;
}

void VariableEncoder::appendStatic(std::size_t from, std::size_t to) {
  const std::size_t size = to - from;
  if (hasNul_) {
    w_ = writeEscaped(w_, text_.substr(from, size));
  } else if (size <= 16 && text_.size() - from >= 16) {
    // Most static runs between variables are short: a fixed 16-byte copy (the template has
    // kTemplateSlack bytes of room past its bound) beats a call to memcpy.
    std::memcpy(w_, text_.data() + from, 16);
    w_ += size;
  } else {
    std::memcpy(w_, text_.data() + from, size);
    w_ += size;
  }
}

unsigned VariableEncoder::placeholder(std::size_t staticTo, char type, unsigned bits) {
  appendStatic(staticFrom_, staticTo);
  const unsigned stream =
      bits == 0 ? 0 : streamOf(std::string_view(tmpl_, static_cast<std::size_t>(w_ - tmpl_)), bits);
  *w_++ = '\0';
  *w_++ = type;
  return stream;
}

void VariableEncoder::encode(std::string_view text, OutputBuffer& tmpl) {
  tmpl.clear();
  const char* s = text.data();
  const std::size_t n = text.size();
  text_ = text;
  hasNul_ = n > 0 && std::memchr(s, '\0', n) != nullptr;
  // The template is written in place: it takes at most twice the text (a NUL is doubled, a
  // placeholder of 2 or 3 bytes replaces at least 1 or 8 bytes).
  tmpl_ = w_ = tmpl.room(2 * n + kTemplateSlack);
  staticFrom_ = 0;
  const std::size_t blocks = (n + 63) / 64;
  if (wordBits_.size() < blocks) {
    wordBits_.resize(blocks);
    digitBits_.resize(blocks);
  }
  const std::uint64_t* words = wordBits_.data();
  const std::uint64_t* digits = digitBits_.data();
  classify(text, wordBits_.data(), digitBits_.data());
  // Only tokens with a digit can be variables: the scan goes from digit to digit, the tokens
  // between them are static text. `from` is where it resumes (past a variable, or a time).
  for (std::size_t from = 0;;) {
    const std::size_t digit = nextSet(digits, from, n);
    if (digit == n) break;
    const std::size_t i = runStart(words, from, digit);  // the token's start
    std::size_t at = i;
    if (isDigit(s[i]) && mayBeTime(text, i) && tryTime(at)) {
      from = at;
      continue;
    }
    const std::size_t j = nextClear(words, digit, n);
    // Punctuation at the end ("port 22.", "web-01-") is not part of the variable.
    std::size_t end = j;
    while (classOf(s[end - 1]) & kTrailing)
      --end;
    unsigned flags = 0;
    for (std::size_t k = i; k < end; ++k)
      flags |= classOf(s[k]);
    token(i, end, flags);
    from = j;
  }
  appendStatic(staticFrom_, n);
  tmpl.advance(static_cast<std::size_t>(w_ - tmpl_));
}

bool VariableEncoder::mayBeTime(std::string_view text, std::size_t at) {
  // What tryTime needs first: "10:" or "2025-" / "2025/" with room for a time after it.
  const std::size_t left = text.size() - at;
  const char* p = text.data() + at;
  return left >= 8 && (p[2] == ':' || (left >= 19 && (p[4] == '-' || p[4] == '/')));
}

bool VariableEncoder::tryTime(std::size_t& at) {
  const char* s = text_.data();
  const std::size_t n = text_.size();
  std::size_t i = at;
  std::uint8_t format = 0;
  std::int64_t days = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (n - i >= 19 && (s[i + 4] == '-' || s[i + 4] == '/') && s[i + 7] == s[i + 4] &&
      (s[i + 10] == 'T' || s[i + 10] == ' ') && readDigits(s + i, 4, year) &&
      readDigits(s + i + 5, 2, month) && readDigits(s + i + 8, 2, day)) {
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
    format |= kTimeHasDate;
    if (s[i + 4] == '/') format |= kTimeSlash;
    if (s[i + 10] == 'T') format |= kTimeT;
    days = daysFromCivil(year, month, day);
    i += 11;
  }
  if (n - i < 8 || s[i + 2] != ':' || s[i + 5] != ':' || !readDigits(s + i, 2, hour) ||
      !readDigits(s + i + 3, 2, minute) || !readDigits(s + i + 6, 2, second)) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 59) return false;  // a leap second stays text
  i += 8;
  unsigned digits = 0;
  std::int64_t fraction = 0;
  if (i + 1 < n && (s[i] == '.' || s[i] == ',') && isDigit(s[i + 1])) {
    if (s[i] == ',') format |= kTimeComma;
    ++i;
    while (i < n && digits < 9 && isDigit(s[i])) {
      fraction = fraction * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
  }
  if (i < n && isDigit(s[i])) return false;  // finer than nanoseconds, or more digits: text
  std::int64_t value = days * 86400 + hour * 3600 + minute * 60 + second;
  if (__builtin_mul_overflow(value, kPow10[digits], &value) ||
      __builtin_add_overflow(value, fraction, &value)) {
    return false;
  }
  format |= static_cast<std::uint8_t>(digits);
  const unsigned stream = placeholder(at, 't', kTimeStreamBits);
  *w_++ = static_cast<char>(format);
  columns_[kTimeStreams + stream].varint(deltaCode(value, lastTime_[stream]));
  lastTime_[stream] = value;
  staticFrom_ = i;
  at = i + zoneLength(text_.substr(i));
  return true;
}

void VariableEncoder::token(std::size_t from, std::size_t to, unsigned flags) {
  const std::string_view t = text_.substr(from, to - from);
  // Ends the static text before the variable and starts its placeholder; the stream to use.
  auto open = [&](char type, unsigned bits) {
    const unsigned stream = placeholder(from, type, bits);
    staticFrom_ = to;
    return stream;
  };
  std::int64_t v = 0;
  if ((flags & ~(kDigit | kDash)) == 0 && parseInt(t, v)) {
    addInt(open('i', kIntStreamBits), v);
    return;
  }
  const bool lowerHex = (flags & ~(kDigit | kHexLower | kDash)) == 0;
  const bool upperHex = (flags & ~(kDigit | kHexUpper | kDash)) == 0;
  if ((lowerHex || upperHex) && isUuid(t)) {
    open(lowerHex ? 'u' : 'U', 0);
    char hex[32];
    std::size_t k = 0;
    for (char c : t) {
      if (c != '-') hex[k++] = c;
    }
    packHex(std::string_view(hex, sizeof hex), columns_[kUuids]);
    return;
  }
  if ((flags & ~(kDigit | kDot | kDash)) == 0) {
    unsigned char ip[4];
    if ((flags & kDash) == 0 && parseIpv4(t, ip)) {
      open('4', 0);
      columns_[kIpv4s].append(std::string_view(reinterpret_cast<const char*>(ip), 4));
      return;
    }
    unsigned decimals = 0;
    if (parseFraction(t, v, decimals)) {
      columns_[kFloatStreams + open('f', kFloatStreamBits)].varint(zigzag(v));
      columns_[kFloatDigits].byte(static_cast<std::uint8_t>(decimals));
      return;
    }
  }
  if (t.size() >= 6 && (flags == (kDigit | kHexLower) || flags == (kDigit | kHexUpper))) {
    open(flags & kHexLower ? 'x' : 'X', 0);
    columns_[kHexLengths].varint(t.size());
    packHex(t, columns_[kHexBytes]);
    return;
  }
  if ((flags & ~(kDigit | kLetter)) == 0 && isDigit(t[0])) {
    // A number with a unit ("120ms", "4KiB"): the number is the variable, the unit static.
    std::size_t k = 1;
    while (k < t.size() && isDigit(t[k]))
      ++k;
    bool unit = true;
    for (std::size_t m = k; m < t.size() && unit; ++m)
      unit = (classOf(t[m]) & kLetter) != 0;
    if (unit && parseInt(t.substr(0, k), v)) {
      to = from + k;
      addInt(open('i', kIntStreamBits), v);
      return;
    }
  }
  dictionary(t, open('d', kDictStreamBits));
}

namespace {

// Counts the bytes of `v` as a varint.
void countVarint(std::array<std::uint32_t, 256>& counts, std::uint64_t v) {
  for (; v >= 0x80; v >>= 7)
    ++counts[(v & 0x7F) | 0x80];
  ++counts[v];
}

// The bits an order-0 entropy coder (zstd's literals) would need for bytes with these counts:
// an estimate of what a column costs compressed, cheap enough to choose between encodings.
double entropyBits(const std::array<std::uint32_t, 256>& counts) {
  double total = 0;
  for (std::uint32_t n : counts)
    total += n;
  double bits = 0;
  for (std::uint32_t n : counts) {
    if (n > 0) bits -= n * std::log2(n / total);
  }
  return bits;
}

}  // namespace

void VariableEncoder::addInt(unsigned stream, std::int64_t v) {
  IntStream& s = ints_[stream];
  countVarint(s.plainCounts, zigzag(v));
  countVarint(s.deltaCounts, deltaCode(v, s.last));
  s.last = v;
  s.plain.varint(zigzag(v));
}

void VariableEncoder::finish(ColumnWriters& columns) const {
  for (unsigned stream = 0; stream < ints_.size(); ++stream) {
    const IntStream& s = ints_[stream];
    if (s.plain.empty()) continue;
    // Counters, sequence numbers and epoch times take far less as differences; values without
    // an order, or a few values repeated, take more. Whichever the estimate says is smaller.
    const bool delta = entropyBits(s.deltaCounts) < 0.8 * entropyBits(s.plainCounts);
    ColumnWriter& column = columns[kIntStreams + stream];
    column.byte(delta ? kIntDelta : kIntPlain);
    if (!delta) {
      column.append(s.plain.view());
    } else {
      ColumnReader plain(s.plain.view());
      std::int64_t last = 0;
      for (std::uint64_t u = 0; plain.varint(u);) {
        column.varint(deltaCode(unzigzag(u), last));
        last = unzigzag(u);
      }
    }
  }
}

void VariableEncoder::dictionary(std::string_view value, unsigned stream) {
  StringIds& dict = dicts_[stream];
  ColumnWriter& ids = columns_[kDictIdStreams + stream];
  const std::uint32_t found = dict.find(value);
  if (found != StringIds::kEmpty) {
    ids.varint(std::uint64_t{found} + kDictFirstIndex);
    return;
  }
  // Past the limit (random tokens, say) new values are written out without being kept, so
  // that the dictionaries' memory stays bounded.
  const bool keep = dictEntries_ < kMaxDictionaryEntries;
  if (keep) {
    dict.add(value);
    ++dictEntries_;
  }
  ids.varint(keep ? kDictNew : kDictLiteral);
  columns_[kDictStringStreams + stream].string(value);
}

bool VariableDecoder::addTemplate(std::string_view text) {
  if (text.size() > UINT32_MAX) return false;
  // At most 4 code bytes per text byte: static bytes take one, a placeholder (2 or 3 bytes)
  // takes 3 and the next piece's length 4.
  char* const start = code_.room(4 * text.size() + 8);
  char* w = start;
  char* lengthAt = w;
  w += 4;
  auto endPiece = [&](Kind kind) {
    const auto length = static_cast<std::uint32_t>(w - lengthAt - 4);
    std::memcpy(lengthAt, &length, 4);
    *w++ = static_cast<char>(kind);
  };
  const char* s = text.data();
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const void* nul = std::memchr(s + i, '\0', n - i);
    const std::size_t run = (nul == nullptr ? n : static_cast<const char*>(nul) - s) - i;
    std::memcpy(w, s + i, run);
    w += run;
    i += run;
    if (i == n) break;
    if (i + 1 >= n) return false;
    const char type = s[i + 1];
    const std::string_view before = text.substr(0, i);
    i += 2;
    if (type == '\0') {
      *w++ = '\0';
      continue;
    }
    Kind kind = Kind::kEnd;
    std::uint8_t format = 0;
    unsigned stream = 0;
    switch (type) {
      case 'i':
        kind = Kind::kInt;
        stream = streamOf(before, kIntStreamBits);
        break;
      case 'f':
        kind = Kind::kFloat;
        stream = streamOf(before, kFloatStreamBits);
        break;
      case 'x':
        kind = Kind::kHexLower;
        break;
      case 'X':
        kind = Kind::kHexUpper;
        break;
      case 'u':
        kind = Kind::kUuidLower;
        break;
      case 'U':
        kind = Kind::kUuidUpper;
        break;
      case '4':
        kind = Kind::kIpv4;
        break;
      case 'd':
        kind = Kind::kDictionary;
        stream = streamOf(before, kDictStreamBits);
        break;
      case 't': {
        if (i >= n) return false;
        kind = Kind::kTime;
        format = static_cast<std::uint8_t>(s[i++]);
        const unsigned digits = format & kTimeDigits;
        if (digits > 9 || (digits == 0 && (format & kTimeComma)) ||
            (!(format & kTimeHasDate) && (format & (kTimeT | kTimeSlash)))) {
          return false;
        }
        stream = streamOf(before, kTimeStreamBits);
        break;
      }
      default:
        return false;
    }
    endPiece(kind);
    *w++ = static_cast<char>(format);
    *w++ = static_cast<char>(stream);
    lengthAt = w;
    w += 4;
  }
  endPiece(Kind::kEnd);
  code_.advance(static_cast<std::size_t>(w - start));
  starts_.push_back(code_.size());
  return true;
}

bool VariableDecoder::reserveTemplates(std::uint64_t count, std::uint64_t bytes) {
  // addTemplate's bound: 4 code bytes per text byte and 8 more per template. The bytes past
  // what is written are never touched, so they take address space, not memory.
  const std::uint64_t code = 4 * bytes + 8 * count + kCodePadding;
  if (code > (std::uint64_t{1} << 40)) return false;
  code_.reserve(static_cast<std::size_t>(code));
  starts_.reserve(static_cast<std::size_t>(count) + 1);
  return true;
}

void VariableDecoder::finishTemplates() {
  std::memset(code_.room(kCodePadding), 0, kCodePadding);
  code_.advance(kCodePadding);
}

bool VariableDecoder::expandText(std::string_view text, OutputBuffer& out) {
  // Compiled after the dictionary's templates and their padding (so it starts there, not where
  // the last of them ends), with padding after it as they have; expanded, then dropped.
  const std::size_t size = code_.size(), lastEnd = starts_.back();
  starts_.back() = size;
  bool expanded = false;
  if (addTemplate(text)) {
    std::memset(code_.room(kCodePadding), 0, kCodePadding);
    expanded = expand(templateCount() - 1, out);
    starts_.pop_back();
  }
  starts_.back() = lastEnd;
  code_.resize(size);
  return expanded;
}

bool VariableDecoder::expand(std::uint64_t id, OutputBuffer& out) {
  if (id >= templateCount()) return false;
  // The code was compiled by addTemplate: its lengths and kinds need no checks.
  const char* p = code_.data() + starts_[id];
  while (true) {
    std::uint32_t length = 0;
    std::memcpy(&length, p, 4);
    p += 4;
    if (length <= 16) {
      // Most pieces are short: a fixed 16-byte copy beats a call to memcpy. code_ ends with
      // kCodePadding bytes, so the read stays inside it.
      std::memcpy(out.room(16), p, 16);
      out.advance(length);
    } else {
      out.append(p, length);
    }
    p += length;
    const auto kind = static_cast<Kind>(*p++);
    if (kind == Kind::kEnd) return true;
    const auto format = static_cast<std::uint8_t>(p[0]);
    const auto stream = static_cast<std::uint8_t>(p[1]);
    p += 2;
    if (!variable(kind, format, stream, out)) return false;
  }
}

bool VariableDecoder::variable(Kind kind, std::uint8_t format, std::uint8_t stream,
                               OutputBuffer& out) {
  std::uint64_t u = 0;
  std::string_view bytes;
  switch (kind) {
    case Kind::kEnd:
      return true;
    case Kind::kInt: {
      ColumnReader& column = columns_[kIntStreams + stream];
      if (intMode_[stream] == kIntUnread) {
        std::uint8_t mode = 0;
        if (!column.byte(mode) || mode > kIntDelta) return false;
        intMode_[stream] = mode;
      }
      if (!column.varint(u)) return false;
      std::int64_t v = unzigzag(u);
      if (intMode_[stream] == kIntDelta) v = lastInt_[stream] = applyDelta(lastInt_[stream], u);
      char* const start = out.room(24);
      out.advance(static_cast<std::size_t>(writeInt(start, v) - start));
      return true;
    }
    case Kind::kFloat: {
      std::uint8_t decimals = 0;
      if (!columns_[kFloatStreams + stream].varint(u) || !columns_[kFloatDigits].byte(decimals) ||
          decimals < 1 || decimals > 18) {
        return false;
      }
      const std::int64_t v = unzigzag(u);
      const std::uint64_t magnitude =
          v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
      const auto scale = static_cast<std::uint64_t>(kPow10[decimals]);
      char* const start = out.room(48);
      char* p = start;
      if (v < 0) *p++ = '-';
      p = std::to_chars(p, p + 20, magnitude / scale).ptr;
      *p++ = '.';
      p = writePadded(p, magnitude % scale, decimals);
      out.advance(static_cast<std::size_t>(p - start));
      return true;
    }
    case Kind::kHexLower:
    case Kind::kHexUpper: {
      ColumnReader& hex = columns_[kHexBytes];
      if (!columns_[kHexLengths].varint(u) || u / 2 > hex.remaining() ||
          !hex.bytes(static_cast<std::size_t>((u + 1) / 2), bytes)) {
        return false;
      }
      const auto digits = static_cast<std::size_t>(u);
      unpackHex(bytes, digits, kind == Kind::kHexLower ? kHexPairs.lower : kHexPairs.upper,
                out.room(digits));
      out.advance(digits);
      return true;
    }
    case Kind::kUuidLower:
    case Kind::kUuidUpper: {
      if (!columns_[kUuids].bytes(16, bytes)) return false;
      const char* pairs = kind == Kind::kUuidLower ? kHexPairs.lower : kHexPairs.upper;
      char* const text = out.room(36);
      unpackHex(bytes.substr(0, 4), 8, pairs, text);
      unpackHex(bytes.substr(4, 2), 4, pairs, text + 9);
      unpackHex(bytes.substr(6, 2), 4, pairs, text + 14);
      unpackHex(bytes.substr(8, 2), 4, pairs, text + 19);
      unpackHex(bytes.substr(10, 6), 12, pairs, text + 24);
      text[8] = text[13] = text[18] = text[23] = '-';
      out.advance(36);
      return true;
    }
    case Kind::kIpv4: {
      if (!columns_[kIpv4s].bytes(4, bytes)) return false;
      char* const start = out.room(20);
      char* p = start;
      for (std::size_t k = 0; k < 4; ++k) {
        const auto b = static_cast<unsigned char>(bytes[k]);
        std::memcpy(p, kOctets.text[b], 4);  // its digits and padding, cut by the length
        p += kOctets.length[b];
        *p++ = '.';
      }
      out.advance(static_cast<std::size_t>(p - start) - 1);
      return true;
    }
    case Kind::kTime: {
      if (!columns_[kTimeStreams + stream].varint(u)) return false;
      std::int64_t& last = lastTime_[stream];
      last = applyDelta(last, u);
      return appendTime(out, last, format);
    }
    case Kind::kDictionary: {
      auto& dict = dicts_[stream];
      if (!columns_[kDictIdStreams + stream].varint(u)) return false;
      if (u >= kDictFirstIndex) {
        if (u - kDictFirstIndex >= dict.size()) return false;
        out.append(dict[static_cast<std::size_t>(u - kDictFirstIndex)]);
        return true;
      }
      if (!columns_[kDictStringStreams + stream].string(bytes)) return false;
      if (u == kDictNew) dict.push_back(bytes);
      out.append(bytes);
      return true;
    }
  }
  return false;
}

}  // namespace pharos::logs::archive
