#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/varint.h"
#include "logs/hash_bytes.h"

namespace pharos::logs::archive {

// The columns of a template-encoded archive object (archive_codec.h describes the format).
// Each column has a fixed id. Variables come in several streams per type, chosen by the few
// template bytes just before the variable (streamOf), so that the numbers after "port " and
// those after " took " are compressed apart, each with its own statistics.
inline constexpr unsigned kIntStreamBits = 6;    // 64 streams
inline constexpr unsigned kDictStreamBits = 6;   // 64
inline constexpr unsigned kFloatStreamBits = 4;  // 16
inline constexpr unsigned kTimeStreamBits = 4;   // 16

enum ColumnId : std::uint32_t {
  // Per record of the segment: 0 a batch (in the columns below), 1 a record kept verbatim.
  kRecordKinds = 0,
  kRawRecords = 1,  // varint length + payload, for kind 1
  kTail = 2,        // the bytes after the last intact record, verbatim
  // Per batch.
  kBatchSources = 3,   // byte
  kBatchReceived = 4,  // zigzag varint: receivedAtNs minus the previous batch's
  kBatchCounts = 5,    // varint entries
  // Per entry.
  kTimestamps = 6,  // zigzag varint: timestampNs minus the previous entry's
  kServiceIds = 7,  // field ids (see FieldDictionary in archive_codec.cpp)
  kServiceDict = 8,
  kLevelIds = 9,
  kLevelDict = 10,
  kAttributeCounts = 11,
  kAttributeKeyIds = 12,
  kAttributeKeyDict = 13,
  kAttributeValueIds = 14,
  kAttributeValueDict = 15,  // new values of every key's dictionary, in order of appearance
  kMessageTemplates = 16,    // template id per message: 0 written out (kInlineTemplates), else
                             // 1 + the template's rank in the dictionary
  kFieldTemplates = 17,      // template id per field value not in its dictionary, the same way
  kTemplates = 18,           // the template dictionary, sorted and front-coded
  // Variables of the types with one stream each.
  kHexLengths = 19,
  kHexBytes = 20,
  kUuids = 21,
  kIpv4s = 22,
  kFloatDigits = 23,
  kInlineTemplates = 24,  // templates written out, past the dictionary's limit
  // Streams: kIntStreams + stream, and so on. An integer stream starts with a byte saying how
  // its values are stored (kIntPlain, kIntDelta); a dictionary variable's id is kDictLiteral,
  // kDictNew (its text in the strings stream either way) or an index (archive_variables.h).
  kIntStreams = 32,
  kDictIdStreams = kIntStreams + (1u << kIntStreamBits),          // 96
  kDictStringStreams = kDictIdStreams + (1u << kDictStreamBits),  // 160
  kFloatStreams = kDictStringStreams + (1u << kDictStreamBits),   // 224
  kTimeStreams = kFloatStreams + (1u << kFloatStreamBits),        // 240
  kColumnCount = kTimeStreams + (1u << kTimeStreamBits),          // 256
};

// The stream (of 2^bits) for a variable whose template text so far is `before`: a hash of its
// last four bytes. The decoder computes it from the template text alone.
inline unsigned streamOf(std::string_view before, unsigned bits) {
  std::uint32_t h = 0x811C9DC5u;
  auto mix = [&](char c) { h = (h ^ static_cast<unsigned char>(c)) * 0x01000193u; };
  const std::size_t n = before.size();
  if (n >= 4) {  // nearly always: unrolled
    mix(before[n - 4]);
    mix(before[n - 3]);
    mix(before[n - 2]);
    mix(before[n - 1]);
  } else {
    for (char c : before)
      mix(c);
  }
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  return h >> (32 - bits);
}

// A value as the zigzag varint of its difference to the last one, wrapping (any two int64 have
// a difference that way), and back.
inline std::uint64_t deltaCode(std::int64_t value, std::int64_t last) {
  return zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(value) -
                                          static_cast<std::uint64_t>(last)));
}
inline std::int64_t applyDelta(std::int64_t last, std::uint64_t code) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(last) +
                                   static_cast<std::uint64_t>(unzigzag(code)));
}

// The decoders' output and the encoder's columns: a buffer kept longer than what is written (as
// BatchEncoder's), so that an append is a capacity check and a memcpy; grown without
// zero-filling.
class OutputBuffer {
 public:
  // Where the next `n` bytes go; advance() then says how many were written.
  char* room(std::size_t n) {
    if (capacity_ - size_ < n) [[unlikely]]
      grow(n);
    return bytes_.get() + size_;
  }
  void advance(std::size_t n) { size_ += n; }
  void append(const char* p, std::size_t n) {
    if (n == 0) return;
    std::memcpy(room(n), p, n);
    size_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  void push(char c) {
    *room(1) = c;
    ++size_;
  }
  void varint(std::uint64_t v) {
    char* const start = room(10);
    char* p = start;
    for (; v >= 0x80; v >>= 7)
      *p++ = static_cast<char>((v & 0x7F) | 0x80);
    *p++ = static_cast<char>(v);
    size_ += static_cast<std::size_t>(p - start);
  }
  char* data() { return bytes_.get(); }
  const char* data() const { return bytes_.get(); }
  std::size_t size() const { return size_; }
  std::string_view view() const { return std::string_view(bytes_.get(), size_); }
  void reserve(std::size_t n) {
    if (capacity_ < n) grow(n - size_);
  }
  void clear() { size_ = 0; }
  // Cuts or extends (with unspecified bytes) what is written to `n` bytes.
  void resize(std::size_t n) {
    if (n > size_) room(n - size_);
    size_ = n;
  }

 private:
  [[gnu::noinline]] void grow(std::size_t n) {
    const std::size_t capacity = std::max({size_ + n, 2 * capacity_, std::size_t{64}});
    std::unique_ptr<char[]> bytes(new char[capacity]);
    if (size_ > 0) std::memcpy(bytes.get(), bytes_.get(), size_);
    bytes_ = std::move(bytes);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> bytes_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

// One column being written, in an OutputBuffer: the encoder appends a few bytes at a time,
// and std::string's appends cost several times a capacity check and a store.
class ColumnWriter {
 public:
  ColumnWriter() = default;
  // A copy, for an object of what the encoder has so far (SegmentEncoder::peek).
  ColumnWriter(const ColumnWriter& other) { bytes_.append(other.view()); }
  ColumnWriter& operator=(const ColumnWriter&) = delete;

  void varint(std::uint64_t v) { bytes_.varint(v); }
  void byte(std::uint8_t b) { bytes_.push(static_cast<char>(b)); }
  void append(std::string_view s) { bytes_.append(s); }
  // varint length + bytes
  void string(std::string_view s) {
    varint(s.size());
    bytes_.append(s);
  }
  // Where the next `n` bytes go; advance() then says how many were written.
  char* room(std::size_t n) { return bytes_.room(n); }
  void advance(std::size_t n) { bytes_.advance(n); }
  std::string_view view() const { return bytes_.view(); }
  bool empty() const { return bytes_.size() == 0; }
  // Frees the bytes.
  void release() { bytes_ = OutputBuffer(); }

 private:
  OutputBuffer bytes_;
};

using ColumnWriters = std::array<ColumnWriter, kColumnCount>;

// One column being read; every read checks the bounds and says false when the column is short.
class ColumnReader {
 public:
  ColumnReader() = default;
  explicit ColumnReader(std::string_view bytes) : rest_(bytes) {}

  bool varint(std::uint64_t& v) {
    if (!rest_.empty() && static_cast<unsigned char>(rest_.front()) < 0x80) {  // most are
      v = static_cast<unsigned char>(rest_.front());
      rest_.remove_prefix(1);
      return true;
    }
    return getVarint(rest_, v);
  }
  bool byte(std::uint8_t& b) {
    if (rest_.empty()) return false;
    b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return true;
  }
  bool bytes(std::size_t n, std::string_view& out) {
    if (n > rest_.size()) return false;
    out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  bool string(std::string_view& out) {
    std::uint64_t n = 0;
    return varint(n) && n <= rest_.size() && bytes(static_cast<std::size_t>(n), out);
  }
  bool empty() const { return rest_.empty(); }
  std::size_t remaining() const { return rest_.size(); }

 private:
  std::string_view rest_;
};

using ColumnReaders = std::array<ColumnReader, kColumnCount>;

// Strings to dense ids (0, 1, 2... in order of arrival), for the encoder's dictionaries: open
// addressing over one array of (hash, id), so a lookup touches one slot and compares text only
// when the whole hash matches. Keeps views: the strings must outlive the table.
class StringIds {
 public:
  // The id of `s`, and whether it was added now.
  std::pair<std::uint32_t, bool> intern(std::string_view s) {
    if (2 * (keys_.size() + 1) > slots_.size()) grow();
    const std::uint64_t h = hashBytes(s);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.id == kEmpty) {
        slot = {h, static_cast<std::uint32_t>(keys_.size())};
        keys_.push_back(s);
        return {slot.id, true};
      }
      if (slot.hash == h && keys_[slot.id] == s) return {slot.id, false};
    }
  }
  // The id of `s`, or kEmpty.
  std::uint32_t find(std::string_view s) const {
    if (slots_.empty()) return kEmpty;
    const std::uint64_t h = hashBytes(s);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.id == kEmpty) return kEmpty;
      if (slot.hash == h && keys_[slot.id] == s) return slot.id;
    }
  }
  // Adds `s`, known to be new; its id.
  std::uint32_t add(std::string_view s) { return intern(s).first; }
  std::size_t size() const { return keys_.size(); }
  std::string_view key(std::uint32_t id) const { return keys_[id]; }

  static constexpr std::uint32_t kEmpty = UINT32_MAX;

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t id = kEmpty;
  };
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : 2 * old.size(), Slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.id == kEmpty) continue;
      std::size_t i = slot.hash & mask;
      while (slots_[i].id != kEmpty)
        i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::string_view> keys_;
};

}  // namespace pharos::logs::archive
