#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace pharos::backup {

// One file of a snapshot. `path` is relative to the data directory, '/'-separated (the
// config file, if given, is "config/<its name>"); `size` and `blake2b` describe the copy in
// the staging directory, which is what the backup holds.
struct SnapshotFile {
  std::string path;
  uint64_t size = 0;
  std::string blake2b;
  bool database = false;  // copied with SQLite's online backup API
};

struct SnapshotOptions {
  std::optional<std::filesystem::path> configFile;
  // Threads that copy files (largest first) at once; a snapshot is mostly copying and
  // checksumming, which a second core halves.
  int workers = 2;
};

// Top-level names of the data directory a snapshot never takes: `objects/` holds the backups
// themselves, staging directories (ours and a restore's) are work in progress, and a dev
// server's own master key must never travel inside what it encrypts.
bool isExcludedFromSnapshot(const std::string& topLevelName);
inline constexpr const char* kStagingPrefix = ".backup-staging-";
inline constexpr const char* kDevMasterKeyName = "master.key";

// Copies the data directory into `stagingDir` (created; must not exist yet), consistently for
// each SQLite database and as-is for every other file:
//  - a file that starts with SQLite's header is copied with the online backup API, which sees
//    one committed state of the database while the server keeps writing (WAL readers do not
//    block writers). Its -wal/-shm/-journal companions are not taken: the copy includes what
//    they held.
//  - any other file (metrics-wal segments, log segments) is copied byte for byte up to the end
//    it had when read; those formats already cut a torn tail when opened.
// Files are copied `workers` at a time. Returns the files taken, sorted by path.
Result<std::vector<SnapshotFile>> takeSnapshot(const std::filesystem::path& dataDir,
                                               const std::filesystem::path& stagingDir,
                                               const SnapshotOptions& options = {});

}  // namespace pharos::backup
