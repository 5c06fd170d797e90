// What only the SQLite store has (its catalogue and query plans, a crash mid-transaction);
// the contract both backends keep is in store_contract_test.cpp.
#include "store/sqlite/sqlite_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "fakes/temp_dir.h"
#include "store_backend_test.h"

namespace pharos::store {
namespace {

std::unique_ptr<SqliteStore> openStore(const std::string& path) {
  auto store = SqliteStore::open(path);
  if (!store.ok()) ADD_FAILURE() << store.error().toString();
  return std::move(store).value();
}

TEST(SqliteStoreTest, MigrationsApplyOnceWithTheirIndexes) {
  testing::TempDir dir;
  {
    auto store = openStore(dir.file("pharos.db"));
    ASSERT_TRUE(store->migrate(itemsV1()).ok());
    EXPECT_EQ(*store->schemaVersion("items"), 1);
    auto idx = store->query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' AND name LIKE "
        "'items_by%' ORDER BY name");
    ASSERT_EQ(idx->size(), 2u);
    EXPECT_EQ(idx->at(0).text(0), "items_by_count");
    // The index is used by the query planner for owner lookups.
    auto plan = store->query("EXPLAIN QUERY PLAN SELECT id FROM items WHERE owner = 'x'");
    EXPECT_NE(plan->at(0).text(3).find("items_by_owner"), std::string::npos) << plan->at(0).text(3);
  }
  auto store = openStore(dir.file("pharos.db"));
  ASSERT_TRUE(store->migrate(itemsV2()).ok());  // applies only v2
  EXPECT_EQ(*store->schemaVersion("items"), 2);
  ASSERT_TRUE(store->execute("INSERT INTO items (id, owner, count) VALUES ('a', 'x', 1)").ok());
  EXPECT_EQ(
      store->execute("INSERT INTO items (id, owner, count) VALUES ('b', 'x', 1)").error().code,
      ErrorCode::kAlreadyExists);
  auto applied = store->query(
      "SELECT version FROM _schema_migrations WHERE component = 'items' ORDER BY version");
  ASSERT_EQ(applied->size(), 2u);
}

TEST(SqliteStoreTest, KillMidTransactionKeepsWholeTransactionsOnly) {
  testing::TempDir dir;
  std::string path = dir.file("pharos.db");
  {
    auto store = openStore(path);
    ASSERT_TRUE(store->migrate(itemsV1()).ok());
  }
  constexpr int kBatch = 50;
  for (int round = 0; round < 3; ++round) {
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(ready[0]);
      auto opened = SqliteStore::open(path);
      if (!opened.ok()) _exit(2);
      auto& store = *opened;
      bool signalled = false;
      for (int64_t b = 0;; ++b) {
        Status s = store->transaction([&](Session& sess) -> Status {
          for (int i = 0; i < kBatch; ++i) {
            std::string id =
                std::to_string(round) + "-" + std::to_string(b) + "-" + std::to_string(i);
            PHAROS_TRY(
                sess.execute("INSERT INTO items (id, owner, count) VALUES ($1, 'k', $2)", {id, b}));
            // Tell the parent we are inside an open transaction with rows written.
            if (!signalled && b == 3 && i == kBatch / 2) {
              signalled = true;
              if (write(ready[1], "x", 1) != 1) _exit(3);
              usleep(20'000);
            }
          }
          return okStatus();
        });
        if (!s.ok()) _exit(4);
      }
    }
    close(ready[1]);
    char c;
    ASSERT_EQ(read(ready[0], &c, 1), 1);
    usleep(static_cast<useconds_t>(round * 3'000));  // round 0: mid-transaction for sure
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    close(ready[0]);
    ASSERT_TRUE(WIFSIGNALED(status));

    auto store = openStore(path);
    auto integrity = store->query("PRAGMA integrity_check");
    ASSERT_TRUE(integrity.ok());
    EXPECT_EQ(integrity->at(0).text(0), "ok");
    auto rows =
        store->query("SELECT count(*) FROM items WHERE id LIKE $1", {std::to_string(round) + "-%"});
    int64_t n = rows->at(0).integer(0);
    EXPECT_EQ(n % kBatch, 0) << "a partial transaction survived: " << n << " rows";
    EXPECT_GE(n, 3 * kBatch);  // the three batches committed before the signal
  }
}

}  // namespace
}  // namespace pharos::store
