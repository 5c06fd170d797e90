#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backup/backup_catalog.h"
#include "backup/backup_writer.h"
#include "crypto/keyring.h"
#include "crypto/master_key.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "objects/local/local_object_store.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::backup::testing {

namespace fs = std::filesystem;

// A raw SQLite connection for the tests' own databases, in WAL mode like the server's.
class TestDb {
 public:
  explicit TestDb(const fs::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) std::abort();
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
  }
  ~TestDb() { sqlite3_close_v2(db_); }
  TestDb(const TestDb&) = delete;
  TestDb& operator=(const TestDb&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error != nullptr ? error : "?";
      sqlite3_free(error);
      ADD_FAILURE() << sql << ": " << message;
    }
  }
  int64_t scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    int64_t value = -1;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return value;
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return value;
  }
  // Every table's rows, each rendered as text (values in hex with their type), sorted.
  std::map<std::string, std::vector<std::string>> dump() {
    std::map<std::string, std::vector<std::string>> tables;
    std::vector<std::string> names;
    forEach("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name",
            [&](sqlite3_stmt* s) {
              names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
            });
    for (const std::string& name : names) {
      auto& rows = tables[name];
      forEach("SELECT * FROM \"" + name + "\"", [&](sqlite3_stmt* s) {
        std::string row;
        for (int c = 0; c < sqlite3_column_count(s); ++c) {
          row += std::to_string(sqlite3_column_type(s, c)) + ":";
          const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(s, c));
          for (int i = 0; i < sqlite3_column_bytes(s, c); ++i) {
            static const char* hex = "0123456789abcdef";
            row += hex[bytes[i] >> 4];
            row += hex[bytes[i] & 15];
          }
          row += "|";
        }
        rows.push_back(std::move(row));
      });
      std::sort(rows.begin(), rows.end());
    }
    return tables;
  }

 private:
  template <typename Fn>
  void forEach(const std::string& sql, Fn fn) {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW)
      fn(stmt);
    sqlite3_finalize(stmt);
  }
  sqlite3* db_ = nullptr;
};

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void writeFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// Deterministic bytes that zstd cannot shrink much.
inline std::string noise(size_t size, uint64_t seed) {
  std::string out(size, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return out;
}

// A data directory, an object store in its objects/ and a keyring in a store of its own.
class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dataDir);
    auto objectStore = objects::LocalObjectStore::open(dataDir / "objects", clock);
    ASSERT_TRUE(objectStore.ok()) << objectStore.error().toString();
    objects = std::move(objectStore).value();
    auto keys = store::SqliteStore::open(tmp.file("keys.db"));
    ASSERT_TRUE(keys.ok()) << keys.error().toString();
    keyStore = std::move(keys).value();
    auto master = crypto::MasterKey::generate();
    ASSERT_TRUE(master.ok());
    masterText = master->toText().reveal();
    auto ring = crypto::Keyring::open(*keyStore, std::move(master).value(), clock);
    ASSERT_TRUE(ring.ok()) << ring.error().toString();
    keyring = std::move(ring).value();
  }

  // Three databases with rows, metrics-wal and log segments, and an object that must not be
  // backed up.
  void populate() {
    {
      TestDb db(dataDir / "pharos.db");
      db.exec("CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB)");
      db.exec(
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<500) "
          "INSERT INTO items(name, value, payload) SELECT 'item-'||i, i*0.5, randomblob(64) FROM "
          "n");
      db.exec("CREATE TABLE settings(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID");
      db.exec("INSERT INTO settings VALUES ('a','1'),('b',NULL)");
    }
    {
      TestDb db(dataDir / "bus.db");
      db.exec("CREATE TABLE messages(id INTEGER PRIMARY KEY, queue TEXT, body BLOB)");
      db.exec(
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<200) "
          "INSERT INTO messages(queue, body) SELECT 'q'||(i%3), randomblob(100) FROM n");
    }
    {
      TestDb db(dataDir / "metrics.db");
      db.exec("CREATE TABLE samples(series INTEGER, ts INTEGER, v REAL)");
      db.exec(
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<2000) "
          "INSERT INTO samples SELECT i%17, 1700000000000+i*1000, i*1.25 FROM n");
    }
    writeFile(dataDir / "metrics-wal" / "00000001.wal", noise(30000, 1));
    writeFile(dataDir / "logs" / "ingest" / "000001.seg", std::string(50000, 'x') + "end");
    ASSERT_TRUE(objects->put("archive/old", "not part of a backup").ok());
  }

  Result<Manifest> backup(BackupOptions options = {}, const ProgressFn& progress = {}) {
    options.clock = &clock;
    return createBackup(dataDir, *objects, *keyring, options, progress);
  }

  pharos::testing::TempDir tmp;
  fs::path dataDir = tmp.path() / "data";
  pharos::testing::ManualClock clock;
  std::unique_ptr<objects::LocalObjectStore> objects;
  std::unique_ptr<store::SqliteStore> keyStore;
  crypto::KeyringPtr keyring;
  std::string masterText;
};

}  // namespace pharos::backup::testing
