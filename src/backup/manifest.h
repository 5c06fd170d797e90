#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "crypto/keyring.h"

namespace pharos::backup {

struct ManifestFile {
  std::string path;  // relative to the data directory
  uint64_t size = 0;
  std::string blake2b;
};

struct ManifestPart {
  std::string key;  // object key
  uint64_t size = 0;
  std::string blake2b;  // of the stored (sealed) bytes
};

// What a backup holds, written last: a backup without one is incomplete (it crashed or is
// still being written) and is ignored by list and retention.
struct Manifest {
  int format = 2;  // 1: without dataKey
  std::string id;  // a ULID
  WallTime createdAt;
  Millis duration{0};
  std::string keyId;  // the backups data key that sealed the parts
  // That key wrapped by the master key, so the backup restores with the master key alone
  // (format 2; absent in format 1, which needs the keyring that made it).
  std::optional<crypto::WrappedDataKey> dataKey;
  std::string pharosVersion;
  std::map<std::string, int> schemaVersions;  // component -> migration version
  std::vector<ManifestFile> files;
  uint64_t rawBytes = 0;         // the files' bytes
  uint64_t compressedBytes = 0;  // the entry stream after zstd
  uint64_t storedBytes = 0;      // the sealed parts together
  uint64_t partBytes = 0;        // the most one part holds
  std::vector<ManifestPart> parts;
};

// Called with the file bytes handled so far (taken, checked, restored) and the backup's total:
// first (0, total), never decreasing, last (total, total).
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

inline constexpr std::string_view kBackupsPrefix = "backups/";
std::string manifestKey(std::string_view id);
// part-00001, part-00002, ... (1-based).
std::string partKey(std::string_view id, size_t number);

// JSON with a "checksum" member: BLAKE2b-256 of the document without it, so a flipped byte
// anywhere is found before the manifest is trusted. (The checksum is not keyed: the parts'
// contents are authenticated by their seal and cross-checked against the file checksums here.)
std::string encodeManifest(const Manifest& manifest);
// kDataLoss for malformed JSON, a missing field or a checksum mismatch.
Result<Manifest> decodeManifest(std::string_view text);

}  // namespace pharos::backup
