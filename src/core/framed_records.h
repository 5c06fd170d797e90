#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/crc32c.h"

namespace pharos {

// The record framing of the write-ahead logs: [u32 length][u32 CRC32C of the payload]
// [payload], little-endian. A torn tail from a crash (cut header, cut payload, or a payload
// whose checksum does not match) is recognised, so replay stops at the last intact record.
inline constexpr std::size_t kFramedRecordHeaderBytes = 8;

inline void putU32Le(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline std::uint32_t getU32Le(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline void appendFramedRecord(std::string& out, std::string_view payload) {
  putU32Le(out, static_cast<std::uint32_t>(payload.size()));
  putU32Le(out, crc32c(payload));
  out.append(payload);
}

// Calls onRecord(payload) for each intact record from the front of `data` until the first
// torn or corrupt one, or until onRecord returns false. Returns the bytes consumed (the
// records passed to onRecord).
template <typename OnRecord>
std::size_t scanFramedRecords(std::string_view data, OnRecord&& onRecord) {
  std::size_t at = 0;
  while (data.size() - at >= kFramedRecordHeaderBytes) {
    std::uint32_t length = getU32Le(data.data() + at);
    if (length > data.size() - at - kFramedRecordHeaderBytes) break;
    std::string_view payload = data.substr(at + kFramedRecordHeaderBytes, length);
    if (crc32c(payload) != getU32Le(data.data() + at + 4)) break;
    if (!onRecord(payload)) break;
    at += kFramedRecordHeaderBytes + length;
  }
  return at;
}

}  // namespace pharos
