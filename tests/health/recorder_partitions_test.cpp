// health_failures on PostgreSQL, partitioned by day of at_ms: a day per partition, pruning
// drops whole days and deletes in the day the cutoff falls in, and a table from before
// partitioning is converted with every row. Skipped on SQLite (recorder_test covers it).
#include <gtest/gtest.h>

#include "fakes/manual_clock.h"
#include "health/health_test_util.h"
#include "health/recorder.h"
#include "health/schema.h"

namespace pharos::health {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;  // 2023-11-14 22:13 UTC
constexpr std::int64_t kDay = store::kMsPerDay;
constexpr std::int64_t kHour = 3'600'000;

class RecorderPartitionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pharos::testing::testsRunOnPostgres()) GTEST_SKIP() << "partitions are PostgreSQL's";
  }

  void fail(const std::string& check, std::int64_t atMs) {
    RecordedResult r;
    r.series = std::make_shared<CheckSeries>(check, Labels{{"check", check}});
    r.at = fromUnixMillis(atMs);
    r.result.ok = false;
    r.result.error = "refused";
    stores_.recorder().add(std::move(r));
  }

  std::int64_t count(const std::string& sql) {
    auto rows = stores_.store().query(sql);
    EXPECT_TRUE(rows.ok()) << rows.error().toString();
    return rows.ok() ? rows->at(0).integer(0) : -1;
  }

  std::int64_t partitions() {
    return count(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass('health_failures')::oid");
  }

  std::size_t failures(const std::string& check) {
    auto rows =
        stores_.recorder().failures(check, fromUnixMillis(0), fromUnixMillis(kNow + kDay), 100'000);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->size() : 0;
  }

  pharos::testing::ManualClock clock_{fromUnixMillis(kNow)};
  testing::HealthStores stores_{clock_};
};

TEST_F(RecorderPartitionsTest, PruneDropsWholeDaysAndDeletesInTheLastOne) {
  ASSERT_NO_FATAL_FAILURE(stores_.open());
  // Every 2 hours for 5 days back: the 9th (partly) to the 14th.
  for (std::int64_t at = kNow - 5 * kDay; at <= kNow; at += 2 * kHour)
    fail("db", at);
  ASSERT_TRUE(stores_.recorder().flush().ok());
  EXPECT_EQ(partitions(), 6);
  EXPECT_EQ(count("SELECT count(*) FROM health_failures_20231111"), 12);
  const std::size_t all = failures("db");
  EXPECT_EQ(all, 61u);
  // The cutoff is 12:00 on the 12th: the 9th to the 11th go whole, the 12th row by row.
  const std::int64_t cutoff = 19'673 * kDay + 12 * kHour;
  const std::string beforeCutoff = " WHERE at_ms < " + std::to_string(cutoff);
  // What prune deletes row by row (and counts): the 12th's failures before the cutoff, and
  // the transitions; the days dropped whole are not counted.
  const std::int64_t rowByRow =
      count("SELECT count(*) FROM health_failures_20231112" + beforeCutoff) +
      count("SELECT count(*) FROM health_transitions" + beforeCutoff);
  auto pruned = stores_.recorder().prune(fromUnixMillis(cutoff));
  ASSERT_TRUE(pruned.ok()) << pruned.error().toString();
  EXPECT_EQ(partitions(), 3);
  EXPECT_EQ(count("SELECT count(*) FROM health_failures" + beforeCutoff), 0);
  EXPECT_EQ(*pruned, rowByRow);
  EXPECT_GT(rowByRow, 0);
  EXPECT_LT(failures("db"), all);
  EXPECT_EQ(count("SELECT min(at_ms) FROM health_failures"), cutoff + 13 * 60'000 + 20'000);
  // A failure on a dropped day (a late flush) makes its partition again.
  fail("db", kNow - 4 * kDay);
  ASSERT_TRUE(stores_.recorder().flush().ok());
  EXPECT_EQ(partitions(), 4);
}

TEST_F(RecorderPartitionsTest, FailuresFromBeforePartitioningAreConverted) {
  {
    // What the previous release made: the plain table with a week of failures in it.
    auto old = pharos::testing::openTestStore(stores_.dir().file("pharos.db"));
    ASSERT_TRUE(old.ok());
    ASSERT_TRUE((*old)->migrate(migrations()).ok());
    for (std::int64_t i = 0; i < 7 * 24; ++i) {
      ASSERT_TRUE((*old)
                      ->execute("INSERT INTO health_failures (check_name, at_ms, reason) VALUES "
                                "($1, $2, 'timeout')",
                                {std::string(i % 2 ? "api" : "db"), kNow - i * kHour})
                      .ok());
    }
  }
  ASSERT_NO_FATAL_FAILURE(stores_.open());
  EXPECT_EQ(count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('health_failures') AND "
                  "relkind = 'p'"),
            1);
  EXPECT_EQ(partitions(), 8);  // 168 hours back from 22:13 on the 14th: the 7th to the 14th
  EXPECT_EQ(failures("db"), 84u);
  EXPECT_EQ(failures("api"), 84u);
  // Writes after the conversion go into its partitions.
  fail("db", kNow + 1000);
  ASSERT_TRUE(stores_.recorder().flush().ok());
  EXPECT_EQ(failures("db"), 85u);
}

}  // namespace
}  // namespace pharos::health
