#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pharos::logs {

// The protocol a batch came in by: processing parses a syslog frame's header, takes the
// other protocols' fields as their decoders found them.
enum class Source : std::uint8_t {
  kNative = 1,     // POST /api/v1/logs
  kOtlp = 2,       // POST /v1/logs
  kLoki = 3,       // POST /loki/api/v1/push
  kElastic = 4,    // POST /_bulk
  kSyslogTcp = 5,  // message is the whole syslog frame, header included
  kSyslogUdp = 6,
};
std::string_view sourceName(Source source);

struct AttributeView {
  std::string_view key;
  std::string_view value;
};

// One line as a protocol decoder found it: not yet parsed or normalised. Views into the
// decoder's buffers, valid for the call they are passed to.
struct EntryView {
  std::int64_t timestampNs = 0;  // 0: the client sent none; the receive time stands in
  std::string_view service;
  std::string_view level;  // as sent ("WARNING", "warn", "4"...)
  std::string_view message;
  std::span<const AttributeView> attributes;
};

// Why a line was changed or refused on the way in, counted in
// pharos_logs_sanitised_total{reason} and pharos_logs_rejected_total{reason}.
struct SanitiseCounts {
  std::uint64_t invalidUtf8 = 0;  // bytes replaced by U+FFFD
  std::uint64_t nulBytes = 0;     // NUL replaced by U+FFFD
  std::uint64_t truncated = 0;    // message cut at maxLineBytes
};

// Builds one batch's bytes: what the ingest log stores and the processor reads. Layout:
//   u8 version(1) | u8 source | varint receivedAtNs | entries...
//   entry: varint zigzag(timestampNs) | str service | str level | str message
//          | varint attributeCount | (str key | str value)*
//   str: varint length | bytes
// Every string is valid UTF-8 without NUL when it leaves add(): invalid bytes and NULs are
// replaced by U+FFFD and the message is cut at maxLineBytes (on a character boundary),
// each counted in sanitised().
class BatchEncoder {
 public:
  BatchEncoder(Source source, std::int64_t receivedAtNs, std::size_t maxLineBytes);

  void add(const EntryView& entry);
  // Room for `bytes` more bytes, so a decoder that can guess its output size (about its body's)
  // spares the copies of growing the batch bit by bit.
  void reserve(std::size_t bytes) { room(bytes); }
  std::size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The encoded batch; the encoder is spent afterwards.
  std::string finish() &&;
  const SanitiseCounts& sanitised() const { return sanitised_; }
  std::size_t sizeBytes() const { return size_; }

 private:
  // Where the next `n` bytes go, growing the buffer when it has less room. The buffer is kept
  // longer than what is written, so the appends of the hot path are stores and a memcpy, not
  // std::string calls that each check the capacity again.
  char* room(std::size_t n) {
    if (bytes_.size() - size_ < n) grow(n);
    return bytes_.data() + size_;
  }
  void grow(std::size_t n);
  void put(std::string_view s);
  void appendVarint(std::uint64_t v);
  void putString(std::string_view s, std::size_t limit);
  void putSanitised(std::string_view s, std::size_t limit);

  std::string bytes_;  // [0, size_) is the batch so far, the rest room for more
  std::size_t size_ = 0;
  std::size_t count_ = 0;
  std::size_t maxLineBytes_;
  SanitiseCounts sanitised_;
};

// Reads a batch back, zero-copy: the views point into the encoded bytes.
class BatchReader {
 public:
  // kDataLoss when the header is not a batch.
  static Result<BatchReader> open(std::string_view bytes);

  Source source() const { return source_; }
  std::int64_t receivedAtNs() const { return receivedAtNs_; }
  // The next entry, false at the end; kDataLoss when the bytes are cut or corrupt.
  Result<bool> next(EntryView& entry);

 private:
  BatchReader() = default;
  std::string_view rest_;
  Source source_ = Source::kNative;
  std::int64_t receivedAtNs_ = 0;
  std::vector<AttributeView> attributes_;
};

}  // namespace pharos::logs
