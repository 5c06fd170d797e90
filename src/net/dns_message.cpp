#include "net/dns_message.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/text.h"

namespace pharos::net {
namespace {

constexpr size_t kHeaderBytes = 12;
constexpr size_t kMaxNameWireBytes = 255;  // RFC 1035 2.3.4, length octets included
constexpr size_t kMaxNameTextBytes = 253;  // the same limit as text, without the root dot
constexpr size_t kMaxLabelBytes = 63;
// Pointers must point backwards (see readName), which already ends every chain; the cap
// bounds the work a hostile message can cause even so.
constexpr int kMaxPointerJumps = 64;
constexpr uint16_t kClassIn = 1;

constexpr uint16_t kFlagResponse = 0x8000;
constexpr uint16_t kFlagAuthoritative = 0x0400;
constexpr uint16_t kFlagTruncated = 0x0200;
constexpr uint16_t kFlagRecursionDesired = 0x0100;
constexpr uint16_t kFlagRecursionAvailable = 0x0080;

struct TypeName {
  DnsType type;
  const char* name;
};
constexpr std::array<TypeName, 10> kTypes = {{
    {DnsType::kA, "A"},
    {DnsType::kNs, "NS"},
    {DnsType::kCname, "CNAME"},
    {DnsType::kSoa, "SOA"},
    {DnsType::kPtr, "PTR"},
    {DnsType::kMx, "MX"},
    {DnsType::kTxt, "TXT"},
    {DnsType::kAaaa, "AAAA"},
    {DnsType::kSrv, "SRV"},
    {DnsType::kCaa, "CAA"},
}};

constexpr std::array<const char*, 12> kRcodeNames = {
    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "DSOTYPENI",
};

Error malformed(std::string what) {
  return makeError(ErrorCode::kInvalidArgument, "malformed DNS response: " + what);
}

Error mismatch(std::string what) {
  return makeError(ErrorCode::kInvalidArgument, "answer does not match the query: " + what);
}

void appendDecimalEscape(std::string& out, uint8_t c) {
  out += fmt::format("\\{:03d}", c);
}

void appendLabel(std::string& out, std::string_view label) {
  for (char ch : label) {
    auto c = static_cast<uint8_t>(ch);
    if (c == '.' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x21 || c > 0x7e) {
      appendDecimalEscape(out, c);
    } else {
      out.push_back(ch);
    }
  }
}

// Lower case, with exactly one trailing dot: the form names are compared in.
std::string canonicalName(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  for (char c : name)
    out.push_back(asciiLower(c));
  if (out.empty() || out.back() != '.') out.push_back('.');
  return out;
}

// Bounds-checked reads from [pos, end) of a message; every read names what it was reading
// when the bytes run out.
class Cursor {
 public:
  Cursor(std::string_view message, size_t pos, size_t end)
      : message_(message), pos_(pos), end_(end) {}

  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  size_t remaining() const { return end_ - pos_; }
  std::string_view message() const { return message_; }

  Result<std::string_view> bytes(size_t n, std::string_view what) {
    if (remaining() < n) {
      return malformed(fmt::format("{} cut off at offset {} ({} bytes needed, {} left)", what, pos_,
                                   n, remaining()));
    }
    std::string_view out = message_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  Result<uint8_t> u8(std::string_view what) {
    PHAROS_ASSIGN_OR_RETURN(std::string_view b, bytes(1, what));
    return static_cast<uint8_t>(b[0]);
  }
  Result<uint16_t> u16(std::string_view what) {
    PHAROS_ASSIGN_OR_RETURN(std::string_view b, bytes(2, what));
    return static_cast<uint16_t>((static_cast<uint8_t>(b[0]) << 8) | static_cast<uint8_t>(b[1]));
  }
  Result<uint32_t> u32(std::string_view what) {
    PHAROS_ASSIGN_OR_RETURN(uint16_t hi, u16(what));
    PHAROS_ASSIGN_OR_RETURN(uint16_t lo, u16(what));
    return (static_cast<uint32_t>(hi) << 16) | lo;
  }

  // A possibly compressed name starting at the cursor, in presentation form. The cursor
  // moves past the name as it is stored here (up to and including its first pointer); the
  // labels a pointer leads to may lie anywhere before, but not beyond end().
  //
  // Loops: a pointer must point before the start of the run of labels that contains it.
  // Each jump then lands strictly lower than the last, so every chain ends. Real encoders
  // never do otherwise, as a suffix has to be written before it can be pointed at.
  Result<std::string> name(std::string_view what) {
    std::string text;
    size_t at = pos_;
    size_t runStart = pos_;
    size_t wireBytes = 0;
    bool jumped = false;
    int jumps = 0;
    for (;;) {
      // Labels reached through a pointer lie before the name, inside the message; labels
      // read in place must stay inside [pos, end).
      size_t limit = jumped ? message_.size() : end_;
      if (at >= limit) return malformed(fmt::format("{} runs past its end", what));
      auto len = static_cast<uint8_t>(message_[at]);
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= limit) {
          return malformed(fmt::format("{}: compression pointer cut off at offset {}", what, at));
        }
        size_t target =
            (static_cast<size_t>(len & 0x3F) << 8) | static_cast<uint8_t>(message_[at + 1]);
        if (!jumped) pos_ = at + 2;
        if (target >= runStart) {
          return malformed(fmt::format(
              "{}: compression pointer at offset {} to offset {} does not point backwards", what,
              at, target));
        }
        if (++jumps > kMaxPointerJumps) {
          return malformed(
              fmt::format("{}: more than {} compression pointers", what, kMaxPointerJumps));
        }
        jumped = true;
        at = target;
        runStart = target;
        continue;
      }
      if ((len & 0xC0) != 0) {
        return malformed(
            fmt::format("{}: unsupported label type 0x{:02x} at offset {}", what, len & 0xC0, at));
      }
      wireBytes += 1 + len;
      if (wireBytes > kMaxNameWireBytes) {
        return malformed(fmt::format("{} is longer than {} bytes", what, kMaxNameWireBytes));
      }
      ++at;
      if (len == 0) break;
      if (at + len > limit) {
        return malformed(fmt::format("{}: label at offset {} runs past its end", what, at - 1));
      }
      appendLabel(text, message_.substr(at, len));
      text.push_back('.');
      at += len;
    }
    if (!jumped) pos_ = at;
    if (text.empty()) text.push_back('.');  // the root
    return text;
  }

 private:
  std::string_view message_;
  size_t pos_;
  size_t end_;
};

std::string addressText(std::string_view bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  int family = bytes.size() == 4 ? AF_INET : AF_INET6;
  // Cannot fail: the buffer fits either family and the sizes were checked by the caller.
  inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

// A character-string's text: TXT strings are free text (UTF-8 is common), so only control
// bytes are escaped; CAA values are quoted, so quotes and backslashes are too.
void appendText(std::string& out, std::string_view s, bool quoted) {
  for (char ch : s) {
    auto c = static_cast<uint8_t>(ch);
    if (c < 0x20 || c == 0x7f) {
      appendDecimalEscape(out, c);
    } else if (quoted && (c == '"' || c == '\\')) {
      out.push_back('\\');
      out.push_back(ch);
    } else {
      out.push_back(ch);
    }
  }
}

Status expectFixedSize(const Cursor& rdata, size_t size, std::string_view type) {
  if (rdata.remaining() != size) {
    return malformed(
        fmt::format("{} record with {} bytes of data, expected {}", type, rdata.remaining(), size));
  }
  return okStatus();
}

Status expectConsumed(const Cursor& rdata, std::string_view type) {
  if (rdata.remaining() != 0) {
    return malformed(fmt::format("{} record has {} bytes after its data", type, rdata.remaining()));
  }
  return okStatus();
}

std::string hexOf(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes)
    out += fmt::format("{:02x}", static_cast<uint8_t>(c));
  return out;
}

// The record data at the cursor (exactly its RDLENGTH) in presentation form.
Result<std::string> rdataText(Cursor rdata, uint16_t type) {
  std::string typeName = dnsTypeName(type);
  switch (static_cast<DnsType>(type)) {
    case DnsType::kA:
    case DnsType::kAaaa: {
      size_t size = type == static_cast<uint16_t>(DnsType::kA) ? 4 : 16;
      PHAROS_TRY(expectFixedSize(rdata, size, typeName));
      return addressText(rdata.message().substr(rdata.pos(), size));
    }
    case DnsType::kNs:
    case DnsType::kCname:
    case DnsType::kPtr: {
      PHAROS_ASSIGN_OR_RETURN(std::string target, rdata.name(typeName + " target"));
      PHAROS_TRY(expectConsumed(rdata, typeName));
      return target;
    }
    case DnsType::kMx: {
      PHAROS_ASSIGN_OR_RETURN(uint16_t preference, rdata.u16("MX preference"));
      PHAROS_ASSIGN_OR_RETURN(std::string exchange, rdata.name("MX exchange"));
      PHAROS_TRY(expectConsumed(rdata, typeName));
      return fmt::format("{} {}", preference, exchange);
    }
    case DnsType::kTxt: {
      std::string text;
      while (rdata.remaining() > 0) {
        PHAROS_ASSIGN_OR_RETURN(uint8_t len, rdata.u8("TXT string length"));
        PHAROS_ASSIGN_OR_RETURN(std::string_view s, rdata.bytes(len, "TXT string"));
        appendText(text, s, false);
      }
      return text;
    }
    case DnsType::kSoa: {
      PHAROS_ASSIGN_OR_RETURN(std::string mname, rdata.name("SOA mname"));
      PHAROS_ASSIGN_OR_RETURN(std::string rname, rdata.name("SOA rname"));
      std::string text = mname + " " + rname;
      for (const char* field : {"serial", "refresh", "retry", "expire", "minimum"}) {
        PHAROS_ASSIGN_OR_RETURN(uint32_t v, rdata.u32(fmt::format("SOA {}", field)));
        text += fmt::format(" {}", v);
      }
      PHAROS_TRY(expectConsumed(rdata, typeName));
      return text;
    }
    case DnsType::kSrv: {
      PHAROS_ASSIGN_OR_RETURN(uint16_t priority, rdata.u16("SRV priority"));
      PHAROS_ASSIGN_OR_RETURN(uint16_t weight, rdata.u16("SRV weight"));
      PHAROS_ASSIGN_OR_RETURN(uint16_t port, rdata.u16("SRV port"));
      PHAROS_ASSIGN_OR_RETURN(std::string target, rdata.name("SRV target"));
      PHAROS_TRY(expectConsumed(rdata, typeName));
      return fmt::format("{} {} {} {}", priority, weight, port, target);
    }
    case DnsType::kCaa: {
      PHAROS_ASSIGN_OR_RETURN(uint8_t flags, rdata.u8("CAA flags"));
      PHAROS_ASSIGN_OR_RETURN(uint8_t tagLength, rdata.u8("CAA tag length"));
      if (tagLength == 0) return malformed("CAA record with an empty tag");
      PHAROS_ASSIGN_OR_RETURN(std::string_view tag, rdata.bytes(tagLength, "CAA tag"));
      PHAROS_ASSIGN_OR_RETURN(std::string_view value, rdata.bytes(rdata.remaining(), "CAA value"));
      std::string text = fmt::format("{} ", flags);
      appendText(text, tag, true);
      text += " \"";
      appendText(text, value, true);
      text += '"';
      return text;
    }
  }
  // RFC 3597: a type we do not know, as its bytes.
  std::string_view raw = rdata.message().substr(rdata.pos(), rdata.remaining());
  if (raw.empty()) return std::string("\\# 0");
  return fmt::format("\\# {} {}", raw.size(), hexOf(raw));
}

Result<DnsRecord> readRecord(Cursor& in, size_t index) {
  std::string where = fmt::format("answer {}", index + 1);
  DnsRecord record;
  PHAROS_ASSIGN_OR_RETURN(record.name, in.name(where + " name"));
  PHAROS_ASSIGN_OR_RETURN(record.type, in.u16(where + " type"));
  PHAROS_TRY(in.u16(where + " class"));  // only IN is asked for; the answer's is not judged
  PHAROS_ASSIGN_OR_RETURN(uint32_t ttl, in.u32(where + " TTL"));
  // RFC 2181 8: a TTL with the top bit set is read as zero.
  record.ttl = ttl > 0x7fffffffU ? 0 : ttl;
  PHAROS_ASSIGN_OR_RETURN(uint16_t rdlength, in.u16(where + " data length"));
  PHAROS_ASSIGN_OR_RETURN(std::string_view rdata, in.bytes(rdlength, where + " data"));
  size_t start = static_cast<size_t>(rdata.data() - in.message().data());
  Result<std::string> data = rdataText(Cursor(in.message(), start, start + rdlength), record.type);
  if (!data.ok()) {
    Error e = std::move(data).error();
    e.message += fmt::format(" (in {}, {} {})", where, record.name, dnsTypeName(record.type));
    return e;
  }
  record.data = std::move(data).value();
  return record;
}

}  // namespace

Result<DnsType> parseDnsType(std::string_view name) {
  for (const TypeName& t : kTypes) {
    if (iequals(name, t.name)) return t.type;
  }
  std::string known;
  for (const TypeName& t : kTypes) {
    if (!known.empty()) known += ", ";
    known += t.name;
  }
  return makeError(ErrorCode::kInvalidArgument,
                   fmt::format("unsupported DNS record type '{}' (supported: {})", name, known));
}

std::string dnsTypeName(uint16_t type) {
  for (const TypeName& t : kTypes) {
    if (static_cast<uint16_t>(t.type) == type) return t.name;
  }
  return fmt::format("TYPE{}", type);
}

std::string dnsRcodeName(int rcode) {
  if (rcode >= 0 && static_cast<size_t>(rcode) < kRcodeNames.size()) return kRcodeNames[rcode];
  return std::to_string(rcode);
}

std::optional<uint16_t> dnsMessageId(std::string_view bytes) {
  if (bytes.size() < 2) return std::nullopt;
  return static_cast<uint16_t>((static_cast<uint8_t>(bytes[0]) << 8) |
                               static_cast<uint8_t>(bytes[1]));
}

Result<std::string> encodeDnsQuery(uint16_t id, std::string_view name, DnsType type,
                                   bool recursionDesired) {
  auto bad = [&](std::string_view why) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid DNS name '{}': {}", name, why));
  };
  if (name.empty()) return bad("it is empty (\".\" is the root)");
  bool root = name == ".";
  std::string_view rest = name;
  if (!root && rest.back() == '.') rest.remove_suffix(1);
  if (rest.size() > kMaxNameTextBytes) {
    return bad(fmt::format("longer than {} bytes", kMaxNameTextBytes));
  }

  uint16_t flags = recursionDesired ? kFlagRecursionDesired : 0;
  std::string out;
  out.reserve(kHeaderBytes + rest.size() + 6);
  for (uint16_t v : {id, flags, uint16_t{1}, uint16_t{0}, uint16_t{0}, uint16_t{0}}) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v & 0xff));
  }
  if (!root) {
    size_t start = 0;
    for (;;) {
      size_t dot = rest.find('.', start);
      std::string_view label =
          rest.substr(start, dot == std::string_view::npos ? dot : dot - start);
      if (label.empty()) return bad("it has an empty label");
      if (label.size() > kMaxLabelBytes) {
        return bad(fmt::format("label '{}' is longer than {} bytes", label, kMaxLabelBytes));
      }
      for (char c : label) {
        auto u = static_cast<uint8_t>(c);
        if (u < 0x21 || u > 0x7e || c == '\\') {
          return bad(
              "only printable ASCII without spaces or '\\' is allowed (IDNs in "
              "punycode: xn--...)");
        }
      }
      out.push_back(static_cast<char>(label.size()));
      out.append(label);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  out.push_back('\0');
  auto t = static_cast<uint16_t>(type);
  for (uint16_t v : {t, kClassIn}) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v & 0xff));
  }
  return out;
}

Result<DnsResponse> parseDnsResponse(std::string_view bytes, uint16_t expectedId,
                                     const DnsQuestion& expectedQuestion) {
  if (bytes.size() < kHeaderBytes) {
    return malformed(
        fmt::format("{} bytes, shorter than the {}-byte header", bytes.size(), kHeaderBytes));
  }
  Cursor in(bytes, 0, bytes.size());
  DnsResponse r;
  PHAROS_ASSIGN_OR_RETURN(r.id, in.u16("id"));
  PHAROS_ASSIGN_OR_RETURN(uint16_t flags, in.u16("flags"));
  PHAROS_ASSIGN_OR_RETURN(uint16_t questions, in.u16("question count"));
  PHAROS_ASSIGN_OR_RETURN(uint16_t answers, in.u16("answer count"));
  if (r.id != expectedId) {
    return mismatch(fmt::format("id {} instead of {}", r.id, expectedId));
  }
  if ((flags & kFlagResponse) == 0) return mismatch("it is a query, not a response");
  int opcode = (flags >> 11) & 0xF;
  if (opcode != 0) return mismatch(fmt::format("opcode {} instead of 0 (QUERY)", opcode));
  r.rcode = flags & 0xF;
  r.rcodeName = dnsRcodeName(r.rcode);
  r.truncated = (flags & kFlagTruncated) != 0;
  r.authoritative = (flags & kFlagAuthoritative) != 0;
  r.recursionAvailable = (flags & kFlagRecursionAvailable) != 0;

  std::string expectedName = canonicalName(expectedQuestion.name);
  std::string expectedType = dnsTypeName(expectedQuestion.type);
  if (questions == 0) {
    // FORMERR and friends may come without the question; there is nothing to compare.
    if (r.rcode != 0) return r;
    return mismatch(fmt::format("no question, expected {} {}", expectedName, expectedType));
  }
  if (questions != 1) {
    return mismatch(fmt::format("{} questions instead of 1", questions));
  }
  in = Cursor(bytes, kHeaderBytes, bytes.size());
  PHAROS_ASSIGN_OR_RETURN(std::string qname, in.name("question name"));
  PHAROS_ASSIGN_OR_RETURN(uint16_t qtype, in.u16("question type"));
  PHAROS_ASSIGN_OR_RETURN(uint16_t qclass, in.u16("question class"));
  if (canonicalName(qname) != expectedName || qtype != expectedQuestion.type) {
    return mismatch(fmt::format("question {} {} instead of {} {}", qname, dnsTypeName(qtype),
                                expectedName, expectedType));
  }
  if (qclass != kClassIn) {
    return mismatch(fmt::format("question class {} instead of 1 (IN)", qclass));
  }
  r.answers.reserve(std::min<size_t>(answers, in.remaining() / 11));
  for (size_t i = 0; i < answers; ++i) {
    PHAROS_ASSIGN_OR_RETURN(DnsRecord record, readRecord(in, i));
    r.answers.push_back(std::move(record));
  }
  return r;
}

}  // namespace pharos::net
