#pragma once

// The Store a module's tests run on. By default the embedded SQLite store at `path`. When the
// test run started a PostgreSQL server (tests/tools/test-postgres.sh, a CTest fixture that sets
// PHAROS_TEST_POSTGRES_FILE to the file holding its conninfo), a schema on that server named
// after `path` instead: the same path opens the same schema again (a restart), another path is
// a fresh, empty one. This is how the product's suites run a second time on PostgreSQL.

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "core/result.h"
#include "core/stable_hash.h"
#include "store/sqlite/sqlite_store.h"

#ifdef PHAROS_HAVE_POSTGRES
#include <libpq-fe.h>

#include <fmt/format.h>

#include "store/postgres/postgres_store.h"
#endif

namespace pharos::testing {

// The conninfo of the run's PostgreSQL server, or empty when tests run on SQLite.
inline std::string testPostgresConninfo() {
  const char* file = std::getenv("PHAROS_TEST_POSTGRES_FILE");
  if (file == nullptr || *file == '\0') return {};
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  if (line.empty()) std::abort();  // the fixture promised a server: running on SQLite would lie
  return line;
}

inline bool testsRunOnPostgres() {
  return !testPostgresConninfo().empty();
}

inline Result<std::unique_ptr<store::Store>> openTestStore(const std::string& path) {
#ifdef PHAROS_HAVE_POSTGRES
  std::string conninfo = testPostgresConninfo();
  if (!conninfo.empty()) {
    std::string schema = fmt::format("t{:016x}", stableHash(path));
    PGconn* conn = PQconnectdb(conninfo.c_str());
    PGresult* r = PQexec(conn, ("CREATE SCHEMA IF NOT EXISTS " + schema).c_str());
    bool created = PQresultStatus(r) == PGRES_COMMAND_OK;
    std::string message = PQerrorMessage(conn);
    PQclear(r);
    PQfinish(conn);
    if (!created) return makeError(ErrorCode::kUnavailable, "test schema: " + message, schema);
    store::PostgresStoreOptions o;
    o.conninfo = Secret(conninfo + " options='-c search_path=" + schema + "'");
    o.poolSize = 4;
    PHAROS_ASSIGN_OR_RETURN(auto opened, store::PostgresStore::open(std::move(o)));
    return std::unique_ptr<store::Store>(std::move(opened));
  }
#endif
  PHAROS_ASSIGN_OR_RETURN(auto opened, store::SqliteStore::open(path));
  return std::unique_ptr<store::Store>(std::move(opened));
}

}  // namespace pharos::testing
