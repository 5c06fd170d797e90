#pragma once

// A throw-away PostgreSQL server for tests: Debian's binaries, a fresh cluster in a temp
// directory, listening on a free loopback port, stopped (and removed) at the end. When the
// tests run as root, the server runs as the `postgres` user, which PostgreSQL insists on.

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e/process.h"
#include "fakes/free_port.h"
#include "fakes/temp_dir.h"

namespace pharos::testing {

// Runs `sql` on the database `conninfo` reaches; a failure fails the test.
inline void executeOn(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(conn, sql.c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
}

// A new, empty database `name` on the server `conninfo` reaches; returns its conninfo (libpq
// takes the last of a repeated keyword).
inline std::string createDatabaseOn(const std::string& conninfo, const std::string& name) {
  executeOn(conninfo, "CREATE DATABASE " + name);
  return conninfo + " dbname=" + name;
}

// Drops database `name`, closing the connections still open to it.
inline void dropDatabaseOn(const std::string& conninfo, const std::string& name) {
  executeOn(conninfo, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

class PostgresServer {
 public:
  PostgresServer() {
    bin_ = binDir();
    if (bin_.empty()) {
      ADD_FAILURE() << "PostgreSQL's server binaries are missing (/usr/lib/postgresql/*/bin); "
                       "scripts/setup.sh installs the postgresql package";
      return;
    }
    std::filesystem::path data = dir_.path() / "data";
    if (::geteuid() == 0) {
      passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) {
        ADD_FAILURE() << "running as root, but there is no `postgres` user to run the server as";
        return;
      }
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      if (::chown(dir_.path().c_str(), uid_, gid_) != 0) ADD_FAILURE() << "chown failed";
    }
    auto [rc, out] = run(asServer({(bin_ / "initdb").string(), "-D", data.string(), "-A", "trust",
                                   "-U", "pharos", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"}));
    if (rc != 0) {
      ADD_FAILURE() << "initdb failed: " << out;
      return;
    }
    port_ = freeLoopbackPort();
    start();
  }

  ~PostgresServer() { stop(); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool ok() const { return server_ != nullptr; }
  uint16_t port() const { return port_; }

  std::string conninfo(const std::string& database = "postgres") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=pharos dbname=" + database +
           " connect_timeout=5";
  }

  // A new, empty database; returns its conninfo.
  std::string createDatabase() {
    return createDatabaseOn(conninfo(), "t" + std::to_string(++databases_));
  }

  // Fast shutdown (SIGINT): clients are disconnected, the data stays.
  void stop() {
    if (server_ == nullptr) return;
    server_->signalAndWait(SIGINT, std::chrono::seconds(30));
    server_.reset();
  }
  // The server dies at once, as in a crash; it recovers from its WAL at the next start.
  void kill() {
    if (server_ == nullptr) return;
    server_->signalAndWait(SIGKILL, std::chrono::seconds(10));
    server_.reset();
    // The postmaster's children notice it is gone and exit; wait so the port is free.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }

  void start() {
    std::filesystem::path data = dir_.path() / "data";
    server_ = std::make_unique<Process>(asServer(
        {(bin_ / "postgres").string(), "-D", data.string(), "-p", std::to_string(port_), "-k",
         dir_.path().string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
         "full_page_writes=off", "-c", "shared_buffers=32MB", "-c", "max_connections=200"}));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (PQping(conninfo().c_str()) != PQPING_OK) {
      if (std::chrono::steady_clock::now() > deadline || !server_->running()) {
        ADD_FAILURE() << "PostgreSQL did not start: " << server_->output();
        server_.reset();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

 private:
  static std::filesystem::path binDir() {
    std::vector<std::filesystem::path> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      if (std::filesystem::exists(entry.path() / "bin" / "postgres")) found.push_back(entry.path());
    }
    if (found.empty()) return {};
    std::sort(found.begin(), found.end());
    return found.back() / "bin";
  }

  // setpriv execs the server in place (no process in between), so signals reach it.
  std::vector<std::string> asServer(std::vector<std::string> args) const {
    if (uid_ == 0) return args;
    std::vector<std::string> out{"/usr/bin/setpriv", "--reuid=" + std::to_string(uid_),
                                 "--regid=" + std::to_string(gid_), "--clear-groups", "--"};
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }

  TempDir dir_;
  std::filesystem::path bin_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  uint16_t port_ = 0;
  int databases_ = 0;
  std::unique_ptr<Process> server_;
};

}  // namespace pharos::testing
