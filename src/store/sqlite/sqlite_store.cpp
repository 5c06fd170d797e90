#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include "store/migrator.h"

namespace pharos::store {
namespace {

Status bindAll(sqlite::Statement& st, std::span<const Value> params) {
  int number = 1;
  for (const Value& v : params) {
    int index = st.parameterIndex(number);
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) {
            st.bindNull(index);
          } else if constexpr (std::is_same_v<T, Blob>) {
            st.bindBlob(index, x.bytes);
          } else if constexpr (std::is_same_v<T, std::string>) {
            st.bind(index, std::string_view(x));
          } else {
            st.bind(index, x);
          }
        },
        v);
    ++number;
  }
  return okStatus();
}

Result<int64_t> executeOn(sqlite::Connection& conn, std::string_view sql,
                          std::span<const Value> params) {
  PHAROS_ASSIGN_OR_RETURN(sqlite::Statement st, conn.prepare(sql));
  PHAROS_TRY(bindAll(st, params));
  PHAROS_TRY(st.run());
  return static_cast<int64_t>(conn.changes());
}

Result<Rows> queryOn(sqlite::Connection& conn, std::string_view sql,
                     std::span<const Value> params) {
  PHAROS_ASSIGN_OR_RETURN(sqlite::Statement st, conn.prepare(sql));
  PHAROS_TRY(bindAll(st, params));
  Rows rows;
  for (;;) {
    PHAROS_ASSIGN_OR_RETURN(bool more, st.step());
    if (!more) break;
    int n = st.columnCount();
    std::vector<Value> values;
    values.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      switch (st.columnType(i)) {
        case SQLITE_INTEGER:
          values.emplace_back(st.int64(i));
          break;
        case SQLITE_FLOAT:
          values.emplace_back(st.real(i));
          break;
        case SQLITE_TEXT:
          values.emplace_back(std::string(st.text(i)));
          break;
        case SQLITE_BLOB:
          values.emplace_back(Blob{std::string(st.blob(i))});
          break;
        default:
          values.emplace_back(nullptr);
          break;
      }
    }
    rows.emplace_back(std::move(values));
  }
  return rows;
}

// The Session handed to a transaction body: the same connection, already locked.
class LockedSession final : public Session {
 public:
  explicit LockedSession(sqlite::Connection& conn) : conn_(conn) {}
  using Session::execute;
  using Session::query;
  Result<int64_t> execute(std::string_view sql, std::span<const Value> params) override {
    return executeOn(conn_, sql, params);
  }
  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    return queryOn(conn_, sql, params);
  }

 private:
  sqlite::Connection& conn_;
};

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       const SqliteStoreOptions& options) {
  sqlite::OpenOptions o;
  o.busyTimeout = options.busyTimeout;
  o.pageSize = options.pageSize;
  PHAROS_ASSIGN_OR_RETURN(sqlite::ConnectionPtr conn, sqlite::Connection::open(path, o));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(conn)));
}

Result<int64_t> SqliteStore::execute(std::string_view sql, std::span<const Value> params) {
  std::lock_guard lock(mutex_);
  return executeOn(*conn_, sql, params);
}

Result<Rows> SqliteStore::query(std::string_view sql, std::span<const Value> params) {
  std::lock_guard lock(mutex_);
  return queryOn(*conn_, sql, params);
}

Status SqliteStore::transaction(const std::function<Status(Session&)>& work) {
  std::lock_guard lock(mutex_);
  PHAROS_TRY(conn_->begin());
  LockedSession session(*conn_);
  Status result = work(session);
  if (!result.ok()) {
    conn_->rollback().ignore();  // the work's error is the one worth reporting
    return result;
  }
  Status committed = conn_->commit();
  if (!committed.ok()) conn_->rollback().ignore();
  return committed;
}

Status SqliteStore::migrate(const MigrationSet& set) {
  return applyMigrations(*this, set);
}

Result<int> SqliteStore::schemaVersion(std::string_view component) {
  return appliedVersion(*this, component);
}

Status SqliteStore::ping() {
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(Rows rows, queryOn(*conn_, "SELECT 1", {}));
  return okStatus();
}

}  // namespace pharos::store
