#include "sqlite/connection.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace pharos::sqlite {

Error toError(int rc, std::string message, std::string context) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return retryableError(ErrorCode::kUnavailable, std::move(message), std::move(context));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return makeError(ErrorCode::kDataLoss, std::move(message), std::move(context));
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return makeError(ErrorCode::kIo, std::move(message), std::move(context));
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return makeError(ErrorCode::kAlreadyExists, std::move(message), std::move(context));
      }
      return makeError(ErrorCode::kInvalidArgument, std::move(message), std::move(context));
    case SQLITE_ERROR:
      return makeError(ErrorCode::kInvalidArgument, std::move(message), std::move(context));
    default:
      return makeError(ErrorCode::kInternal, std::move(message), std::move(context));
  }
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

int Statement::parameterIndex(int number) const {
  char name[16];
  fmt::format_to_n(name, sizeof(name) - 1, "${}", number).out[0] = '\0';
  int index = sqlite3_bind_parameter_index(stmt_, name);
  return index == 0 ? number : index;
}

Statement& Statement::bindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}
Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::bindBlob(int index, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL: SQLite treats a null pointer as NULL.
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->lastError(sqlite3_sql(stmt_));
}

Status Statement::run() {
  for (;;) {
    PHAROS_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return okStatus();
  }
}

bool Statement::isNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}
double Statement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}
std::string_view Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(p), n);
}
std::string_view Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(p), n);
}
int Statement::columnCount() const {
  return sqlite3_column_count(stmt_);
}
int Statement::columnType(int column) const {
  return sqlite3_column_type(stmt_, column);
}

namespace {

// SQLite keeps allocation statistics by default, behind one process-wide mutex taken on every
// malloc and free. Nothing here reads them, and the log index's FTS5 writer allocates for every
// term it is given: 2-3% of its thread went to that mutex. This must run before SQLite
// initializes (the first open); a later call would only be refused.
void configureSqliteOnce() {
  static const int kConfigured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kConfigured;
}

}  // namespace

Result<ConnectionPtr> Connection::open(const std::string& path, const OpenOptions& options) {
  configureSqliteOnce();
  sqlite3* db = nullptr;
  int flags =
      options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return toError(rc, "cannot open database: " + msg, path);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busyTimeout.count()));
  ConnectionPtr conn(new Connection(db, path));
  std::string pragmas = fmt::format(
      "PRAGMA foreign_keys=ON; PRAGMA cache_size=-{}; PRAGMA synchronous={}; PRAGMA "
      "temp_store=MEMORY;",
      options.cacheSizeKiB, options.synchronousFull ? "FULL" : "NORMAL");
  if (!options.readOnly) pragmas = "PRAGMA journal_mode=WAL; " + pragmas;
  // Before journal_mode: a WAL database's page size can no longer change.
  if (options.pageSize > 0)
    pragmas = fmt::format("PRAGMA page_size={}; ", options.pageSize) + pragmas;
  PHAROS_TRY(conn->exec(pragmas));
  // Reading the schema forces SQLite to check the file header now, so a file that is not a
  // database fails at open with kDataLoss instead of at the first query.
  PHAROS_TRY(conn->exec("SELECT count(*) FROM sqlite_master"));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_)
    sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
  std::string owned(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return toError(sqlite3_extended_errcode(db_), msg, path_);
  }
  return okStatus();
}

Result<Statement> Connection::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end()) return Statement(this, it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return lastError(key);
  cache_.emplace(std::move(key), stmt);
  return Statement(this, stmt);
}

Status Connection::begin() {
  return exec("BEGIN IMMEDIATE");
}
Status Connection::commit() {
  return exec("COMMIT");
}
Status Connection::rollback() {
  if (sqlite3_get_autocommit(db_) != 0) return okStatus();  // nothing open (already rolled back)
  return exec("ROLLBACK");
}

int64_t Connection::lastInsertRowId() const {
  return sqlite3_last_insert_rowid(db_);
}
int Connection::changes() const {
  return sqlite3_changes(db_);
}

Error Connection::lastError(std::string_view what) const {
  return toError(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_),
                 fmt::format("{}: {}", path_, what));
}

}  // namespace pharos::sqlite
