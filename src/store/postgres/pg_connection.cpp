#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <fmt/format.h>

#include "store/postgres/pg_values.h"

namespace pharos::store::postgres {
namespace {

void ignoreNotice(void*, const char*) {}

// Where a connection goes, without anything secret (the conninfo may carry a password).
std::string serverName(const PGconn* conn) {
  const char* host = PQhost(conn);
  const char* port = PQport(conn);
  return fmt::format("postgres {}:{}", host != nullptr ? host : "?", port != nullptr ? port : "?");
}

// libpq's messages end with a newline and sometimes carry a second line of detail.
std::string trimmed(const char* message) {
  std::string out = message != nullptr ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

}  // namespace

void ResultDeleter::operator()(pg_result* r) const {
  PQclear(r);
}

Error errorFromState(std::string_view state, std::string message, std::string context) {
  auto cls = state.substr(0, std::min<size_t>(2, state.size()));
  if (state == "23505") return makeError(ErrorCode::kAlreadyExists, message, context);
  if (state == "40001" || state == "40P01" || cls == "08" || state == "57P01" || state == "57P02" ||
      state == "57P03" || state == "53300") {
    return retryableError(ErrorCode::kUnavailable, message, context);
  }
  if (state == "57014") return retryableError(ErrorCode::kDeadlineExceeded, message, context);
  if (state == "53100") return makeError(ErrorCode::kIo, message, context);
  if (state == "XX001" || state == "XX002")
    return makeError(ErrorCode::kDataLoss, message, context);
  if (cls == "23" || cls == "22" || cls == "42") {
    return makeError(ErrorCode::kInvalidArgument, message, context);
  }
  if (cls == "25") return makeError(ErrorCode::kFailedPrecondition, message, context);
  return makeError(ErrorCode::kInternal, message, context);
}

Result<std::unique_ptr<PgConnection>> PgConnection::open(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return makeError(ErrorCode::kInternal, "libpq could not allocate");
  if (PQstatus(conn) != CONNECTION_OK) {
    Error e = retryableError(ErrorCode::kUnavailable,
                             "cannot connect: " + trimmed(PQerrorMessage(conn)), serverName(conn));
    PQfinish(conn);
    return e;
  }
  PQsetNoticeProcessor(conn, ignoreNotice, nullptr);
  auto out = std::unique_ptr<PgConnection>(new PgConnection(conn));
  // Times are stored as integers, so the session's zone never matters; notices ("relation
  // already exists, skipping") are noise for IF NOT EXISTS.
  PHAROS_TRY(out->runSimple("SET client_min_messages = warning"));
  return out;
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

bool PgConnection::healthy() const {
  return PQstatus(conn_) == CONNECTION_OK;
}

Error PgConnection::lastError(const pg_result* result, std::string_view sql) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view code = state != nullptr ? state : "";
  lastFailureWasConflict_ = code == "40001" || code == "40P01";
  std::string message =
      trimmed(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (message.empty()) message = trimmed(PQerrorMessage(conn_));
  std::string context =
      sql.size() > 120 ? std::string(sql.substr(0, 117)) + "..." : std::string(sql);
  if (state == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    return retryableError(ErrorCode::kUnavailable, "lost the connection: " + message,
                          serverName(conn_));
  }
  return errorFromState(state, std::move(message), std::move(context));
}

Status PgConnection::runSimple(std::string_view sql) {
  lastFailureWasConflict_ = false;
  PgResult r(PQexec(conn_, std::string(sql).c_str()));
  ExecStatusType st = r != nullptr ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return lastError(r.get(), sql);
  return okStatus();
}

Result<std::string> PgConnection::prepared(std::string_view sql, const EncodedParams& encoded) {
  std::string key = encoded.signature;
  key += '\n';
  key += sql;
  if (auto it = statements_.find(key); it != statements_.end()) return it->second;
  if (statements_.size() >= kMaxPreparedStatements) {
    PHAROS_TRY(runSimple("DEALLOCATE ALL"));
    statements_.clear();
  }
  std::string name = fmt::format("s{}", nextStatement_++);
  PgResult r(PQprepare(conn_, name.c_str(), std::string(sql).c_str(),
                       static_cast<int>(encoded.types.size()), encoded.types.data()));
  if (r == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) return lastError(r.get(), sql);
  statements_.emplace(std::move(key), name);
  return name;
}

Result<PgResult> PgConnection::run(std::string_view sql, std::span<const Value> params) {
  lastFailureWasConflict_ = false;
  const EncodedParams encoded = encodeParams(params);
  PHAROS_ASSIGN_OR_RETURN(std::string name, prepared(sql, encoded));
  PgResult r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(encoded.values.size()),
                            encoded.values.data(), encoded.lengths.data(), encoded.formats.data(),
                            0));
  ExecStatusType st = r != nullptr ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return lastError(r.get(), sql);
  return r;
}

}  // namespace pharos::store::postgres
