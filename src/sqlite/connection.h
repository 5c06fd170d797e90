#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace pharos::sqlite {

// How a connection is opened. The defaults are the durable ones: WAL with synchronous=FULL,
// so a committed transaction has been fsynced to the WAL before commit() returns.
struct OpenOptions {
  std::chrono::milliseconds busyTimeout{5000};
  bool synchronousFull = true;  // false: NORMAL (durable against process crash, not power loss)
  int cacheSizeKiB = 2048;      // page cache per connection; bounded so memory stays flat
  bool readOnly = false;
  // For a new database only (SQLite fixes it at creation): larger pages waste less space
  // around rows of a kilobyte or more. 0: SQLite's default (4096).
  int pageSize = 0;
};

class Connection;

// A prepared statement borrowed from a connection's cache. Binding indexes are 1-based as in
// SQLite. Parameters spelled `$1`, `$2` (PostgreSQL's spelling) are *named* parameters to
// SQLite, numbered in order of first appearance: bind them through parameterIndex(), or
// write `?1`, `?2`. Resets and clears its bindings when it goes out of scope, so the cached
// statement is ready for the next user; to run it again with new values, prepare() it again
// (a cache hit). Not thread-safe: use under the connection's lock.
class Statement {
 public:
  Statement(Connection* conn, sqlite3_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : conn_(other.conn_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // The binding index of parameter `$number`: SQLite numbers named parameters in order of
  // first appearance, so "VALUES ($2, $1)" binds $2 at index 1. Plain `?` parameters map
  // to themselves.
  int parameterIndex(int number) const;

  Statement& bindNull(int index);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bindBlob(int index, std::string_view bytes);

  // Advances to the next row. true: a row is available; false: done.
  Result<bool> step();
  // Runs a statement that returns no rows to completion.
  Status run();

  bool isNull(int column) const;
  int64_t int64(int column) const;
  double real(int column) const;
  std::string_view text(int column) const;
  std::string_view blob(int column) const;
  int columnCount() const;
  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL.
  int columnType(int column) const;

 private:
  Connection* conn_;
  sqlite3_stmt* stmt_;
};

// One SQLite database connection with a prepared-statement cache. Not thread-safe: the owner
// serialises access (a mutex, or one connection per thread).
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  const OpenOptions& options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters.
  Status exec(std::string_view sql);
  // A statement from the cache, prepared on first use.
  Result<Statement> prepare(std::string_view sql);

  Status begin();  // BEGIN IMMEDIATE: takes the write lock now, so commit cannot hit SQLITE_BUSY
  Status commit();
  Status rollback();

  int64_t lastInsertRowId() const;
  int changes() const;
  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }

  // Converts the connection's last error into an Error with `what` as context.
  Error lastError(std::string_view what) const;

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

using ConnectionPtr = std::unique_ptr<Connection>;

// Maps an SQLite result code to our error codes: BUSY/LOCKED are retryable kUnavailable,
// CORRUPT/NOTADB kDataLoss, FULL/IOERR kIo, unique/primary-key violations kAlreadyExists.
Error toError(int rc, std::string message, std::string context);

}  // namespace pharos::sqlite
