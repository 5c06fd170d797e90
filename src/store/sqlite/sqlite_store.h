#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "sqlite/connection.h"
#include "store/store.h"

namespace pharos::store {

struct SqliteStoreOptions {
  Millis busyTimeout{5'000};
  int pageSize = 0;  // for a new file only; see sqlite::OpenOptions
};

// The embedded Store: one SQLite file in WAL mode with synchronous=FULL, so a returned write
// has reached the disk. One connection serialised by a mutex: SQLite allows one writer at a
// time anyway, and the statement cache makes each call a bind and a step.
class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   const SqliteStoreOptions& options = {});

  using Store::execute;
  using Store::query;

  Result<int64_t> execute(std::string_view sql, std::span<const Value> params) override;
  Result<Rows> query(std::string_view sql, std::span<const Value> params) override;
  Status transaction(const std::function<Status(Session&)>& work) override;
  Status migrate(const MigrationSet& set) override;
  Result<int> schemaVersion(std::string_view component) override;
  Status ping() override;
  Dialect dialect() const override { return Dialect::kSqlite; }

 private:
  explicit SqliteStore(sqlite::ConnectionPtr conn) : conn_(std::move(conn)) {}

  std::mutex mutex_;
  sqlite::ConnectionPtr conn_;
};

}  // namespace pharos::store
