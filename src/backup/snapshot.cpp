#include "backup/snapshot.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <system_error>
#include <thread>

#include "backup/digest.h"
#include "core/file_io.h"

namespace pharos::backup {

namespace fs = std::filesystem;

namespace {

constexpr size_t kCopyBufferBytes = 1 << 20;
constexpr std::string_view kSqliteHeader{"SQLite format 3\0", 16};

bool hasSuffix(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

Result<bool> isSqliteDatabase(const fs::path& path) {
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor fd, openFile(path.c_str(), O_RDONLY, 0, "snapshot"));
  char header[16];
  PHAROS_ASSIGN_OR_RETURN(size_t n, readAt(fd.get(), header, sizeof header, 0, path.string()));
  return n == sizeof header && std::string_view(header, n) == kSqliteHeader;
}

// A companion file SQLite manages beside a database ("x.db-wal" beside "x.db").
bool isSqliteCompanion(const fs::path& path) {
  const std::string name = path.filename().string();
  for (std::string_view suffix : {"-wal", "-shm", "-journal"}) {
    if (!hasSuffix(name, suffix)) continue;
    fs::path base = path.parent_path() / name.substr(0, name.size() - suffix.size());
    std::error_code ec;
    if (fs::is_regular_file(base, ec)) return true;
  }
  return false;
}

Error sqliteError(sqlite3* db, int rc, const std::string& what) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const bool busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
  Error error = makeError(busy ? ErrorCode::kUnavailable : ErrorCode::kIo,
                          std::string("sqlite backup: ") + message, what);
  error.retryable = busy;
  return error;
}

// Owns a sqlite3 handle: sqlite3_open_v2 hands one out even when it fails.
struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close_v2(db); }
};

Status backupDatabase(const fs::path& source, const fs::path& target) {
  Db src;
  Db dst;
  // Read-write (never created): a read-only connection to a WAL database needs the -shm file
  // to exist already. Nothing is written through it.
  int rc = sqlite3_open_v2(source.c_str(), &src.db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) return sqliteError(src.db, rc, source.string());
  sqlite3_busy_timeout(src.db, 5000);
  rc =
      sqlite3_open_v2(target.c_str(), &dst.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) return sqliteError(dst.db, rc, target.string());
  sqlite3_backup* backup = sqlite3_backup_init(dst.db, "main", src.db, "main");
  if (backup == nullptr) return sqliteError(dst.db, sqlite3_errcode(dst.db), source.string());
  // One step over all pages: a single read transaction, so the copy is one committed state.
  // A writer holding a lock in rollback mode makes the step BUSY; retry for a while then.
  for (int attempt = 0;; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_DONE) break;
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      continue;
    }
    if (rc != SQLITE_OK) break;
  }
  const int finish = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return sqliteError(nullptr, rc, source.string());
  if (finish != SQLITE_OK) return sqliteError(dst.db, finish, target.string());
  // The copy keeps the source's journal mode (WAL). Checkpoint and leave a single file.
  rc = sqlite3_exec(dst.db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqliteError(dst.db, rc, target.string());
  rc = sqlite3_close_v2(dst.db);
  dst.db = nullptr;
  if (rc != SQLITE_OK) return sqliteError(nullptr, rc, target.string());
  std::error_code ec;
  fs::remove(target.string() + "-wal", ec);
  fs::remove(target.string() + "-shm", ec);
  return okStatus();
}

// Copies `source` into `target` up to the end it has when read.
Status copyPlainFile(const fs::path& source, const fs::path& target) {
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor in, openFile(source.c_str(), O_RDONLY, 0, "snapshot"));
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor out,
                          openFile(target.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600, "snapshot"));
  std::string buffer(kCopyBufferBytes, '\0');
  uint64_t offset = 0;
  for (;;) {
    PHAROS_ASSIGN_OR_RETURN(
        size_t n, readAt(in.get(), buffer.data(), buffer.size(), offset, source.string()));
    if (n == 0) break;
    PHAROS_TRY(writeAll(out.get(), {std::string_view(buffer.data(), n)}, target.string()));
    offset += n;
  }
  return out.close(target.string());
}

Result<SnapshotFile> describe(const fs::path& staged, std::string relative, bool database) {
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor fd, openFile(staged.c_str(), O_RDONLY, 0, "snapshot"));
  std::string buffer(kCopyBufferBytes, '\0');
  Blake2b hash;
  uint64_t offset = 0;
  for (;;) {
    PHAROS_ASSIGN_OR_RETURN(
        size_t n, readAt(fd.get(), buffer.data(), buffer.size(), offset, staged.string()));
    if (n == 0) break;
    hash.update(std::string_view(buffer.data(), n));
    offset += n;
  }
  return SnapshotFile{std::move(relative), offset, hash.finalHex(), database};
}

Status take(const fs::path& source, const fs::path& stagingDir, const std::string& relative,
            std::vector<SnapshotFile>& out) {
  const fs::path target = stagingDir / relative;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return ioError(ec.value(), "mkdir " + target.parent_path().string(), "snapshot");
  PHAROS_ASSIGN_OR_RETURN(bool database, isSqliteDatabase(source));
  if (database) {
    PHAROS_TRY(backupDatabase(source, target));
  } else {
    PHAROS_TRY(copyPlainFile(source, target));
  }
  PHAROS_ASSIGN_OR_RETURN(SnapshotFile file, describe(target, relative, database));
  out.push_back(std::move(file));
  return okStatus();
}

}  // namespace

bool isExcludedFromSnapshot(const std::string& topLevelName) {
  return topLevelName == "objects" || topLevelName == kDevMasterKeyName ||
         topLevelName.rfind(kStagingPrefix, 0) == 0 ||
         topLevelName.rfind(".pharos-restore-", 0) == 0;
}

Result<std::vector<SnapshotFile>> takeSnapshot(const fs::path& dataDir, const fs::path& stagingDir,
                                               const SnapshotOptions& options) {
  std::error_code ec;
  if (!fs::create_directories(stagingDir, ec)) {
    if (ec) return ioError(ec.value(), "mkdir " + stagingDir.string(), "snapshot");
    return makeError(ErrorCode::kAlreadyExists, "staging directory already exists",
                     stagingDir.string());
  }
  std::vector<SnapshotFile> files;
  fs::recursive_directory_iterator it(dataDir, ec);
  if (ec) return ioError(ec.value(), "list " + dataDir.string(), "snapshot");
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return ioError(ec.value(), "list " + dataDir.string(), "snapshot");
    const fs::path& path = it->path();
    const fs::path relative = path.lexically_relative(dataDir);
    if (it.depth() == 0 && isExcludedFromSnapshot(relative.string())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    if (isSqliteCompanion(path)) continue;
    // A file deleted between listing and copying (a compacted segment) is simply not taken.
    if (!fs::exists(path, ec)) continue;
    Status taken = take(path, stagingDir, relative.generic_string(), files);
    if (!taken.ok() && taken.error().code == ErrorCode::kNotFound) continue;
    PHAROS_TRY(taken);
  }
  if (options.configFile) {
    const std::string relative = "config/" + options.configFile->filename().string();
    PHAROS_TRY(take(*options.configFile, stagingDir, relative, files));
  }
  std::sort(files.begin(), files.end(),
            [](const SnapshotFile& a, const SnapshotFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace pharos::backup
