#include "store/sqlite/sqlite_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "fakes/temp_dir.h"

namespace pharos::store {
namespace {

MigrationSet itemsV1() {
  Table items{"items",
              {{"id", ColumnType::kText, false},
               {"owner", ColumnType::kText, false},
               {"score", ColumnType::kReal},
               {"count", ColumnType::kInteger, false, "0"},
               {"payload", ColumnType::kBlob}},
              {"id"},
              {{"items_by_owner", {"owner", "score"}}, {"items_by_count", {"count"}, false}}};
  return MigrationSet{"items", {{1, "create items", {items}, {}}}};
}

MigrationSet itemsV2() {
  MigrationSet set = itemsV1();
  set.migrations.push_back({2,
                            "unique owner+count",
                            {},
                            {"CREATE UNIQUE INDEX items_owner_count ON items (owner, count)"}});
  return set;
}

std::unique_ptr<SqliteStore> openStore(const std::string& path) {
  auto store = SqliteStore::open(path);
  if (!store.ok()) ADD_FAILURE() << store.error().toString();
  return std::move(store).value();
}

TEST(SqliteStoreTest, RoundTripsEveryValueType) {
  testing::TempDir dir;
  auto store = openStore(dir.file("pharos.db"));
  ASSERT_TRUE(store->migrate(itemsV1()).ok());
  std::string binary("\0\1\2", 3);
  auto inserted = store->execute(
      "INSERT INTO items (id, owner, score, count, payload) VALUES ($1, $2, $3, $4, $5)",
      {std::string("a"), std::string("ann"), 2.5, int64_t{7}, Blob{binary}});
  ASSERT_TRUE(inserted.ok()) << inserted.error().toString();
  EXPECT_EQ(*inserted, 1);
  ASSERT_TRUE(store
                  ->execute("INSERT INTO items (id, owner) VALUES ($1, $2)",
                            {std::string("b"), std::string("bob")})
                  .ok());
  auto rows = store->query("SELECT id, score, count, payload FROM items WHERE owner = $1",
                           {std::string("ann")});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const Row& r = rows->at(0);
  EXPECT_EQ(r.text(0), "a");
  EXPECT_DOUBLE_EQ(r.real(1), 2.5);
  EXPECT_EQ(r.integer(2), 7);
  EXPECT_EQ(r.blob(3), binary);
  auto bob = store->query("SELECT score, count FROM items WHERE id = $1", {std::string("b")});
  EXPECT_TRUE(bob->at(0).isNull(0));
  EXPECT_EQ(bob->at(0).integer(1), 0);  // the declared default
}

TEST(SqliteStoreTest, ParametersMayRepeatAndComeOutOfOrder) {
  testing::TempDir dir;
  auto store = openStore(dir.file("pharos.db"));
  ASSERT_TRUE(store->migrate(itemsV1()).ok());
  ASSERT_TRUE(store
                  ->execute("INSERT INTO items (owner, id) VALUES ($2, $1)",
                            {std::string("x"), std::string("olga")})
                  .ok());
  auto rows =
      store->query("SELECT id FROM items WHERE owner = $1 OR id = $1", {std::string("olga")});
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).text(0), "x");
}

TEST(SqliteStoreTest, TransactionCommitsOrRollsBackWhole) {
  testing::TempDir dir;
  auto store = openStore(dir.file("pharos.db"));
  ASSERT_TRUE(store->migrate(itemsV1()).ok());
  Status failed = store->transaction([](Session& s) -> Status {
    PHAROS_TRY(s.execute("INSERT INTO items (id, owner) VALUES ('t1', 'x')"));
    return makeError(ErrorCode::kFailedPrecondition, "changed my mind");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kFailedPrecondition);
  Status ok = store->transaction([](Session& s) -> Status {
    PHAROS_TRY(s.execute("INSERT INTO items (id, owner) VALUES ('t2', 'x')"));
    PHAROS_TRY(s.execute("INSERT INTO items (id, owner) VALUES ('t3', 'x')"));
    return okStatus();
  });
  ASSERT_TRUE(ok.ok());
  auto rows = store->query("SELECT id FROM items ORDER BY id");
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->at(0).text(0), "t2");
}

TEST(SqliteStoreTest, ConstraintViolationsAreTypedErrors) {
  testing::TempDir dir;
  auto store = openStore(dir.file("pharos.db"));
  ASSERT_TRUE(store->migrate(itemsV1()).ok());
  ASSERT_TRUE(store->execute("INSERT INTO items (id, owner) VALUES ('a', 'x')").ok());
  auto dup = store->execute("INSERT INTO items (id, owner) VALUES ('a', 'y')");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  auto notNull = store->execute("INSERT INTO items (id) VALUES ('b')");
  ASSERT_FALSE(notNull.ok());
  EXPECT_EQ(notNull.error().code, ErrorCode::kInvalidArgument);
  auto syntax = store->query("SELECT FROM WHERE");
  EXPECT_FALSE(syntax.ok());
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

TEST(SqliteStoreTest, RefusesADatabaseNewerThanTheBinary) {
  testing::TempDir dir;
  {
    auto store = openStore(dir.file("pharos.db"));
    ASSERT_TRUE(store->migrate(itemsV2()).ok());
  }
  auto store = openStore(dir.file("pharos.db"));
  Status older = store->migrate(itemsV1());
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(older.error().message.find("newer than this binary knows"), std::string::npos);
}

TEST(SqliteStoreTest, FailedMigrationLeavesThePreviousVersion) {
  testing::TempDir dir;
  auto store = openStore(dir.file("pharos.db"));
  MigrationSet broken = itemsV1();
  broken.migrations.push_back(
      {2, "broken", {}, {"CREATE TABLE extra (a TEXT)", "THIS IS NOT SQL"}});
  Status s = store->migrate(broken);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().context.find("migration items v2"), std::string::npos)
      << s.error().toString();
  EXPECT_EQ(*store->schemaVersion("items"), 1);
  auto extra = store->query("SELECT name FROM sqlite_master WHERE name = 'extra'");
  EXPECT_TRUE(extra->empty());  // the half-applied step was rolled back
}

// A child process writes batches in transactions and is killed with SIGKILL at an arbitrary
// point, possibly mid-transaction. Reopened, the file must hold only whole batches.
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
