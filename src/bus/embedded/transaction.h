#pragma once

#include "core/result.h"
#include "sqlite/connection.h"

namespace pharos::bus {

// A write transaction (BEGIN IMMEDIATE) that rolls back unless commit() succeeded, so every
// early return through PHAROS_TRY leaves the connection clean for the next caller.
class Transaction {
 public:
  static Result<Transaction> begin(sqlite::Connection& conn) {
    PHAROS_TRY(conn.begin());
    return Transaction(conn);
  }
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() {
    if (conn_ != nullptr) conn_->rollback().ignore();  // already failing; the first error wins
  }

  Status commit() {
    sqlite::Connection* conn = conn_;
    conn_ = nullptr;
    Status committed = conn->commit();
    // A failed COMMIT can leave the transaction open (e.g. SQLITE_BUSY): end it here.
    if (!committed.ok()) conn->rollback().ignore();
    return committed;
  }

 private:
  explicit Transaction(sqlite::Connection& conn) : conn_(&conn) {}
  sqlite::Connection* conn_;
};

}  // namespace pharos::bus
