#include "objects/local/object_file.h"

#include <cstring>
#include <exception>

#include <fmt/format.h>
#include <zstd.h>

#include "core/crc32c.h"

namespace pharos::objects::local {
namespace {

constexpr char kMagic[4] = {'P', 'H', 'O', 'B'};
constexpr size_t kHeaderCrcOffset = 36;

template <typename T>
void putLittle(char* out, T value) {
  auto v = static_cast<uint64_t>(value);
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

template <typename T>
T getLittle(const char* in) {
  uint64_t v = 0;
  for (size_t i = sizeof(T); i-- > 0;)
    v = (v << 8) | static_cast<unsigned char>(in[i]);
  return static_cast<T>(v);
}

Error dataLoss(std::string message) {
  return makeError(ErrorCode::kDataLoss, std::move(message));
}

}  // namespace

std::array<char, kHeaderSize> encodeHeader(const ObjectHeader& header) {
  std::array<char, kHeaderSize> out{};
  std::memcpy(out.data(), kMagic, sizeof(kMagic));
  putLittle<uint16_t>(out.data() + 4, kFormatVersion);
  putLittle<uint16_t>(out.data() + 6, header.flags);
  putLittle<uint64_t>(out.data() + 8, header.originalSize);
  putLittle<uint64_t>(out.data() + 16, header.storedSize);
  putLittle<int64_t>(out.data() + 24, header.createdMs);
  putLittle<uint32_t>(out.data() + 32, header.checksum);
  putLittle<uint32_t>(out.data() + kHeaderCrcOffset,
                      crc32c(std::string_view(out.data(), kHeaderCrcOffset)));
  return out;
}

Result<ObjectHeader> decodeHeader(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) {
    return dataLoss(
        fmt::format("object file is truncated: {} bytes, shorter than its {}-byte "
                    "header",
                    bytes.size(), kHeaderSize));
  }
  const char* p = bytes.data();
  if (std::memcmp(p, kMagic, sizeof(kMagic)) != 0) {
    return dataLoss("not an object file: bad magic");
  }
  uint32_t storedCrc = getLittle<uint32_t>(p + kHeaderCrcOffset);
  uint32_t actualCrc = crc32c(std::string_view(p, kHeaderCrcOffset));
  if (storedCrc != actualCrc) {
    return dataLoss(fmt::format("object header checksum mismatch: stored {:08x}, computed {:08x}",
                                storedCrc, actualCrc));
  }
  auto version = getLittle<uint16_t>(p + 4);
  if (version == 0) return dataLoss("object header has format version 0");
  if (version > kFormatVersion) {
    return makeError(ErrorCode::kFailedPrecondition,
                     fmt::format("object format version {} is newer than this build reads ({})",
                                 version, kFormatVersion));
  }
  ObjectHeader header;
  header.flags = getLittle<uint16_t>(p + 6);
  header.originalSize = getLittle<uint64_t>(p + 8);
  header.storedSize = getLittle<uint64_t>(p + 16);
  header.createdMs = getLittle<int64_t>(p + 24);
  header.checksum = getLittle<uint32_t>(p + 32);
  if ((header.flags & ~kFlagCompressed) != 0) {
    return makeError(
        ErrorCode::kFailedPrecondition,
        fmt::format("object header has flags {:#06x} this build does not know", header.flags));
  }
  if (!header.compressed() && header.originalSize != header.storedSize) {
    return dataLoss(
        fmt::format("uncompressed object header has original size {} but stored "
                    "size {}",
                    header.originalSize, header.storedSize));
  }
  return header;
}

Status checkFileSize(const ObjectHeader& header, uint64_t fileSize) {
  if (header.storedSize > fileSize || fileSize - header.storedSize != kHeaderSize) {
    return dataLoss(
        fmt::format("object file is {} bytes but its header says {}: truncated or "
                    "appended to",
                    fileSize, header.storedSize + kHeaderSize));
  }
  return okStatus();
}

Result<std::string> decodeStoredBytes(const ObjectHeader& header, std::string stored) {
  uint32_t actual = crc32c(stored);
  if (actual != header.checksum) {
    return dataLoss(fmt::format("object checksum mismatch: stored {:08x}, computed {:08x}",
                                header.checksum, actual));
  }
  if (!header.compressed()) return stored;

  unsigned long long frameSize = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (frameSize != header.originalSize) {
    return dataLoss(fmt::format("compressed object's frame holds {} bytes, its header says {}",
                                frameSize, header.originalSize));
  }
  std::string original;
  // A corrupt or hostile header can claim any size; fail that as an error, not std::bad_alloc.
  try {
    original.resize(header.originalSize);
  } catch (const std::exception&) {
    return makeError(
        ErrorCode::kResourceExhausted,
        fmt::format("cannot allocate {} bytes to read the object", header.originalSize));
  }
  size_t n = ZSTD_decompress(original.data(), original.size(), stored.data(), stored.size());
  if (ZSTD_isError(n) || n != original.size()) {
    return dataLoss(fmt::format("cannot decompress object: {}",
                                ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short output"));
  }
  return original;
}

bool hasObjectFileMagic(std::string_view bytes) {
  return bytes.size() >= sizeof(kMagic) && std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) == 0;
}

Result<std::string> decodeObjectFile(std::string_view file) {
  PHAROS_ASSIGN_OR_RETURN(ObjectHeader header, decodeHeader(file));
  PHAROS_TRY(checkFileSize(header, file.size()));
  return decodeStoredBytes(header, std::string(file.substr(kHeaderSize)));
}

}  // namespace pharos::objects::local
