#include "backup/snapshot.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
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
  // The staged copy is scratch (removed after the backup, never trusted after a crash): no
  // journal and no fsync for it, so writing it costs only the copy.
  rc = sqlite3_exec(dst.db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", nullptr, nullptr,
                    nullptr);
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

// Copies `source` into `target` up to the end it has when read, and describes the copy: the
// bytes are hashed on their way through, so the copy is not read again.
Result<SnapshotFile> copyPlainFile(const fs::path& source, const fs::path& target,
                                   std::string relative) {
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor in, openFile(source.c_str(), O_RDONLY, 0, "snapshot"));
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor out,
                          openFile(target.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600, "snapshot"));
  std::string buffer(kCopyBufferBytes, '\0');
  Blake2b hash;
  uint64_t offset = 0;
  for (;;) {
    PHAROS_ASSIGN_OR_RETURN(
        size_t n, readAt(in.get(), buffer.data(), buffer.size(), offset, source.string()));
    if (n == 0) break;
    const std::string_view bytes(buffer.data(), n);
    PHAROS_TRY(writeAll(out.get(), {bytes}, target.string()));
    hash.update(bytes);
    offset += n;
  }
  PHAROS_TRY(out.close(target.string()));
  return SnapshotFile{std::move(relative), offset, hash.finalHex(), false};
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

Result<SnapshotFile> take(const fs::path& source, const fs::path& stagingDir,
                          const std::string& relative) {
  const fs::path target = stagingDir / relative;
  PHAROS_ASSIGN_OR_RETURN(bool database, isSqliteDatabase(source));
  if (!database) return copyPlainFile(source, target, relative);
  PHAROS_TRY(backupDatabase(source, target));
  return describe(target, relative, database);
}

struct CopyJob {
  fs::path source;
  std::string relative;
  uint64_t size = 0;      // when listed: the largest go first, so the workers end together
  bool required = false;  // the config file: its absence is an error, not a deleted segment
};

// Takes every job into `stagingDir` on `workers` threads (the calling one included): the
// copies and their checksums are most of a snapshot's time and independent of each other.
// The first error stops the others at their next file.
Result<std::vector<SnapshotFile>> copyAll(std::vector<CopyJob> jobs, const fs::path& stagingDir,
                                          int workers) {
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const CopyJob& a, const CopyJob& b) { return a.size > b.size; });
  // Directories first, on one thread: concurrent create_directories of one parent race.
  for (const CopyJob& job : jobs) {
    const fs::path parent = (stagingDir / job.relative).parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) return ioError(ec.value(), "mkdir " + parent.string(), "snapshot");
  }
  std::mutex mutex;
  size_t next = 0;
  std::optional<Error> failure;
  std::vector<SnapshotFile> files;
  auto work = [&] {
    for (;;) {
      size_t i = 0;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (failure || next == jobs.size()) return;
        i = next++;
      }
      Result<SnapshotFile> taken = take(jobs[i].source, stagingDir, jobs[i].relative);
      std::lock_guard<std::mutex> lock(mutex);
      if (taken.ok()) {
        files.push_back(std::move(taken).value());
      } else if (jobs[i].required || taken.error().code != ErrorCode::kNotFound) {
        if (!failure) failure = taken.error();
      }
    }
  };
  std::vector<std::thread> threads;
  const size_t extra = std::min<size_t>(static_cast<size_t>(workers - 1), jobs.size());
  for (size_t t = 0; t < extra; ++t)
    threads.emplace_back(work);
  work();
  for (std::thread& t : threads)
    t.join();
  if (failure) return *failure;
  return files;
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
  std::vector<CopyJob> jobs;
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
    const uint64_t size = it->file_size(ec);
    // A file deleted since it was listed (a compacted segment) is simply not taken.
    if (ec) continue;
    jobs.push_back({path, relative.generic_string(), size, false});
  }
  if (options.configFile) {
    const std::string relative = "config/" + options.configFile->filename().string();
    jobs.push_back({*options.configFile, relative, 0, true});
  }
  PHAROS_ASSIGN_OR_RETURN(std::vector<SnapshotFile> files,
                          copyAll(std::move(jobs), stagingDir, std::max(1, options.workers)));
  std::sort(files.begin(), files.end(),
            [](const SnapshotFile& a, const SnapshotFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace pharos::backup
