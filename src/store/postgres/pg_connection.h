#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "store/store.h"

struct pg_conn;
struct pg_result;

namespace pharos::store::postgres {

struct EncodedParams;

// A PGresult that frees itself.
struct ResultDeleter {
  void operator()(pg_result* r) const;
};
using PgResult = std::unique_ptr<pg_result, ResultDeleter>;

// The SQLSTATE of a failed statement mapped to our codes: unique violations are
// kAlreadyExists, serialization failures and deadlocks are retryable kUnavailable (the
// transaction may be run again), a lost connection is retryable kUnavailable, SQL errors are
// kInvalidArgument.
Error errorFromState(std::string_view sqlState, std::string message, std::string context);

// One libpq connection with a cache of prepared statements, keyed by the SQL and the types of
// its parameters (a statement prepared with $1 as bigint cannot take a null typed as text).
// Not thread-safe: the pool hands it to one caller at a time.
class PgConnection {
 public:
  static Result<std::unique_ptr<PgConnection>> open(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement with parameters through the statement cache.
  Result<PgResult> run(std::string_view sql, std::span<const Value> params);
  // Runs SQL text without parameters and without preparing it (BEGIN, COMMIT, SET …).
  Status runSimple(std::string_view sql);

  // False once the server has gone away; the pool then drops this connection.
  bool healthy() const;
  // Whether the last failed statement lost a serialization conflict or a deadlock: the
  // transaction it was in can be run again.
  bool lastFailureWasConflict() const { return lastFailureWasConflict_; }

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  Result<std::string> prepared(std::string_view sql, const EncodedParams& encoded);
  Error lastError(const pg_result* result, std::string_view sql);

  pg_conn* conn_;
  std::unordered_map<std::string, std::string> statements_;  // cache key -> statement name
  uint64_t nextStatement_ = 0;
  bool lastFailureWasConflict_ = false;
};

// How many prepared statements one connection keeps before it forgets them all (DEALLOCATE
// ALL): the product's statements are a few hundred fixed strings, so this only trips on SQL
// built from data.
inline constexpr size_t kMaxPreparedStatements = 1024;

}  // namespace pharos::store::postgres
