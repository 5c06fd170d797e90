#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "core/result.h"

namespace pharos::backup {

// One file of a snapshot. `path` is relative to the data directory, '/'-separated (the
// config file, if given, is "config/<its name>"); `size` is what the backup takes of it.
// A plain file is not copied: it is `held` open from the moment of the snapshot, and the
// backup streams its first `size` bytes from that descriptor (the data directory's plain
// files are only appended to, or replaced whole by a rename, so those bytes do not change,
// and a file deleted meanwhile stays readable). A database, and a plain file past
// kMaxHeldFiles, is a copy in the staging directory instead (`held` null).
struct SnapshotFile {
  std::string path;
  uint64_t size = 0;
  bool database = false;  // copied with SQLite's online backup API
  std::shared_ptr<const FileDescriptor> held;
};

// Plain files held open at once; any more are copied into staging (a data directory has
// a few dozen: segments of 32 MiB and up).
inline constexpr size_t kMaxHeldFiles = 256;

struct SnapshotOptions {
  std::optional<std::filesystem::path> configFile;
  // Threads that copy databases (largest first) at once.
  int workers = 2;
};

// Top-level names of the data directory a snapshot never takes: `objects/` holds the backups
// themselves, staging directories (ours and a restore's) are work in progress, and a dev
// server's own master key must never travel inside what it encrypts.
bool isExcludedFromSnapshot(const std::string& topLevelName);
inline constexpr const char* kStagingPrefix = ".backup-staging-";
inline constexpr const char* kDevMasterKeyName = "master.key";

// Takes the data directory at one moment, in three steps so that every part of it is from
// (nearly) the same instant, whatever the server keeps writing:
//  1. each SQLite database (a file that starts with SQLite's header) in WAL mode is pinned:
//     a read transaction opens on it, seeing one committed state while the server keeps
//     writing (WAL readers do not block writers);
//  2. every plain file (metrics-wal and log segments) is opened and its size noted; those
//     formats already cut a torn tail when opened;
//  3. the databases are copied into `stagingDir` (created; must not exist yet) with the
//     online backup API inside their pinned transactions, `workers` at a time, largest first.
//     Their -wal/-shm/-journal companions are not taken: the copy includes what they held.
// Databases go first because the log index commits the position up to which it processed the
// log segments: pinned before the segments are opened, it never claims lines the segments
// taken do not hold. (A segment processed and deleted in the milliseconds between steps 1 and
// 2 is in neither; its lines are still in the raw archive.) Returns the files taken, sorted
// by path.
Result<std::vector<SnapshotFile>> takeSnapshot(const std::filesystem::path& dataDir,
                                               const std::filesystem::path& stagingDir,
                                               const SnapshotOptions& options = {});

}  // namespace pharos::backup
