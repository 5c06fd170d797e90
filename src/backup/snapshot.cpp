#include "backup/snapshot.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iterator>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

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
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { sqlite3_close_v2(db); }
};

// A database to copy, open from the snapshot's first step on. `pinned`: a read transaction
// holds one committed state until the copy (WAL mode only: in rollback mode a reader blocks
// writers, so such a database is read only when its copy runs).
struct SourceDatabase {
  fs::path source;
  std::string relative;
  uint64_t size = 0;  // when listed: the largest go first, so the workers end together
  Db src;
  bool pinned = false;
};

Status openSource(SourceDatabase& d) {
  // Read-write (never created): a read-only connection to a WAL database needs the -shm file
  // to exist already. Nothing is written through it.
  int rc = sqlite3_open_v2(d.source.c_str(), &d.src.db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) return sqliteError(d.src.db, rc, d.source.string());
  sqlite3_busy_timeout(d.src.db, 5000);
  sqlite3_stmt* mode = nullptr;
  rc = sqlite3_prepare_v2(d.src.db, "PRAGMA journal_mode", -1, &mode, nullptr);
  const bool wal =
      rc == SQLITE_OK && sqlite3_step(mode) == SQLITE_ROW &&
      std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(mode, 0))) == "wal";
  sqlite3_finalize(mode);
  if (rc != SQLITE_OK) return sqliteError(d.src.db, rc, d.source.string());
  if (!wal) return okStatus();
  // A deferred transaction takes its snapshot at its first read.
  rc = sqlite3_exec(d.src.db, "BEGIN; SELECT count(*) FROM sqlite_schema", nullptr, nullptr,
                    nullptr);
  if (rc != SQLITE_OK) return sqliteError(d.src.db, rc, d.source.string());
  d.pinned = true;
  return okStatus();
}

Status copyDatabase(SourceDatabase& d, const fs::path& target) {
  Db dst;
  int rc =
      sqlite3_open_v2(target.c_str(), &dst.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) return sqliteError(dst.db, rc, target.string());
  // The staged copy is scratch (removed after the backup, never trusted after a crash): no
  // journal and no fsync for it, so writing it costs only the copy.
  rc = sqlite3_exec(dst.db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", nullptr, nullptr,
                    nullptr);
  if (rc != SQLITE_OK) return sqliteError(dst.db, rc, target.string());
  sqlite3_backup* backup = sqlite3_backup_init(dst.db, "main", d.src.db, "main");
  if (backup == nullptr) return sqliteError(dst.db, sqlite3_errcode(dst.db), d.source.string());
  // One step over all pages, inside the pinned read transaction if there is one (the backup
  // uses a transaction already open on its source), else in one of its own: either way one
  // committed state. A writer holding a lock in rollback mode makes the step BUSY; retry then.
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
  if (rc != SQLITE_DONE) return sqliteError(nullptr, rc, d.source.string());
  if (finish != SQLITE_OK) return sqliteError(dst.db, finish, target.string());
  if (d.pinned) {
    // Lets the server checkpoint its WAL past this snapshot again.
    sqlite3_exec(d.src.db, "COMMIT", nullptr, nullptr, nullptr);
    d.pinned = false;
  }
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

// Opens a plain file for the backup to stream later, noting the size it has now.
Result<SnapshotFile> hold(const fs::path& source, std::string relative) {
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor fd, openFile(source.c_str(), O_RDONLY, 0, "snapshot"));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ioError(errno, "stat " + source.string(), "snapshot");
  return SnapshotFile{std::move(relative), static_cast<uint64_t>(st.st_size), false,
                      std::make_shared<const FileDescriptor>(std::move(fd))};
}

// Copies `source` into `target` up to the end it has when read; for plain files past
// kMaxHeldFiles.
Result<SnapshotFile> copyPlainFile(const fs::path& source, const fs::path& target,
                                   std::string relative) {
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
  PHAROS_TRY(out.close(target.string()));
  return SnapshotFile{std::move(relative), offset, false, nullptr};
}

Status makeParent(const fs::path& stagingDir, const std::string& relative) {
  const fs::path parent = (stagingDir / relative).parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return ioError(ec.value(), "mkdir " + parent.string(), "snapshot");
  return okStatus();
}

// Past kMaxHeldFiles, a plain file is copied into staging instead of held.
Result<SnapshotFile> stage(const fs::path& source, const fs::path& stagingDir,
                           const std::string& relative) {
  PHAROS_TRY(makeParent(stagingDir, relative));
  return copyPlainFile(source, stagingDir / relative, relative);
}

// Copies every database into `stagingDir` on `workers` threads (the calling one included),
// largest first. The first error stops the others at their next database.
Result<std::vector<SnapshotFile>> copyDatabases(
    std::vector<std::unique_ptr<SourceDatabase>>& databases, const fs::path& stagingDir,
    int workers) {
  std::stable_sort(databases.begin(), databases.end(),
                   [](const auto& a, const auto& b) { return a->size > b->size; });
  // Directories first, on one thread: concurrent create_directories of one parent race.
  for (const auto& d : databases)
    PHAROS_TRY(makeParent(stagingDir, d->relative));
  std::mutex mutex;
  size_t next = 0;
  std::optional<Error> failure;
  std::vector<SnapshotFile> files;
  auto work = [&] {
    for (;;) {
      size_t i = 0;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (failure || next == databases.size()) return;
        i = next++;
      }
      SourceDatabase& d = *databases[i];
      const fs::path target = stagingDir / d.relative;
      Status copied = copyDatabase(d, target);
      std::error_code ec;
      const uint64_t size = copied.ok() ? fs::file_size(target, ec) : 0;
      std::lock_guard<std::mutex> lock(mutex);
      if (!copied.ok() || ec) {
        if (!failure)
          failure = copied.ok() ? ioError(ec.value(), "stat " + target.string(), "snapshot")
                                : copied.error();
      } else {
        files.push_back(SnapshotFile{d.relative, size, true, nullptr});
      }
    }
  };
  std::vector<std::thread> threads;
  const size_t extra = std::min<size_t>(static_cast<size_t>(workers - 1), databases.size());
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
  struct PlainFile {
    fs::path source;
    std::string relative;
  };
  std::vector<PlainFile> plain;
  std::vector<std::unique_ptr<SourceDatabase>> databases;
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
    Result<bool> database = isSqliteDatabase(path);
    // A file deleted since it was listed (a compacted segment) is simply not taken.
    if (!database.ok() && database.error().code == ErrorCode::kNotFound) continue;
    PHAROS_TRY(database);
    if (!*database) {
      plain.push_back({path, relative.generic_string()});
      continue;
    }
    auto d = std::make_unique<SourceDatabase>();
    d->source = path;
    d->relative = relative.generic_string();
    d->size = it->file_size(ec);
    databases.push_back(std::move(d));
  }
  // Step 1: every database at one committed state.
  for (auto& d : databases)
    PHAROS_TRY(openSource(*d));
  // Step 2: every plain file as it is now.
  std::vector<SnapshotFile> files;
  for (PlainFile& f : plain) {
    Result<SnapshotFile> taken = files.size() < kMaxHeldFiles
                                     ? hold(f.source, f.relative)
                                     : stage(f.source, stagingDir, f.relative);
    if (!taken.ok() && taken.error().code == ErrorCode::kNotFound) continue;
    PHAROS_TRY(taken);
    files.push_back(std::move(taken).value());
  }
  if (options.configFile) {
    // Required: its absence is an error, not a deleted segment.
    const std::string relative = "config/" + options.configFile->filename().string();
    PHAROS_ASSIGN_OR_RETURN(SnapshotFile config, hold(*options.configFile, relative));
    files.push_back(std::move(config));
  }
  // Step 3: the databases' copies.
  PHAROS_ASSIGN_OR_RETURN(std::vector<SnapshotFile> copies,
                          copyDatabases(databases, stagingDir, std::max(1, options.workers)));
  std::move(copies.begin(), copies.end(), std::back_inserter(files));
  std::sort(files.begin(), files.end(),
            [](const SnapshotFile& a, const SnapshotFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace pharos::backup
