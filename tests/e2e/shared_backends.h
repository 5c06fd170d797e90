#pragma once

// The end-to-end suite's second run (registered as shared.e2e.*, PHAROS_TEST_SHARED_BACKENDS=1):
// every `pharos serve` a test starts through Server keeps its store in PostgreSQL, its bus in
// NATS JetStream and its objects in S3 instead of its data directory. Each test runs in a
// process of its own (CTest), and each process gets one database on the run's PostgreSQL server
// (the test_postgres fixture), one nats-server and one s3rver: tests are isolated from each
// other, while the servers of one test (a restart, a second data directory) are one
// installation, as on a real deployment.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "fakes/http_client.h"

#if defined(PHAROS_HAVE_POSTGRES) && defined(PHAROS_HAVE_NATS) && defined(PHAROS_HAVE_S3)
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "bus/nats_server.h"
#include "fakes/postgres_server.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "objects/s3_server.h"
#define PHAROS_E2E_SHARED_BACKENDS 1
#endif

namespace pharos::testing {

// Any 64 hex digits: every process of one installation on shared backends is given the same
// master key (PHAROS_MASTER_KEY).
inline constexpr char kSharedMasterKey[] =
    "6d2f0c7a1b9e4d3f8a5c2e7b0d1f4a6c9e3b8d2f5a7c1e4b6d9f0a3c5e8b2d7f";

inline bool testsRunOnSharedBackends() {
  const char* flag = std::getenv("PHAROS_TEST_SHARED_BACKENDS");
  return flag != nullptr && std::string(flag) == "1";
}

#ifdef PHAROS_E2E_SHARED_BACKENDS

class SharedBackends {
 public:
  // Started on first use, stopped when the test process exits.
  static SharedBackends& instance() {
    static SharedBackends backends;
    return backends;
  }

  // `yaml` with the store, bus and objects on the shared backends, unless the test chose a
  // backend for one itself.
  std::string withBackends(std::string yaml) const {
    if (!yaml.empty() && yaml.back() != '\n') yaml += '\n';
    addToSection(yaml, "store", {"backend: postgres", "url: ${PHAROS_TEST_PG}"});
    addToSection(yaml, "bus", {"backend: nats", "servers: [" + nats_.url() + "]"});
    addToSection(yaml, "objects",
                 {"backend: s3", "s3:", "  endpoint: " + s3_.endpoint(), "  bucket: pharos",
                  "  access_key_id: S3RVER", "  secret_access_key: ${PHAROS_TEST_S3_SECRET}"});
    return yaml;
  }

  // What the sections above read from the environment, and the installation's master key.
  std::vector<std::string> env() const {
    return {"PHAROS_TEST_PG=" + conninfo_,
            std::string("PHAROS_TEST_S3_SECRET=") + objects::testing::S3TestServer::kSecret,
            std::string("PHAROS_MASTER_KEY=") + kSharedMasterKey};
  }

  // Every row of every table in the installation's database as text (a bytea in hex), for a
  // test that looks for what must never be stored in the clear.
  std::string databaseText() const {
    std::string out;
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    PGresult* tables = PQexec(conn,
                              "SELECT format('%I.%I', table_schema, table_name) FROM "
                              "information_schema.tables WHERE table_type = 'BASE TABLE' AND "
                              "table_schema NOT IN ('pg_catalog', 'information_schema')");
    EXPECT_EQ(PQresultStatus(tables), PGRES_TUPLES_OK) << PQerrorMessage(conn);
    for (int i = 0; i < PQntuples(tables); ++i) {
      std::string table = PQgetvalue(tables, i, 0);
      PGresult* rows = PQexec(conn, ("SELECT t::text FROM " + table + " t").c_str());
      EXPECT_EQ(PQresultStatus(rows), PGRES_TUPLES_OK) << table << ": " << PQerrorMessage(conn);
      for (int j = 0; j < PQntuples(rows); ++j)
        out += table + ": " + PQgetvalue(rows, j, 0) + "\n";
      PQclear(rows);
    }
    PQclear(tables);
    PQfinish(conn);
    return out;
  }

  // A config file for a server started with `config` (empty: none): the test's file itself when
  // it already names all three backends, else a copy with the missing ones added.
  std::string configFor(const std::string& config) {
    std::string yaml;
    if (!config.empty()) {
      std::ifstream in(config);
      std::stringstream text;
      text << in.rdbuf();
      yaml = text.str();
    }
    std::string merged = withBackends(yaml);
    if (merged == yaml) return config;
    std::string file = dir_.file("serve-" + std::to_string(++configs_) + ".yaml");
    std::ofstream(file) << merged;
    return file;
  }

 private:
  // Puts `lines` into the top-level section `name`: a new section when there is none, else at
  // the head of the test's block section (with its indentation) unless that names a backend.
  // A section written inline is left alone: the loader refuses a key given twice.
  static void addToSection(std::string& yaml, const std::string& name,
                           const std::vector<std::string>& lines) {
    std::smatch header;
    if (!std::regex_search(yaml, std::regex("(^|\n)" + name + "[ \t]*:"))) {
      yaml += name + ":\n";
      for (const std::string& line : lines)
        yaml += "  " + line + "\n";
      return;
    }
    if (!std::regex_search(yaml, header, std::regex("(^|\n)" + name + ":[ \t]*(#.*)?\n"))) return;
    // The section's body: the indented (or blank) lines after its header.
    const size_t body = static_cast<size_t>(header.position(0) + header.length(0));
    size_t end = body;
    while (end < yaml.size() && (yaml[end] == ' ' || yaml[end] == '\t' || yaml[end] == '\n')) {
      size_t eol = yaml.find('\n', end);
      end = eol == std::string::npos ? yaml.size() : eol + 1;
    }
    const std::string section = yaml.substr(body, end - body);
    if (std::regex_search(section, std::regex("(^|\n)[ \t]+backend[ \t]*:"))) return;
    std::smatch indent;
    std::string unit = "  ";
    if (std::regex_search(section, indent, std::regex("^[ \t]+"))) unit = indent.str(0);
    std::string added;
    for (const std::string& line : lines)
      added += unit + line + "\n";
    yaml.insert(body, added);
  }

  SharedBackends() {
    EXPECT_TRUE(nats_.available());
    std::string s3Error = s3_.start({"pharos"});
    EXPECT_EQ(s3Error, "");
    serverConninfo_ = testPostgresConninfo();
    if (serverConninfo_.empty()) {
      ADD_FAILURE() << "shared backends need the run's PostgreSQL (PHAROS_TEST_POSTGRES_FILE)";
      return;
    }
    // Test processes run side by side on one server: the pid keeps their databases apart, the
    // time those of a process that died before dropping its own and one that got its pid again.
    database_ = "e2e_" + std::to_string(::getpid()) + "_" + std::to_string(::time(nullptr));
    conninfo_ = createDatabaseOn(serverConninfo_, database_);
  }
  ~SharedBackends() {
    if (!database_.empty()) dropDatabaseOn(serverConninfo_, database_);
  }

  NatsServer nats_;
  objects::testing::S3TestServer s3_;
  TempDir dir_;
  int configs_ = 0;
  std::string serverConninfo_;
  std::string database_;
  std::string conninfo_;
};

#endif

// In the shared run, points `pharos serve`'s arguments and environment at the shared backends:
// its --config (added when it has none) gets the backend sections, and its environment the
// values they read. The test's own environment entries come last, so they win.
inline void useSharedBackends(std::vector<std::string>& args, std::vector<std::string>& env) {
  if (!testsRunOnSharedBackends()) return;
#ifdef PHAROS_E2E_SHARED_BACKENDS
  SharedBackends& backends = SharedBackends::instance();
  auto flag = std::find(args.begin(), args.end(), "--config");
  if (flag != args.end() && flag + 1 != args.end()) {
    flag[1] = backends.configFor(flag[1]);
  } else {
    args.insert(args.end(), {"--config", backends.configFor("")});
  }
  std::vector<std::string> all = backends.env();
  all.insert(all.end(), env.begin(), env.end());
  env = std::move(all);
#else
  ADD_FAILURE() << "PHAROS_TEST_SHARED_BACKENDS is set, but this build lacks a shared backend";
#endif
}

// In the shared run, that the server on `port` says it runs on the three shared backends: a
// run that fell back to the embedded parts unnoticed would pass for what it did not test. (A
// test that picks a backend of its own belongs in the exclusions of tests/e2e/CMakeLists.txt.)
inline void expectSharedBackends(uint16_t port) {
  if (!testsRunOnSharedBackends() || port == 0) return;
  auto ready = httpGet(port, "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_NE(ready->body.find(R"("backends":{"bus":"nats","objects":"s3","store":"postgres"})"),
            std::string::npos)
      << ready->body;
}

// `yaml` as the shared run's servers read it (unchanged in the embedded run): for a test that
// rewrites its config file while the server runs, so a reload reads the backends too.
inline std::string withSharedBackends(std::string yaml) {
#ifdef PHAROS_E2E_SHARED_BACKENDS
  if (testsRunOnSharedBackends()) return SharedBackends::instance().withBackends(std::move(yaml));
#endif
  return yaml;
}

// The shared run's database as text (SharedBackends::databaseText); empty in the embedded run.
inline std::string sharedDatabaseText() {
#ifdef PHAROS_E2E_SHARED_BACKENDS
  if (testsRunOnSharedBackends()) return SharedBackends::instance().databaseText();
#endif
  return {};
}

}  // namespace pharos::testing
