#include "store/postgres/postgres_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "store/migrator.h"
#include "store/postgres/pg_values.h"

namespace pharos::store {
namespace {

using postgres::PgConnection;

// The advisory lock migrations take: any constant other code does not use ("PHAROSMG").
constexpr int64_t kMigrationLock = 0x50484152'4f534d47;

Result<int64_t> executeOn(PgConnection& conn, std::string_view sql, std::span<const Value> params) {
  PHAROS_ASSIGN_OR_RETURN(postgres::PgResult r, conn.run(sql, params));
  const char* changed = PQcmdTuples(r.get());
  return changed[0] == '\0' ? int64_t{0} : std::stoll(changed);
}

Result<Rows> queryOn(PgConnection& conn, std::string_view sql, std::span<const Value> params) {
  PHAROS_ASSIGN_OR_RETURN(postgres::PgResult r, conn.run(sql, params));
  return postgres::decodeRows(r.get());
}

// The Session handed to a transaction body: the leased connection, inside BEGIN.
class TransactionSession final : public Session {
 public:
  explicit TransactionSession(PgConnection& conn) : conn_(conn) {}
  using Session::execute;
  using Session::query;
  Result<int64_t> execute(std::string_view sql, std::span<const Value> params) override {
    return executeOn(conn_, sql, params);
  }
  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    return queryOn(conn_, sql, params);
  }

 private:
  PgConnection& conn_;
};

}  // namespace

// A connection borrowed from the pool for one call; returned (or dropped when broken) at the
// end of the scope.
class PostgresStore::Lease {
 public:
  Lease(PostgresStore& store, ConnectionPtr conn) : store_(store), conn_(std::move(conn)) {}
  ~Lease() { store_.release(std::move(conn_)); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  PgConnection& operator*() { return *conn_; }
  PgConnection* operator->() { return conn_.get(); }

 private:
  PostgresStore& store_;
  ConnectionPtr conn_;
};

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(PostgresStoreOptions options) {
  if (options.poolSize == 0) options.poolSize = 1;
  if (options.transactionAttempts < 1) options.transactionAttempts = 1;
  bool plain = std::all_of(options.schema.begin(), options.schema.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!plain) {
    return makeError(ErrorCode::kInvalidArgument,
                     "a schema name is lower-case letters, digits and '_': " + options.schema);
  }
  auto store = std::unique_ptr<PostgresStore>(new PostgresStore(std::move(options)));
  PHAROS_ASSIGN_OR_RETURN(ConnectionPtr first, store->acquire());
  if (!store->options_.schema.empty()) {
    // The search path may name a schema that does not exist yet; it is read at each statement,
    // so creating it here serves this connection and every later one.
    Status created = first->runSimple("CREATE SCHEMA IF NOT EXISTS " + store->options_.schema);
    // Two processes creating it at once: one wins, the other sees a duplicate; both go on.
    if (!created.ok() && created.error().code != ErrorCode::kAlreadyExists) {
      return std::move(created).error();
    }
  }
  store->release(std::move(first));
  return store;
}

PostgresStore::~PostgresStore() = default;

Result<PostgresStore::ConnectionPtr> PostgresStore::acquire() {
  {
    std::unique_lock lock(mutex_);
    bool got = freed_.wait_for(lock, options_.acquireTimeout,
                               [&] { return !idle_.empty() || open_ < options_.poolSize; });
    if (!got) {
      return retryableError(ErrorCode::kUnavailable,
                            fmt::format("all {} database connections are busy", open_),
                            "postgres pool");
    }
    if (!idle_.empty()) {
      ConnectionPtr conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;  // reserve the slot; connect outside the lock
  }
  auto opened = connect();
  if (!opened.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    freed_.notify_one();
    return std::move(opened).error();
  }
  return std::move(opened).value();
}

Result<PostgresStore::ConnectionPtr> PostgresStore::connect() {
  PHAROS_ASSIGN_OR_RETURN(ConnectionPtr conn, PgConnection::open(options_.conninfo.reveal()));
  if (!options_.schema.empty()) {
    PHAROS_TRY(conn->runSimple("SET search_path TO " + options_.schema));
  }
  return conn;
}

void PostgresStore::release(ConnectionPtr conn) {
  std::lock_guard lock(mutex_);
  if (conn == nullptr) return;
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    // The server went away (restart, failover): the idle connections are as dead as this one,
    // so drop them now rather than fail one call per connection later.
    open_ -= 1 + idle_.size();
    idle_.clear();
  }
  freed_.notify_all();
}

size_t PostgresStore::openConnections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

size_t PostgresStore::idleConnections() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

Result<int64_t> PostgresStore::execute(std::string_view sql, std::span<const Value> params) {
  PHAROS_ASSIGN_OR_RETURN(ConnectionPtr conn, acquire());
  Lease lease(*this, std::move(conn));
  return executeOn(*lease, sql, params);
}

Result<Rows> PostgresStore::query(std::string_view sql, std::span<const Value> params) {
  PHAROS_ASSIGN_OR_RETURN(ConnectionPtr conn, acquire());
  Lease lease(*this, std::move(conn));
  return queryOn(*lease, sql, params);
}

Status PostgresStore::transaction(const std::function<Status(Session&)>& work) {
  PHAROS_ASSIGN_OR_RETURN(ConnectionPtr conn, acquire());
  Lease lease(*this, std::move(conn));
  Status result = okStatus();
  for (int attempt = 1; attempt <= options_.transactionAttempts; ++attempt) {
    PHAROS_TRY(lease->runSimple("BEGIN ISOLATION LEVEL SERIALIZABLE"));
    TransactionSession session(*lease);
    result = work(session);
    if (result.ok()) result = lease->runSimple("COMMIT");
    if (result.ok()) return result;
    bool conflict = lease->lastFailureWasConflict();
    if (!lease->healthy()) return result;
    lease->runSimple("ROLLBACK").ignore();
    if (!conflict) return result;
    // Both sides of a conflict retrying in lockstep would collide again.
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt * 3));
  }
  return result;
}

Status PostgresStore::migrate(const MigrationSet& set) {
  // One migrator at a time across every process on this database: two running the same DDL
  // at once collide in PostgreSQL's catalog ("relation already exists") even with IF NOT
  // EXISTS. The lock is held by a connection of its own, outside the pool, so the migration's
  // transactions can use every pooled one; closing it releases the lock whatever happens.
  PHAROS_ASSIGN_OR_RETURN(auto holder, connect());
  PHAROS_TRY(holder->runSimple("SELECT pg_advisory_lock(" + std::to_string(kMigrationLock) + ")"));
  return applyMigrations(*this, set);
}

Result<int> PostgresStore::schemaVersion(std::string_view component) {
  return appliedVersion(*this, component);
}

Status PostgresStore::ping() {
  PHAROS_ASSIGN_OR_RETURN(Rows rows, query("SELECT 1"));
  return okStatus();
}

}  // namespace pharos::store
