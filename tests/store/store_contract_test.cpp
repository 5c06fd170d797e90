// The Store contract, run against every backend this build has: the embedded SQLite store
// and, with PHAROS_HAVE_POSTGRES, a real PostgreSQL server started for the test. The same
// portable SQL must mean the same thing on both.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store_backend_test.h"

namespace pharos::store {
namespace {

class StoreContractTest : public StoreBackendTest {};

TEST_P(StoreContractTest, RoundTripsEveryValueType) {
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  std::string binary("\0\1\2\xff'\\", 6);
  auto inserted = store_->execute(
      "INSERT INTO items (id, owner, score, count, payload) VALUES ($1, $2, $3, $4, $5)",
      {std::string("a"), std::string("änn ✓"), 2.5, int64_t{-7}, Blob{binary}});
  ASSERT_TRUE(inserted.ok()) << inserted.error().toString();
  EXPECT_EQ(*inserted, 1);
  ASSERT_TRUE(store_
                  ->execute("INSERT INTO items (id, owner, score, payload) VALUES ($1, $2, $3, $4)",
                            {std::string("b"), std::string("bob"), nullptr, nullptr})
                  .ok());
  auto rows = store_->query("SELECT id, owner, score, count, payload FROM items WHERE id = $1",
                            {std::string("a")});
  ASSERT_TRUE(rows.ok()) << rows.error().toString();
  ASSERT_EQ(rows->size(), 1u);
  const Row& r = rows->at(0);
  EXPECT_EQ(r.text(0), "a");
  EXPECT_EQ(r.text(1), "änn ✓");
  EXPECT_DOUBLE_EQ(r.real(2), 2.5);
  EXPECT_EQ(r.integer(3), -7);
  EXPECT_EQ(r.blob(4), binary);
  auto bob =
      store_->query("SELECT score, count, payload FROM items WHERE id = $1", {std::string("b")});
  EXPECT_TRUE(bob->at(0).isNull(0));
  EXPECT_EQ(bob->at(0).integer(1), 0);  // the declared default
  EXPECT_TRUE(bob->at(0).isNull(2));
}

TEST_P(StoreContractTest, DoublesKeepEveryBit) {
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  const double values[] = {0.1, 1.0 / 3, 1e-300, 123456789.123456789, -0.0, 5e300};
  for (size_t i = 0; i < std::size(values); ++i) {
    ASSERT_TRUE(store_
                    ->execute("INSERT INTO items (id, owner, score) VALUES ($1, 'd', $2)",
                              {std::to_string(i), values[i]})
                    .ok());
  }
  auto rows = store_->query("SELECT id, score FROM items ORDER BY id");
  ASSERT_EQ(rows->size(), std::size(values));
  for (const Row& row : *rows)
    EXPECT_EQ(row.real(1), values[std::stoul(row.text(0))]) << row.text(0);
}

TEST_P(StoreContractTest, AggregatesComeBackAsTheirSqliteTypes) {
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(
        store_
            ->execute("INSERT INTO items (id, owner, score, count) VALUES ($1, 'o', $2, $3)",
                      {std::to_string(i), i * 0.5, int64_t{i}})
            .ok());
  }
  auto rows = store_->query(
      "SELECT COUNT(*), SUM(count), MAX(count), SUM(score), COALESCE(MAX(count), 0) FROM items");
  ASSERT_TRUE(rows.ok()) << rows.error().toString();
  const Row& r = rows->at(0);
  EXPECT_EQ(r.integer(0), 4);
  EXPECT_EQ(r.integer(1), 10);  // SUM over integers is an integer on both
  EXPECT_EQ(r.integer(2), 4);
  EXPECT_DOUBLE_EQ(r.real(3), 5.0);
  EXPECT_EQ(r.integer(4), 4);
}

TEST_P(StoreContractTest, ParametersMayRepeatAndComeOutOfOrder) {
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  ASSERT_TRUE(store_
                  ->execute("INSERT INTO items (owner, id) VALUES ($2, $1)",
                            {std::string("x"), std::string("olga")})
                  .ok());
  auto rows =
      store_->query("SELECT id FROM items WHERE owner = $1 OR id = $1", {std::string("olga")});
  ASSERT_TRUE(rows.ok()) << rows.error().toString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).text(0), "x");
}

TEST_P(StoreContractTest, OneStatementTakesANullOrAValue) {
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  // The same SQL with a null, then a double, then an integer for $3: a backend that caches
  // prepared statements must not pin the first call's parameter types.
  const std::string sql = "INSERT INTO items (id, owner, score) VALUES ($1, $2, $3)";
  ASSERT_TRUE(store_->execute(sql, {std::string("1"), std::string("o"), nullptr}).ok());
  ASSERT_TRUE(store_->execute(sql, {std::string("2"), std::string("o"), 1.5}).ok());
  auto third = store_->execute(sql, {std::string("3"), std::string("o"), int64_t{2}});
  ASSERT_TRUE(third.ok()) << third.error().toString();
  EXPECT_EQ(count("SELECT COUNT(*) FROM items WHERE score IS NOT NULL"), 2);
}

TEST_P(StoreContractTest, TransactionCommitsOrRollsBackWhole) {
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  Status failed = store_->transaction([](Session& s) -> Status {
    PHAROS_TRY(s.execute("INSERT INTO items (id, owner) VALUES ('t1', 'x')"));
    return makeError(ErrorCode::kFailedPrecondition, "changed my mind");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kFailedPrecondition);
  Status ok = store_->transaction([](Session& s) -> Status {
    PHAROS_TRY(s.execute("INSERT INTO items (id, owner) VALUES ('t2', 'x')"));
    PHAROS_TRY(s.execute("INSERT INTO items (id, owner) VALUES ('t3', 'x')"));
    return okStatus();
  });
  ASSERT_TRUE(ok.ok()) << ok.error().toString();
  auto rows = store_->query("SELECT id FROM items ORDER BY id");
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->at(0).text(0), "t2");
  // A failed statement inside the work rolls everything back too, and the store stays usable.
  Status broken = store_->transaction([](Session& s) -> Status {
    PHAROS_TRY(s.execute("INSERT INTO items (id, owner) VALUES ('t4', 'x')"));
    PHAROS_TRY(s.execute("INSERT INTO items (id, owner) VALUES ('t2', 'dup')"));
    return okStatus();
  });
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(count("SELECT COUNT(*) FROM items"), 2);
}

TEST_P(StoreContractTest, ConstraintViolationsAreTypedErrors) {
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  ASSERT_TRUE(store_->execute("INSERT INTO items (id, owner) VALUES ('a', 'x')").ok());
  auto dup = store_->execute("INSERT INTO items (id, owner) VALUES ('a', 'y')");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  auto notNull = store_->execute("INSERT INTO items (id) VALUES ('b')");
  ASSERT_FALSE(notNull.ok());
  EXPECT_EQ(notNull.error().code, ErrorCode::kInvalidArgument);
  auto syntax = store_->query("SELECT FROM WHERE");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, UpsertsWithOnConflictMeanTheSame) {
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  const std::string upsert =
      "INSERT INTO items (id, owner, count) VALUES ($1, $2, $3) "
      "ON CONFLICT (id) DO UPDATE SET count = items.count + excluded.count";
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store_->execute(upsert, {std::string("k"), std::string("o"), int64_t{5}}).ok());
  EXPECT_EQ(count("SELECT count FROM items WHERE id = 'k'"), 15);
}

TEST_P(StoreContractTest, MigrationsApplyOnce) {
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  EXPECT_EQ(*store_->schemaVersion("items"), 1);
  auto other = open();
  ASSERT_TRUE(other->migrate(itemsV2()).ok());  // applies only v2
  EXPECT_EQ(*store_->schemaVersion("items"), 2);
  ASSERT_TRUE(store_->execute("INSERT INTO items (id, owner, count) VALUES ('a', 'x', 1)").ok());
  EXPECT_EQ(
      store_->execute("INSERT INTO items (id, owner, count) VALUES ('b', 'x', 1)").error().code,
      ErrorCode::kAlreadyExists);
  EXPECT_EQ(count("SELECT COUNT(*) FROM _schema_migrations WHERE component = 'items'"), 2);
}

TEST_P(StoreContractTest, TwoProcessesMigratingAtOnceBothEndAtTheLatestVersion) {
  auto other = open();
  std::vector<Status> results(2, okStatus());
  std::thread a([&] { results[0] = store_->migrate(itemsV2()); });
  std::thread b([&] { results[1] = other->migrate(itemsV2()); });
  a.join();
  b.join();
  for (const Status& s : results)
    EXPECT_TRUE(s.ok()) << s.error().toString();
  EXPECT_EQ(*store_->schemaVersion("items"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM _schema_migrations WHERE component = 'items'"), 2);
}

TEST_P(StoreContractTest, RefusesADatabaseNewerThanTheBinary) {
  ASSERT_TRUE(store_->migrate(itemsV2()).ok());
  Status older = open()->migrate(itemsV1());
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(older.error().message.find("newer than this binary knows"), std::string::npos);
}

TEST_P(StoreContractTest, FailedMigrationLeavesThePreviousVersion) {
  MigrationSet broken = itemsV1();
  broken.migrations.push_back(
      {2, "broken", {}, {"CREATE TABLE extra (a TEXT)", "THIS IS NOT SQL"}});
  Status s = store_->migrate(broken);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().context.find("migration items v2"), std::string::npos)
      << s.error().toString();
  EXPECT_EQ(*store_->schemaVersion("items"), 1);
  // The half-applied step was rolled back: the table it created is not there.
  EXPECT_FALSE(store_->query("SELECT COUNT(*) FROM extra").ok());
}

// Read-modify-write in transactions from many threads and two handles: every increment
// lands once. On SQLite the single writer serialises them; on PostgreSQL, SERIALIZABLE aborts
// the loser of each conflict and the store runs its work again.
TEST_P(StoreContractTest, ConcurrentReadModifyWriteTransactionsLoseNoUpdate) {
  ASSERT_TRUE(store_->migrate(itemsV1()).ok());
  ASSERT_TRUE(store_->execute("INSERT INTO items (id, owner, count) VALUES ('c', 'o', 0)").ok());
  auto other = open();
  constexpr int kThreads = 6;
  constexpr int kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store* target = t % 2 == 0 ? store_.get() : other.get();
    threads.emplace_back([target, &failures] {
      for (int i = 0; i < kEach; ++i) {
        Status s = target->transaction([](Session& sess) -> Status {
          PHAROS_ASSIGN_OR_RETURN(Rows rows, sess.query("SELECT count FROM items WHERE id = 'c'"));
          int64_t next = rows.at(0).integer(0) + 1;
          PHAROS_TRY(sess.execute("UPDATE items SET count = $1 WHERE id = 'c'", {next}));
          return okStatus();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads)
    t.join();
  EXPECT_EQ(count("SELECT count FROM items WHERE id = 'c'"), kThreads * kEach - failures.load());
  // A few may give up after every attempt under this much contention; most must land.
  EXPECT_LE(failures.load(), kThreads * kEach / 10);
}

TEST_P(StoreContractTest, PingAnswersAndTheDialectIsNamed) {
  EXPECT_TRUE(store_->ping().ok());
  EXPECT_EQ(store_->dialect(), GetParam() == "postgres" ? Dialect::kPostgres : Dialect::kSqlite);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, kStoreBackends,
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace pharos::store
