#include "logs/log_batch.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/varint.h"

namespace pharos::logs {
namespace {

constexpr char kVersion = 1;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (overlong, surrogate,
// above U+10FFFF, cut short).
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

// Whether the 8 (or 4) bytes in `w` are all ASCII and none is NUL: a byte with its top bit set
// is not ASCII, and (w - 0x01..) & ~w has a top bit set exactly when some byte of w is zero
// (given that no byte is >= 0x80).
template <typename Word>
bool plainWord(Word w) {
  constexpr auto kOnes = static_cast<Word>(0x0101010101010101),
                 kTops = static_cast<Word>(0x8080808080808080);
  return ((w | ((w - kOnes) & ~w)) & kTops) == 0;
}

template <typename Word>
Word load(const char* p) {
  Word w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Whether `s` can be stored as it is: ASCII without NUL, the usual case. A word at a time, the
// last word overlapping the one before rather than a byte loop for the tail.
bool plainAscii(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (!plainWord(load<std::uint64_t>(p + i))) return false;
    }
    return plainWord(load<std::uint64_t>(p + n - 8));
  }
  if (n >= 4) return plainWord(load<std::uint32_t>(p)) && plainWord(load<std::uint32_t>(p + n - 4));
  for (std::size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (c == 0 || c >= 0x80) return false;
  }
  return true;
}

constexpr std::size_t kMaxVarintBytes = 10;

// LEB128, as pharos::putVarint writes it, to raw memory with room for kMaxVarintBytes; returns
// the end of what it wrote.
char* writeVarint(char* p, std::uint64_t v) {
  for (; v >= 0x80; v >>= 7)
    *p++ = static_cast<char>((v & 0x7F) | 0x80);
  *p++ = static_cast<char>(v);
  return p;
}

bool getString(std::string_view& in, std::string_view& out) {
  std::uint64_t length = 0;
  if (!getVarint(in, length) || length > in.size()) return false;
  out = in.substr(0, length);
  in.remove_prefix(length);
  return true;
}

}  // namespace

std::string_view sourceName(Source source) {
  switch (source) {
    case Source::kNative:
      return "native";
    case Source::kOtlp:
      return "otlp";
    case Source::kLoki:
      return "loki";
    case Source::kElastic:
      return "elasticsearch";
    case Source::kSyslogTcp:
      return "syslog_tcp";
    case Source::kSyslogUdp:
      return "syslog_udp";
  }
  return "unknown";
}

BatchEncoder::BatchEncoder(Source source, std::int64_t receivedAtNs, std::size_t maxLineBytes)
    : maxLineBytes_(maxLineBytes) {
  const char header[] = {kVersion, static_cast<char>(source)};
  put(std::string_view(header, sizeof header));
  appendVarint(zigzag(receivedAtNs));
}

void BatchEncoder::grow(std::size_t n) {
  bytes_.resize(std::max(size_ + n, 2 * bytes_.size()));
}

void BatchEncoder::put(std::string_view s) {
  if (s.empty()) return;  // an empty view's data() may be null, which memcpy must not get
  std::memcpy(room(s.size()), s.data(), s.size());
  size_ += s.size();
}

void BatchEncoder::appendVarint(std::uint64_t v) {
  char* const start = room(kMaxVarintBytes);
  size_ += static_cast<std::size_t>(writeVarint(start, v) - start);
}

void BatchEncoder::add(const EntryView& entry) {
  appendVarint(zigzag(entry.timestampNs));
  // Names are short by nature; a 1 KiB service or level is garbage, cut like a long line.
  putString(entry.service, 1024);
  putString(entry.level, 64);
  putString(entry.message, maxLineBytes_);
  appendVarint(entry.attributes.size());
  for (const auto& a : entry.attributes) {
    putString(a.key, 1024);
    putString(a.value, maxLineBytes_);
  }
  ++count_;
}

// Appends length + bytes. The usual string (plain ASCII without NUL, within the limit) is one
// scan and one copy; putSanitised() rebuilds any other character by character.
void BatchEncoder::putString(std::string_view s, std::size_t limit) {
  if (s.size() > limit || !plainAscii(s)) {
    putSanitised(s, limit);
    return;
  }
  char* const start = room(kMaxVarintBytes + s.size());
  char* p = writeVarint(start, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());  // an empty view's data() may be null
  size_ += static_cast<std::size_t>(p - start) + s.size();
}

void BatchEncoder::putSanitised(std::string_view s, std::size_t limit) {
  std::string fixed;
  fixed.reserve(std::min(s.size(), limit));
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::string_view piece;
    std::size_t step = 1;
    if (c == 0) {
      piece = kReplacement;
      ++sanitised_.nulBytes;
    } else if (c < 0x80) {
      piece = s.substr(i, 1);
    } else if (std::size_t n = utf8SequenceLength(s, i); n > 0) {
      piece = s.substr(i, n);
      step = n;
    } else {
      piece = kReplacement;
      ++sanitised_.invalidUtf8;
    }
    if (fixed.size() + piece.size() > limit) {
      ++sanitised_.truncated;
      break;
    }
    fixed.append(piece);
    i += step;
  }
  appendVarint(fixed.size());
  put(fixed);
}

std::string BatchEncoder::finish() && {
  bytes_.resize(size_);
  return std::move(bytes_);
}

Result<BatchReader> BatchReader::open(std::string_view bytes) {
  BatchReader reader;
  if (bytes.size() < 3 || bytes[0] != kVersion) {
    return makeError(ErrorCode::kDataLoss, "not a log batch (bad version byte)");
  }
  auto source = static_cast<std::uint8_t>(bytes[1]);
  if (source < 1 || source > 6) return makeError(ErrorCode::kDataLoss, "log batch: unknown source");
  reader.source_ = static_cast<Source>(source);
  bytes.remove_prefix(2);
  std::uint64_t received = 0;
  if (!getVarint(bytes, received)) return makeError(ErrorCode::kDataLoss, "log batch: cut header");
  reader.receivedAtNs_ = unzigzag(received);
  reader.rest_ = bytes;
  return reader;
}

Result<bool> BatchReader::next(EntryView& entry) {
  if (rest_.empty()) return false;
  auto corrupt = [] { return makeError(ErrorCode::kDataLoss, "log batch: cut or corrupt entry"); };
  std::uint64_t ts = 0, attributeCount = 0;
  if (!getVarint(rest_, ts)) return corrupt();
  entry.timestampNs = unzigzag(ts);
  if (!getString(rest_, entry.service) || !getString(rest_, entry.level) ||
      !getString(rest_, entry.message) || !getVarint(rest_, attributeCount) ||
      attributeCount > rest_.size()) {
    return corrupt();
  }
  attributes_.resize(attributeCount);
  for (auto& a : attributes_) {
    if (!getString(rest_, a.key) || !getString(rest_, a.value)) return corrupt();
  }
  entry.attributes = attributes_;
  return true;
}

}  // namespace pharos::logs
