// What only the PostgreSQL store has: a connection pool, a server that can go away and come
// back, and a connection string that may hold a password. The shared contract is in
// store_contract_test.cpp.

#ifdef PHAROS_HAVE_POSTGRES

#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "fakes/postgres_server.h"

namespace pharos::store {
namespace {

MigrationSet counters() {
  Table t{"counters",
          {{"id", ColumnType::kText, false}, {"n", ColumnType::kInteger, false, "0"}},
          {"id"},
          {}};
  return MigrationSet{"counters", {{1, "create counters", {t}, {}}}};
}

std::unique_ptr<PostgresStore> openStore(const std::string& conninfo, size_t poolSize = 4,
                                         std::string schema = {}) {
  PostgresStoreOptions o;
  o.conninfo = Secret(conninfo);
  o.poolSize = poolSize;
  o.schema = std::move(schema);
  o.acquireTimeout = Millis(300);
  auto s = PostgresStore::open(std::move(o));
  if (!s.ok()) ADD_FAILURE() << s.error().toString();
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(PostgresStoreTest, ANoServerErrorIsRetryableAndNamesTheServerButNotThePassword) {
  uint16_t port = testing::freeLoopbackPort();
  PostgresStoreOptions o;
  o.conninfo = Secret("host=127.0.0.1 port=" + std::to_string(port) +
                      " user=pharos password=hunter2-secret dbname=x connect_timeout=2");
  auto s = PostgresStore::open(std::move(o));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(s.error().retryable);
  std::string text = s.error().toString();
  EXPECT_NE(text.find(std::to_string(port)), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
}

// Each node's metrics live in a schema of their own on the shared database: the same tables,
// migrations and rows, apart.
TEST(PostgresStoreTest, StoresInTwoSchemasOfOneDatabaseKeepTheirTablesApart) {
  testing::PostgresServer server;
  ASSERT_TRUE(server.ok());
  std::string db = server.createDatabase();
  auto a = openStore(db, 2, "pharos_metrics_aaaa");
  auto b = openStore(db, 2, "pharos_metrics_bbbb");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->migrate(counters()).ok());
  ASSERT_TRUE(b->migrate(counters()).ok());
  ASSERT_TRUE(a->execute("INSERT INTO counters (id, n) VALUES ('x', 1)").ok());
  ASSERT_TRUE(b->execute("INSERT INTO counters (id, n) VALUES ('x', 2)").ok());
  auto inA = a->query("SELECT n FROM counters WHERE id = 'x'");
  auto inB = b->query("SELECT n FROM counters WHERE id = 'x'");
  ASSERT_TRUE(inA.ok() && inB.ok());
  EXPECT_EQ(inA->at(0).integer(0), 1);
  EXPECT_EQ(inB->at(0).integer(0), 2);
  // Opened again (a restart), a schema finds its own rows.
  a.reset();
  auto again = openStore(db, 2, "pharos_metrics_aaaa");
  auto rows = again->query("SELECT n FROM counters");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).integer(0), 1);

  PostgresStoreOptions bad;
  bad.conninfo = Secret(db);
  bad.schema = "x; DROP TABLE counters";
  auto refused = PostgresStore::open(std::move(bad));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
}

TEST(PostgresStoreTest, PoolReusesConnectionsAndPushesBackWhenAllAreBusy) {
  testing::PostgresServer server;
  ASSERT_TRUE(server.ok());
  auto store = openStore(server.createDatabase(), 2);
  ASSERT_TRUE(store->migrate(counters()).ok());
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(store->ping().ok());
  EXPECT_LE(store->openConnections(), 2u);  // 50 calls, connections reused

  // Two transactions hold both connections; a third caller waits, then is told to come back.
  std::atomic<int> holding{0};
  std::atomic<bool> release{false};
  auto hold = [&] {
    store
        ->transaction([&](Session& s) -> Status {
          PHAROS_TRY(s.query("SELECT 1"));
          ++holding;
          while (!release)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          return okStatus();
        })
        .ignore();
  };
  std::thread a(hold), b(hold);
  while (holding < 2)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto start = std::chrono::steady_clock::now();
  Status busy = store->ping();
  auto waited = std::chrono::steady_clock::now() - start;
  release = true;
  a.join();
  b.join();
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(busy.error().retryable);
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_TRUE(store->ping().ok());  // free again
}

// The server restarts (an upgrade, a failover): calls fail with a retryable error while it
// is gone, the pool drops its dead connections, and the next call after it is back works
// without reopening the store. Nothing committed before is lost.
TEST(PostgresStoreTest, RecoversAfterTheServerRestarts) {
  testing::PostgresServer server;
  ASSERT_TRUE(server.ok());
  auto store = openStore(server.createDatabase());
  ASSERT_TRUE(store->migrate(counters()).ok());
  ASSERT_TRUE(store->execute("INSERT INTO counters (id, n) VALUES ('a', 1)").ok());

  server.kill();
  auto down = store->execute("UPDATE counters SET n = n + 1 WHERE id = 'a'");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(down.error().retryable) << down.error().toString();
  EXPECT_FALSE(store->ping().ok());

  server.start();
  ASSERT_TRUE(server.ok());
  auto up = store->execute("UPDATE counters SET n = n + 1 WHERE id = 'a'");
  ASSERT_TRUE(up.ok()) << up.error().toString();
  auto rows = store->query("SELECT n FROM counters WHERE id = 'a'");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->at(0).integer(0), 2);
}

// Writers keep writing while the server is killed and started again: every write that
// returned ok is there afterwards (acknowledged means committed), and writes resume.
TEST(PostgresStoreTest, NoAcknowledgedWriteIsLostAcrossAServerCrash) {
  testing::PostgresServer server;
  ASSERT_TRUE(server.ok());
  auto store = openStore(server.createDatabase());
  ASSERT_TRUE(store->migrate(counters()).ok());
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<int> refused{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      std::string id = "w" + std::to_string(i);
      if (store->execute("INSERT INTO counters (id) VALUES ($1)", {id}).ok()) {
        std::lock_guard lock(mu);
        acknowledged.push_back(id);
      } else {
        ++refused;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server.kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server.start();
  ASSERT_TRUE(server.ok());
  size_t before;
  {
    std::lock_guard lock(mu);
    before = acknowledged.size();
  }
  // Writes resume once the server is back.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::lock_guard lock(mu);
    if (acknowledged.size() > before + 20) break;
  }
  stop = true;
  writer.join();
  EXPECT_GT(refused.load(), 0);  // the crash was noticed
  auto rows = store->query("SELECT id FROM counters");
  ASSERT_TRUE(rows.ok()) << rows.error().toString();
  std::set<std::string> stored;
  for (const Row& r : *rows)
    stored.insert(r.text(0));
  ASSERT_GT(acknowledged.size(), before);
  for (const std::string& id : acknowledged)
    EXPECT_TRUE(stored.count(id)) << id << " was acknowledged but is gone";
}

}  // namespace
}  // namespace pharos::store

#endif  // PHAROS_HAVE_POSTGRES
