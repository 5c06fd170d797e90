#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/secret.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"

namespace pharos::store {

struct PostgresStoreOptions {
  // A libpq connection string or URL ("postgresql://pharos@db:5432/pharos?sslmode=require").
  // It may hold a password, so it is never logged or put in an error.
  Secret conninfo;
  // Connections opened on demand up to this many; a caller waits for a free one up to
  // acquireTimeout and then gets a retryable kUnavailable.
  size_t poolSize = 8;
  Millis acquireTimeout{5'000};
  // A transaction that loses a serialization conflict runs again this many times in all.
  int transactionAttempts = 5;
  // When set, the tables live in this schema (created if missing) instead of the connection's
  // default: one database holding what processes must not share (each node's metrics).
  // Lower-case letters, digits and '_' only.
  std::string schema;
};

// The Store on PostgreSQL (or a database that speaks its wire protocol and dialect).
//
// Statements are the same portable strings the SQLite store runs; each connection prepares a
// statement once and then only binds and executes it. Transactions are SERIALIZABLE, which is
// what SQLite's single writer gives, so code written against one behaves the same on the other;
// the price is that PostgreSQL may abort one of two conflicting transactions, and then `work`
// runs again (see transaction()).
class PostgresStore final : public Store {
 public:
  // Connects once to check the server is there (kUnavailable naming host and port if not).
  static Result<std::unique_ptr<PostgresStore>> open(PostgresStoreOptions options);
  ~PostgresStore() override;

  using Store::execute;
  using Store::query;

  Result<int64_t> execute(std::string_view sql, std::span<const Value> params) override;
  Result<Rows> query(std::string_view sql, std::span<const Value> params) override;
  // `work` may run more than once: after a serialization failure or deadlock the transaction
  // is rolled back and tried again, up to transactionAttempts. It must only act through the
  // Session it is given (or reset what it collects at its start).
  Status transaction(const std::function<Status(Session&)>& work) override;
  // Processes migrating at once take turns (an advisory lock); each finds what the one
  // before applied.
  Status migrate(const MigrationSet& set) override;
  Result<int> schemaVersion(std::string_view component) override;
  Status ping() override;
  Dialect dialect() const override { return Dialect::kPostgres; }

  // For /metrics and tests: connections open now, and those idle among them.
  size_t openConnections() const;
  size_t idleConnections() const;

 private:
  using ConnectionPtr = std::unique_ptr<postgres::PgConnection>;
  class Lease;

  explicit PostgresStore(PostgresStoreOptions options) : options_(std::move(options)) {}
  Result<ConnectionPtr> acquire();
  // A new connection, in options_.schema when one is set.
  Result<ConnectionPtr> connect();
  void release(ConnectionPtr conn);

  PostgresStoreOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<ConnectionPtr> idle_;
  size_t open_ = 0;  // idle plus leased
};

}  // namespace pharos::store
