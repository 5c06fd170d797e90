#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "backup/manifest.h"
#include "core/clock.h"
#include "core/result.h"
#include "crypto/keyring.h"
#include "objects/object_store.h"

namespace pharos::backup {

inline constexpr uint64_t kDefaultPartBytes = 64ull << 20;
inline constexpr uint64_t kMinPartBytes = 4096;
// A background backup's CPU niceness: below log processing (10), so under load the server's
// ingest and processing go first and the backup takes what is left.
inline constexpr int kBackgroundNiceness = 19;

struct BackupOptions {
  std::optional<std::filesystem::path> configFile;  // taken as "config/<name>"
  uint64_t partBytes = kDefaultPartBytes;           // at least kMinPartBytes
  int zstdLevel = 3;
  std::string pharosVersion;                  // recorded in the manifest
  std::map<std::string, int> schemaVersions;  // recorded; restore refuses newer ones
  // Where the snapshot is staged; empty: "<dataDir>/.backup-staging-<id>" (same file system,
  // never itself backed up). Removed afterwards either way.
  std::filesystem::path stagingDir;
  Clock* clock = nullptr;  // nullptr: the system clock
  // Background work: the backup runs on a thread of its own at a lower CPU priority (nice 19)
  // and in the idle I/O class, so a server sharing the machine keeps more of its ingest rate
  // (issue 10). For the CLI and scheduled backups; off when a backup is timed alone.
  bool background = false;
};

// Takes a backup of `dataDir` into `store` under "backups/<ID>/":
// snapshot (snapshot.h) -> entry stream (entry_stream.h) -> zstd -> keyring.sealStream(kBackups)
// -> parts of at most `partBytes` -> manifest.json, last. Memory is bounded by one part plus
// the compressor's and the cipher's buffers. On failure, the parts written are removed (best
// effort: without a manifest they are ignored anyway). Returns the manifest written.
Result<Manifest> createBackup(const std::filesystem::path& dataDir, objects::ObjectStore& store,
                              crypto::Keyring& keyring, const BackupOptions& options = {},
                              const ProgressFn& progress = {});

}  // namespace pharos::backup
