#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pharos::objects::local {

// The on-disk format of one object: a fixed 40-byte header, then the stored bytes (the
// caller's bytes, or their zstd frame once a lifecycle rule compressed them).
//
//   offset size  field
//        0    4  magic "PHOB"
//        4    2  format version (1)
//        6    2  flags (bit 0: stored bytes are a zstd frame)
//        8    8  original size: the bytes put() was given
//       16    8  stored size: the bytes after the header; the file is exactly header + this
//       24    8  creation time, Unix milliseconds (kept when the object is re-compressed)
//       32    4  CRC32C of the stored bytes
//       36    4  CRC32C of bytes 0..35, so a flipped bit in a size or a time is caught too
//
// Integers are little-endian whatever the host, so a data directory moves between machines.
inline constexpr size_t kHeaderSize = 40;
inline constexpr uint16_t kFormatVersion = 1;
inline constexpr uint16_t kFlagCompressed = 1;

struct ObjectHeader {
  uint16_t flags = 0;
  uint64_t originalSize = 0;
  uint64_t storedSize = 0;
  int64_t createdMs = 0;
  uint32_t checksum = 0;  // CRC32C of the stored bytes

  bool compressed() const { return (flags & kFlagCompressed) != 0; }
};

std::array<char, kHeaderSize> encodeHeader(const ObjectHeader& header);

// kDataLoss when `bytes` is not an intact header (too short, bad magic, checksum mismatch,
// inconsistent sizes); kFailedPrecondition when a newer Pharos wrote it (version or flags
// this build does not know). The message says which; the caller adds the key as context.
Result<ObjectHeader> decodeHeader(std::string_view bytes);

// Whether a file of `fileSize` bytes is exactly the header and the stored bytes it announces;
// kDataLoss ("truncated or appended to") otherwise.
Status checkFileSize(const ObjectHeader& header, uint64_t fileSize);

// The bytes put() was given, from the stored bytes after `header`: their checksum checked and,
// for a compressed object, the zstd frame decompressed. kDataLoss when they do not match the
// header; kResourceExhausted when its original size cannot be allocated.
Result<std::string> decodeStoredBytes(const ObjectHeader& header, std::string stored);

// Whether `bytes` begin with an object file's magic (nothing else is checked).
bool hasObjectFileMagic(std::string_view bytes);

// The object in a whole object file read without its store (a file copied out of
// DATA/objects): decodeHeader, checkFileSize and decodeStoredBytes.
Result<std::string> decodeObjectFile(std::string_view file);

}  // namespace pharos::objects::local
