#include "objects/s3/s3_xml.h"

#include <charconv>
#include <utility>

#include <fmt/format.h>

namespace pharos::objects::s3 {
namespace {

// S3's documents nest four levels; anything far deeper is not one of them, and a bound keeps
// a hostile document from costing unbounded memory in the element stack.
constexpr size_t kMaxDepth = 64;

Error malformed(std::string what) {
  return makeError(ErrorCode::kUnavailable, "S3 sent malformed XML: " + std::move(what));
}

Error unexpected(std::string what) {
  return makeError(ErrorCode::kUnavailable, "S3 sent an unexpected response: " + std::move(what));
}

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isNameEnd(char c) {
  return isSpace(c) || c == '/' || c == '>';
}

std::string_view localName(std::string_view qualified) {
  size_t colon = qualified.rfind(':');
  return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Appends `raw` (text between tags) with its entity references decoded.
Status decodeText(std::string_view raw, std::string& out) {
  size_t i = 0;
  while (i < raw.size()) {
    size_t amp = raw.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(raw.substr(i));
      break;
    }
    out.append(raw.substr(i, amp - i));
    size_t semi = raw.find(';', amp);
    // The longest reference we accept is "&#x10FFFF;" (10 bytes).
    if (semi == std::string_view::npos || semi - amp > 10) {
      return malformed("'&' that starts no entity reference");
    }
    std::string_view name = raw.substr(amp + 1, semi - amp - 1);
    if (name == "amp") {
      out.push_back('&');
    } else if (name == "lt") {
      out.push_back('<');
    } else if (name == "gt") {
      out.push_back('>');
    } else if (name == "quot") {
      out.push_back('"');
    } else if (name == "apos") {
      out.push_back('\'');
    } else if (name.size() >= 2 && name[0] == '#') {
      bool hex = name[1] == 'x';
      std::string_view digits = name.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || cp == 0 ||
          cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return malformed(fmt::format("invalid character reference '&{};'", name));
      }
      appendUtf8(out, cp);
    } else {
      return malformed("unknown entity reference");
    }
    i = semi + 1;
  }
  return okStatus();
}

class Parser {
 public:
  explicit Parser(std::string_view doc) : doc_(doc) {}

  Result<XmlElement> run() {
    PHAROS_TRY(skipMisc());
    if (pos_ >= doc_.size() || doc_[pos_] != '<') return malformed("no root element");
    while (true) {
      if (pos_ >= doc_.size()) return malformed("document ends inside an element");
      if (doc_[pos_] == '<') {
        PHAROS_ASSIGN_OR_RETURN(bool done, markup());
        if (done) break;
      } else {
        size_t lt = doc_.find('<', pos_);
        if (lt == std::string_view::npos) return malformed("document ends inside an element");
        PHAROS_TRY(decodeText(doc_.substr(pos_, lt - pos_), stack_.back().text));
        pos_ = lt;
      }
    }
    PHAROS_TRY(skipMisc());
    if (pos_ != doc_.size()) return malformed("content after the root element");
    return std::move(root_);
  }

 private:
  // Whitespace, comments and processing instructions outside the root element.
  Status skipMisc() {
    while (true) {
      while (pos_ < doc_.size() && isSpace(doc_[pos_]))
        ++pos_;
      if (startsWith("<?")) {
        PHAROS_TRY(skipPast("?>", "processing instruction"));
      } else if (startsWith("<!--")) {
        PHAROS_TRY(skipPast("-->", "comment"));
      } else if (startsWith("<!")) {
        return malformed("DOCTYPE and other declarations are not accepted");
      } else {
        return okStatus();
      }
    }
  }

  bool startsWith(std::string_view s) const { return doc_.substr(pos_).starts_with(s); }

  Status skipPast(std::string_view end, std::string_view what) {
    size_t at = doc_.find(end, pos_);
    if (at == std::string_view::npos) return malformed(fmt::format("unterminated {}", what));
    pos_ = at + end.size();
    return okStatus();
  }

  // One piece of markup at pos_ (a '<'); true once the root element has closed.
  Result<bool> markup() {
    if (startsWith("<!--")) {
      PHAROS_TRY(skipPast("-->", "comment"));
      return false;
    }
    if (startsWith("<![CDATA[")) {
      size_t start = pos_ + 9;
      PHAROS_TRY(skipPast("]]>", "CDATA section"));
      stack_.back().text.append(doc_.substr(start, pos_ - 3 - start));
      return false;
    }
    if (startsWith("<?")) {
      PHAROS_TRY(skipPast("?>", "processing instruction"));
      return false;
    }
    if (startsWith("<!")) return malformed("declaration inside an element");
    if (startsWith("</")) return closeTag();
    return openTag();
  }

  Result<bool> openTag() {
    size_t start = ++pos_;
    while (pos_ < doc_.size() && !isNameEnd(doc_[pos_]))
      ++pos_;
    std::string_view qname = doc_.substr(start, pos_ - start);
    if (qname.empty()) return malformed("element without a name");
    // Attributes are skipped, minding quotes: a quoted value may hold '>' or '/'.
    bool selfClosing = false;
    while (true) {
      if (pos_ >= doc_.size()) return malformed("unterminated start tag");
      char c = doc_[pos_];
      if (c == '"' || c == '\'') {
        size_t close = doc_.find(c, pos_ + 1);
        if (close == std::string_view::npos) return malformed("unterminated attribute value");
        pos_ = close + 1;
      } else if (c == '>') {
        ++pos_;
        break;
      } else if (c == '/' && pos_ + 1 < doc_.size() && doc_[pos_ + 1] == '>') {
        pos_ += 2;
        selfClosing = true;
        break;
      } else {
        ++pos_;
      }
    }
    if (stack_.size() >= kMaxDepth) return malformed("elements nested too deeply");
    XmlElement element;
    element.name = std::string(localName(qname));
    if (selfClosing) return adopt(std::move(element));
    stack_.push_back(std::move(element));
    qnames_.push_back(qname);
    return false;
  }

  Result<bool> closeTag() {
    size_t start = pos_ + 2;
    size_t gt = doc_.find('>', start);
    if (gt == std::string_view::npos) return malformed("unterminated end tag");
    std::string_view qname = doc_.substr(start, gt - start);
    while (!qname.empty() && isSpace(qname.back()))
      qname.remove_suffix(1);
    pos_ = gt + 1;
    if (stack_.empty() || qnames_.back() != qname) {
      return malformed(fmt::format("end tag '{}' does not match its start tag",
                                   qname.substr(0, std::min<size_t>(qname.size(), 64))));
    }
    XmlElement done = std::move(stack_.back());
    stack_.pop_back();
    qnames_.pop_back();
    return adopt(std::move(done));
  }

  // Hands a finished element to its parent; true when it was the root.
  bool adopt(XmlElement element) {
    if (stack_.empty()) {
      root_ = std::move(element);
      return true;
    }
    stack_.back().children.push_back(std::move(element));
    return false;
  }

  std::string_view doc_;
  size_t pos_ = 0;
  std::vector<XmlElement> stack_;
  std::vector<std::string_view> qnames_;  // the start tags' names, to match end tags exactly
  XmlElement root_;
};

std::optional<uint64_t> parseUnsigned(std::string_view text) {
  while (!text.empty() && isSpace(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back()))
    text.remove_suffix(1);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && isSpace(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back()))
    text.remove_suffix(1);
  return text;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<unsigned> digitsAt(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return std::nullopt;
  unsigned value = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return value;
}

}  // namespace

const XmlElement* XmlElement::child(std::string_view childName) const {
  for (const XmlElement& c : children) {
    if (c.name == childName) return &c;
  }
  return nullptr;
}

Result<XmlElement> parseXml(std::string_view document) {
  return Parser(document).run();
}

Result<ListPage> parseListBucketResult(std::string_view document) {
  PHAROS_ASSIGN_OR_RETURN(XmlElement root, parseXml(document));
  if (root.name != "ListBucketResult") {
    return unexpected(fmt::format("expected ListBucketResult, got <{}>", root.name.substr(0, 64)));
  }
  ListPage page;
  for (const XmlElement& c : root.children) {
    if (c.name == "Contents") {
      const XmlElement* key = c.child("Key");
      const XmlElement* size = c.child("Size");
      if (key == nullptr || key->text.empty() || size == nullptr) {
        return unexpected("a listed object without Key or Size");
      }
      std::optional<uint64_t> bytes = parseUnsigned(size->text);
      if (!bytes) return unexpected("a listed object's Size is not a number");
      ListedObject object{key->text, *bytes, std::nullopt};
      if (const XmlElement* modified = c.child("LastModified")) {
        object.lastModified = parseIsoTime(trimmed(modified->text));
      }
      page.objects.push_back(std::move(object));
    } else if (c.name == "IsTruncated") {
      std::string_view value = trimmed(c.text);
      if (value != "true" && value != "false") return unexpected("IsTruncated is not a boolean");
      page.truncated = value == "true";
    } else if (c.name == "NextContinuationToken") {
      page.nextContinuationToken = std::string(trimmed(c.text));
    }
  }
  // Without a token a truncated listing could not go on; looping on the same page forever or
  // returning part of the listing as all of it would both be wrong.
  if (page.truncated && page.nextContinuationToken.empty()) {
    return unexpected("a truncated listing without NextContinuationToken");
  }
  return page;
}

Result<std::string> parseInitiateMultipartUpload(std::string_view document) {
  PHAROS_ASSIGN_OR_RETURN(XmlElement root, parseXml(document));
  if (root.name != "InitiateMultipartUploadResult") {
    return unexpected(
        fmt::format("expected InitiateMultipartUploadResult, got <{}>", root.name.substr(0, 64)));
  }
  const XmlElement* id = root.child("UploadId");
  if (id == nullptr || trimmed(id->text).empty()) return unexpected("no UploadId");
  return std::string(trimmed(id->text));
}

std::optional<S3ErrorBody> parseErrorBody(std::string_view document) {
  Result<XmlElement> root = parseXml(document);
  if (!root.ok() || root->name != "Error") return std::nullopt;
  S3ErrorBody body;
  if (const XmlElement* code = root->child("Code")) body.code = std::string(trimmed(code->text));
  if (const XmlElement* message = root->child("Message")) {
    body.message = std::string(trimmed(message->text));
  }
  return body;
}

std::optional<WallTime> parseIsoTime(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z
  auto year = digitsAt(s, 0, 4);
  auto month = digitsAt(s, 5, 2);
  auto day = digitsAt(s, 8, 2);
  auto hour = digitsAt(s, 11, 2);
  auto minute = digitsAt(s, 14, 2);
  auto second = digitsAt(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  // system_clock counts nanoseconds in 64 bits (about 1678 to 2262): years outside what S3
  // can mean are refused rather than overflowed.
  if (*year < 1970 || *year > 2199) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  size_t i = 19;
  int64_t millis = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 3) millis = millis * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    for (size_t k = digits; k < 3; ++k)
      millis *= 10;
  }
  if (i + 1 != s.size() || (s[i] != 'Z' && s[i] != 'z')) return std::nullopt;
  int64_t seconds = daysFromCivil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 +
                    static_cast<int64_t>(*second);
  return fromUnixMillis(seconds * 1000 + millis);
}

}  // namespace pharos::objects::s3
