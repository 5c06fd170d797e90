#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"
#include "store/schema.h"

namespace pharos::store {

// Bytes that are stored as a BLOB (bytea), as opposed to text.
struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

using Value = std::variant<std::nullptr_t, int64_t, double, std::string, Blob>;

// One result row. Accessors do not convert between types: asking for the wrong type is a bug
// in the caller's SQL and aborts, like Result::value() on an error.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool isNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(values_.at(i)); }
  int64_t integer(size_t i) const { return std::get<int64_t>(values_.at(i)); }
  double real(size_t i) const { return std::get<double>(values_.at(i)); }
  const std::string& text(size_t i) const { return std::get<std::string>(values_.at(i)); }
  const std::string& blob(size_t i) const { return std::get<Blob>(values_.at(i)).bytes; }
  const Value& at(size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;
using Params = std::initializer_list<Value>;

// Runs SQL. Statements are written in the subset SQLite and PostgreSQL share, with parameters
// spelled $1, $2, … so one statement serves both backends.
class Session {
 public:
  virtual ~Session() = default;
  // Returns the number of rows changed.
  virtual Result<int64_t> execute(std::string_view sql, std::span<const Value> params) = 0;
  virtual Result<Rows> query(std::string_view sql, std::span<const Value> params) = 0;

  Result<int64_t> execute(std::string_view sql, Params params = {}) {
    return execute(sql, std::span<const Value>(params.begin(), params.size()));
  }
  Result<Rows> query(std::string_view sql, Params params = {}) {
    return query(sql, std::span<const Value>(params.begin(), params.size()));
  }
};

// Tables with secondary indexes, DynamoDB-with-GSI style, on a relational engine. Writes
// outside a transaction are each their own durable transaction. Thread-safe.
class Store : public Session {
 public:
  using Session::execute;
  using Session::query;

  // Runs `work` in one transaction: committed (durably) if it returns ok, rolled back if it
  // returns an error, which is then returned. `work` must not call back into this Store.
  virtual Status transaction(const std::function<Status(Session&)>& work) = 0;

  // Applies the pending migrations of one component, each in its own transaction. Refuses
  // (kFailedPrecondition) a database whose schema is newer than `set` knows.
  virtual Status migrate(const MigrationSet& set) = 0;
  // The highest applied migration of `component`, 0 when none.
  virtual Result<int> schemaVersion(std::string_view component) = 0;

  // Cheap liveness check for /readyz.
  virtual Status ping() = 0;
  virtual Dialect dialect() const = 0;
};

using StorePtr = std::unique_ptr<Store>;

}  // namespace pharos::store
