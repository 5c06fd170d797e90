#include "logs/token_masker.h"

#include <algorithm>
#include <array>

namespace pharos::logs {
namespace {

enum CharClass : std::uint16_t {
  kSpace = 1,      // ends a word
  kDelimiter = 2,  // ends a fragment inside a word, kept in the output
  kDigit = 4,
  kHexLetter = 8,
  kLetter = 16,
  kColon = 32,  // may start a URL's "://"
  kSlash = 64,
  kAt = 128,
  kOther = 256,  // any other byte: '.', '-', '_', '%', controls, non-ASCII...
};
// What ends the scan of a fragment: its end, or a colon that may start a URL.
constexpr std::uint16_t kFragmentStop = kSpace | kDelimiter | kColon;
// A fragment with none of these is a plain word that no rule masks.
constexpr std::uint16_t kMaskable = kDigit | kSlash | kAt;

constexpr std::array<std::uint16_t, 256> makeClasses() {
  std::array<std::uint16_t, 256> c{};
  for (char ch : std::string_view(" \t\r\n\v\f"))
    c[static_cast<unsigned char>(ch)] = kSpace;
  for (char ch : std::string_view("=,;()[]{}\"'<>|")) {
    c[static_cast<unsigned char>(ch)] = kDelimiter;
  }
  for (int ch = '0'; ch <= '9'; ++ch)
    c[ch] = kDigit;
  c[':'] = kColon;
  c['/'] = kSlash;
  c['@'] = kAt;
  for (int ch = 'a'; ch <= 'z'; ++ch)
    c[ch] = kLetter;
  for (int ch = 'A'; ch <= 'Z'; ++ch)
    c[ch] = kLetter;
  for (int ch = 'a'; ch <= 'f'; ++ch)
    c[ch] |= kHexLetter;
  for (int ch = 'A'; ch <= 'F'; ++ch)
    c[ch] |= kHexLetter;
  for (auto& cls : c) {
    if (cls == 0) cls = kOther;
  }
  return c;
}
constexpr std::array<std::uint16_t, 256> kClasses = makeClasses();

inline std::uint16_t classOf(char ch) {
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

// Hex digits and colons, with "::" or 7 colons, and an optional IPv4 tail.
bool isIpv6(std::string_view s) {
  int colons = 0;
  int dots = 0;
  for (char ch : s) {
    if (ch == ':') {
      ++colons;
    } else if (ch == '.') {
      ++dots;
    } else if (!isHex(ch)) {
      return false;
    }
  }
  if (colons < 2) return false;
  // Times ("15:16:01") have two colons and only digits: an address needs "::" or 7 colons.
  if (colons < 7 && s.find("::") == std::string_view::npos) return false;
  return dots == 0 || dots == 3;  // an embedded IPv4 tail
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

// The functions below take `classes`, the classes of s's bytes OR-ed, which the scan found
// anyway: it rules most of them out before they look at a byte.

// Dates, times and versions: digits separated by . : - / only, starting with a digit.
bool isDigitsWithSeparators(std::string_view s, std::uint16_t classes) {
  if (!isDigit(s.front()) || (classes & (kLetter | kAt))) return false;
  return !(classes & kOther) || std::all_of(s.begin(), s.end(), [](char ch) {
    return !(classOf(ch) & kOther) || ch == '.' || ch == '-';
  });
}

// 0x1f, or 8+ hex digits mixing digits and letters.
bool isHexString(std::string_view s, std::uint16_t classes) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    return std::all_of(s.begin() + 2, s.end(), isHex);
  }
  return s.size() >= 8 && (classes & kDigit) && (classes & kHexLetter) &&
         std::all_of(s.begin(), s.end(), isHex);
}

bool isPath(std::string_view s, std::uint16_t classes) {
  if (!(classes & kSlash)) return false;
  if (s.size() > 1 && s[0] == '/') return true;
  if (s.starts_with("./") || s.starts_with("../") || s.starts_with("~/")) return true;
  // a/b/c
  return s.front() != '/' && s.back() != '/' && std::count(s.begin(), s.end(), '/') >= 2;
}

bool isEmail(std::string_view s, std::uint16_t classes) {
  if (!(classes & kAt) || std::count(s.begin(), s.end(), '@') != 1) return false;
  std::size_t at = s.find('@');
  return at > 0 && s.find('.', at + 2) != std::string_view::npos && s.back() != '.';
}

// Copies `s` with every run of digits (with a sign after a non-alphanumeric, and dotted
// parts: "v1.2.3") replaced by <NUM>, and 0x... by <HEX>. The text between runs goes across
// in one append.
void maskDigitRuns(std::string_view s, std::string& out) {
  std::size_t i = 0;
  std::size_t copied = 0;  // s before it is in out
  while (i < s.size()) {
    char ch = s[i];
    bool signStart = (ch == '-' || ch == '+') && i + 1 < s.size() && isDigit(s[i + 1]) &&
                     (i == 0 || !isAlnum(s[i - 1]));
    if (!isDigit(ch) && !signStart) {
      ++i;
      continue;
    }
    if (i > copied) out.append(s.data() + copied, i - copied);
    if (ch == '0' && i + 2 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X') && isHex(s[i + 2])) {
      i += 2;
      while (i < s.size() && isHex(s[i]))
        ++i;
      out.append("<HEX>");
      copied = i;
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
    copied = i;
  }
  if (copied < s.size()) out.append(s.data() + copied, s.size() - copied);
}

// The mask that replaces all of `s`, a fragment holding a digit, '/' or '@' whose bytes'
// classes OR to `classes`; "" when no whole rule matches.
std::string_view wholeMask(std::string_view s, std::uint16_t classes, bool maskPaths) {
  if (classes == kDigit) {
    // "00b360e8" and "003a9070" are the same kind of value: a fixed-width, zero-padded word
    // of 8+ digits is a hex dump or an address, so it masks like one rather than as a number.
    return s.size() >= 8 && s[0] == '0' ? "<HEX>" : "<NUM>";
  }
  if (s[0] == '/' && s.size() > 1 && isIpv4(s.substr(1))) return "/<IP>";  // "/10.0.0.1:50010"
  // An IPv4 address holds digits, dots and a colon only; IPv6 needs colons.
  const bool ipv4 = !(classes & (kLetter | kSlash | kAt)) && isIpv4(s);
  if (ipv4 || ((classes & kColon) && isIpv6(s))) return "<IP>";
  if (isUuid(s)) return "<UUID>";
  if (isHexString(s, classes)) return "<HEX>";  // before numbers: "001061e8" is no exponent
  if (isNumber(s) || isDigitsWithSeparators(s, classes)) return "<NUM>";
  if (isEmail(s, classes)) return "<EMAIL>";
  if (maskPaths && isPath(s, classes)) return "<PATH>";
  return {};
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

std::size_t skipSpaces(std::string_view s, std::size_t i) {
  while (i < s.size() && (classOf(s[i]) & kSpace))
    ++i;
  return i;
}

std::size_t skipWord(std::string_view s, std::size_t i) {
  while (i < s.size() && !(classOf(s[i]) & kSpace))
    ++i;
  return i;
}

struct ClassRun {
  std::size_t end;        // the first fragment stop at or after the start, or s.size()
  std::uint16_t classes;  // the classes of the bytes before it, OR-ed
};

// The hot loop: most bytes are inside fragments, so it looks at four a step and only goes
// byte by byte near the stop.
ClassRun scanRun(std::string_view s, std::size_t i) {
  const char* p = s.data();
  std::uint16_t classes = 0;
  for (; i + 4 <= s.size(); i += 4) {
    std::uint16_t c = classOf(p[i]) | classOf(p[i + 1]) | classOf(p[i + 2]) | classOf(p[i + 3]);
    if (c & kFragmentStop) break;
    classes |= c;
  }
  for (; i < s.size(); ++i) {
    std::uint16_t c = classOf(p[i]);
    if (c & kFragmentStop) break;
    classes |= c;
  }
  return {i, classes};
}

// Masks the words of one message into a MaskedLine in one pass over its bytes. A word is
// copied into out.text only once something in it is masked, and then its unmasked runs go
// across in one append each: most words are plain and cost no copy at all.
class WordMasker {
 public:
  WordMasker(std::string_view message, bool maskPaths, MaskedLine& out)
      : message_(message), maskPaths_(maskPaths), out_(out) {}

  // Masks the word starting at `start` (not white space) and returns where it ends.
  std::size_t maskWord(std::size_t start) {
    wordStart_ = start;
    wordMasked_ = false;
    const std::size_t n = message_.size();
    std::size_t i = start;
    std::size_t fragment = start;
    std::uint16_t seen = 0;  // the classes of the fragment's bytes so far
    while (true) {
      const ClassRun run = scanRun(message_, i);
      seen |= run.classes;
      i = run.end;
      if (i == n) break;
      const std::uint16_t c = classOf(message_[i]);
      if (c & kColon) {
        // "scheme://": the URL runs to the white space; its "=" and ";" do not split it.
        if (std::size_t end = urlEnd(message_, fragment, i); end > i) {
          replace(fragment, end).append("<URL>");
          i = fragment = end;
          seen = 0;
        } else {
          seen |= c;
          ++i;
        }
        continue;
      }
      maskFragment(fragment, i, seen);
      if (c & kSpace) break;
      fragment = ++i;
      seen = 0;
    }
    if (i == n) maskFragment(fragment, i, seen);
    finishWord(i);
    return i;
  }

 private:
  void maskFragment(std::size_t from, std::size_t to, std::uint16_t seen) {
    if (!(seen & kMaskable)) return;  // the common case: a plain word
    std::string_view s = message_.substr(from, to - from);
    if (std::string_view mask = wholeMask(s, seen, maskPaths_); !mask.empty()) {
      replace(from, to).append(mask);
    } else if (seen & kDigit) {
      maskDigitRuns(s, replace(from, to));
    }
  }

  // The word's text before `from` is in out.text (copied now if the word was verbatim so
  // far), ready for the caller to append what replaces the bytes [from, to).
  std::string& replace(std::size_t from, std::size_t to) {
    if (!wordMasked_) {
      wordMasked_ = true;
      wordOffset_ = out_.text.size();
      copied_ = wordStart_;
    }
    if (from > copied_) out_.text.append(message_.data() + copied_, from - copied_);
    copied_ = to;
    return out_.text;
  }

  void finishWord(std::size_t end) {
    MaskedLine::Word word{message_.data() + wordStart_,
                          static_cast<std::uint32_t>(end - wordStart_), 0, false};
    if (wordMasked_) {
      out_.text.append(message_.data() + copied_, end - copied_);
      word = {nullptr, static_cast<std::uint32_t>(out_.text.size() - wordOffset_),
              static_cast<std::uint32_t>(wordOffset_), true};
    }
    out_.words.push_back(word);
  }

  const std::string_view message_;
  const bool maskPaths_;
  MaskedLine& out_;
  std::size_t wordStart_ = 0;
  bool wordMasked_ = false;
  std::size_t wordOffset_ = 0;  // in out_.text, once wordMasked_
  std::size_t copied_ = 0;      // the message bytes before it are in out_.text, once wordMasked_
};

}  // namespace

void maskLine(std::string_view message, const MaskOptions& options, MaskedLine& out) {
  out.text.clear();
  out.words.clear();
  const std::size_t lastWord = options.maxWords == 0 ? 0 : options.maxWords - 1;  // its index
  std::size_t word = 0;
  WordMasker masker(message, options.maskPaths, out);
  for (std::size_t i = skipSpaces(message, 0); i < message.size(); i = skipSpaces(message, i)) {
    if (word++ == lastWord && skipSpaces(message, skipWord(message, i)) < message.size()) {
      // Bounded clusters: a very long line keeps its first words and one wildcard tail.
      out.words.push_back({nullptr, 3, static_cast<std::uint32_t>(out.text.size()), true});
      out.text.append("<*>");
      break;
    }
    i = masker.maskWord(i);
  }
  // Only now has `text` stopped moving.
  for (MaskedLine::Word& w : out.words) {
    if (w.masked) w.data = out.text.data() + w.offset;
  }
}

}  // namespace pharos::logs
