// Day partitions: names, on-demand creation (two processes racing), retention by DROP, and
// turning an unpartitioned table into a partitioned one. PostgreSQL for all but the names;
// on SQLite the helper must stay out of the way.
#include "store/day_partitions.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "store_backend_test.h"

namespace pharos::store {
namespace {

constexpr std::int64_t kDay = kMsPerDay;
// 2023-11-14, the day of ManualClock's default start.
constexpr std::int64_t kToday = 19'675;

TEST(DayNamesTest, RoundTripAndRejectWhatIsNoDay) {
  EXPECT_EQ(dayName(0), "19700101");
  EXPECT_EQ(dayName(kToday), "20231114");
  EXPECT_EQ(parseDayName("20240229"), std::optional<std::int64_t>(19'782));
  EXPECT_EQ(parseDayName("20230229"), std::nullopt);
  EXPECT_EQ(parseDayName("2023111"), std::nullopt);
  EXPECT_EQ(parseDayName("2023-1-1"), std::nullopt);
  for (std::int64_t d : {-719'528LL, -1LL, 0LL, 59LL, 11'016LL, 19'782LL, 2'932'896LL})
    EXPECT_EQ(parseDayName(*dayName(d)), d) << d;
  EXPECT_EQ(dayName(2'932'897), std::nullopt);  // 10000-01-01
  EXPECT_EQ(dayOfMillis(-1), -1);
  EXPECT_EQ(dayOfMillis(kDay - 1), 0);
  EXPECT_EQ(dayOfMillis(kDay), 1);
}

Table samplesTable() {
  return Table{"samples",
               {{"g", ColumnType::kInteger, false},
                {"t", ColumnType::kInteger, false},
                {"v", ColumnType::kText, false}},
               {"g", "t"},
               {{"samples_by_t", {"t"}}}};
}

PartitionScheme groupedScheme() {
  return PartitionScheme{.parent = "samples", .millisColumn = "t", .groupColumn = "g"};
}

class DayPartitionsTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    for (const std::string& sql : renderTable(samplesTable(), store_->dialect()))
      ASSERT_TRUE(store_->execute(sql).ok());
  }

  bool onPostgres() const { return GetParam() == "postgres"; }

  // The old, unpartitioned table becomes the partitioned one, as a migration does it.
  void partition() {
    Status done = store_->transaction(
        [&](Session& s) { return partitionExistingTable(s, samplesTable(), groupedScheme()); });
    ASSERT_TRUE(done.ok()) << done.error().toString();
  }

  Status insert(DayPartitions& parts, std::int64_t g, std::int64_t t) {
    PartitionKey key = parts.keyOf(g, t);
    return parts.write(std::span(&key, 1), [&](Session& s) -> Status {
      PHAROS_TRY(s.execute("INSERT INTO samples (g, t, v) VALUES ($1, $2, 'x')", {g, t}));
      return okStatus();
    });
  }

  int64_t partitionCount() {
    return count("SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass('samples')::oid");
  }
};

TEST_P(DayPartitionsTest, WritesMakeOnePartitionPerGroupAndDay) {
  if (onPostgres()) {
    ASSERT_NO_FATAL_FAILURE(partition());
  }
  DayPartitions parts(*store_, groupedScheme());
  const std::int64_t t0 = kToday * kDay;
  for (std::int64_t g : {0, 60'000}) {
    for (std::int64_t t : {t0, t0 + 5, t0 + kDay - 1, t0 + kDay, t0 + 3 * kDay + 7}) {
      Status s = insert(parts, g, t);
      ASSERT_TRUE(s.ok()) << s.error().toString();
    }
  }
  EXPECT_EQ(count("SELECT count(*) FROM samples"), 10);
  // Reads across the days' boundaries see every row, in order.
  auto rows = store_->query("SELECT t FROM samples WHERE g = 0 AND t >= $1 ORDER BY t", {t0});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ(rows->back().integer(0), t0 + 3 * kDay + 7);
  auto listed = parts.list();
  ASSERT_TRUE(listed.ok()) << listed.error().toString();
  if (!onPostgres()) {
    EXPECT_TRUE(listed->empty());
    return;
  }
  std::vector<PartitionKey> want{{0, kToday},      {0, kToday + 1},      {0, kToday + 3},
                                 {60'000, kToday}, {60'000, kToday + 1}, {60'000, kToday + 3}};
  EXPECT_EQ(*listed, want);
  EXPECT_EQ(partitionCount(), 6);
  EXPECT_EQ(count("SELECT count(*) FROM samples_60000_20231114"), 3);
}

TEST_P(DayPartitionsTest, RetentionDropsWholeDaysAndKeepsNewerRows) {
  if (!onPostgres()) GTEST_SKIP() << "partitions are PostgreSQL's";
  ASSERT_NO_FATAL_FAILURE(partition());
  DayPartitions parts(*store_, groupedScheme());
  for (std::int64_t day = kToday; day < kToday + 5; ++day) {
    for (std::int64_t i = 0; i < 3; ++i) {
      ASSERT_TRUE(insert(parts, 0, day * kDay + i * 1000).ok());
      ASSERT_TRUE(insert(parts, 1, day * kDay + i * 1000).ok());
    }
  }
  ASSERT_EQ(partitionCount(), 10);
  // A cutoff inside the third day: the first two days of group 0 go whole.
  auto dropped = parts.dropDaysEndingBy(0, (kToday + 2) * kDay + 500, false);
  ASSERT_TRUE(dropped.ok()) << dropped.error().toString();
  EXPECT_EQ(*dropped, 2);
  EXPECT_EQ(partitionCount(), 8);
  EXPECT_EQ(count("SELECT count(*) FROM samples WHERE g = 0"), 9);
  EXPECT_EQ(count("SELECT min(t) FROM samples WHERE g = 0"), (kToday + 2) * kDay);
  EXPECT_EQ(count("SELECT count(*) FROM samples WHERE g = 1"), 15);
  // Only empty ones: none of group 1's is.
  dropped = parts.dropDaysEndingBy(1, (kToday + 5) * kDay, true);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, 0);
  EXPECT_EQ(partitionCount(), 8);
  ASSERT_TRUE(
      store_->execute("DELETE FROM samples WHERE g = 1 AND t < $1", {(kToday + 1) * kDay}).ok());
  dropped = parts.dropDaysEndingBy(1, (kToday + 5) * kDay, true);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, 1);
  EXPECT_EQ(partitionCount(), 7);
  // A write for a dropped day makes it again, though this DayPartitions knew it was there.
  ASSERT_TRUE(insert(parts, 0, kToday * kDay + 1).ok());
  EXPECT_EQ(partitionCount(), 8);
}

TEST_P(DayPartitionsTest, AWriteAfterAnotherProcessDroppedThePartitionMakesItAgain) {
  if (!onPostgres()) GTEST_SKIP() << "partitions are PostgreSQL's";
  ASSERT_NO_FATAL_FAILURE(partition());
  auto other = open();
  DayPartitions mine(*store_, groupedScheme());
  DayPartitions theirs(*other, groupedScheme());
  ASSERT_TRUE(insert(mine, 0, kToday * kDay).ok());
  ASSERT_TRUE(theirs.dropDaysEndingBy(0, (kToday + 1) * kDay, false).ok());
  EXPECT_EQ(partitionCount(), 0);
  Status again = insert(mine, 0, kToday * kDay + 1);
  ASSERT_TRUE(again.ok()) << again.error().toString();
  EXPECT_EQ(count("SELECT count(*) FROM samples"), 1);
}

TEST_P(DayPartitionsTest, TwoWritersRacingToMakeTheSameDayBothSucceed) {
  if (!onPostgres()) GTEST_SKIP() << "partitions are PostgreSQL's";
  ASSERT_NO_FATAL_FAILURE(partition());
  constexpr int kWriters = 4;
  constexpr int kDays = 8;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kWriters; ++i)
    stores.push_back(open());
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      DayPartitions parts(*stores[static_cast<std::size_t>(w)], groupedScheme());
      while (!go.load())
        std::this_thread::yield();
      for (int d = 0; d < kDays; ++d) {
        Status s = insert(parts, 0, (kToday + d) * kDay + w);
        if (!s.ok()) {
          ADD_FAILURE() << s.error().toString();
          ++failures;
        }
      }
    });
  }
  go = true;
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(partitionCount(), kDays);
  EXPECT_EQ(count("SELECT count(*) FROM samples"), kWriters * kDays);
}

TEST_P(DayPartitionsTest, RetentionBehindALongQueryGivesUpInsteadOfStallingTheTable) {
  if (!onPostgres()) GTEST_SKIP() << "partitions are PostgreSQL's";
  ASSERT_NO_FATAL_FAILURE(partition());
  DayPartitions parts(*store_, groupedScheme());
  ASSERT_TRUE(insert(parts, 0, kToday * kDay).ok());
  ASSERT_TRUE(insert(parts, 0, (kToday + 1) * kDay).ok());
  // Another process reads the table in a transaction that lasts 5 s.
  std::unique_ptr<Store> reader = open();
  std::atomic<bool> reading{false};
  std::thread query([&] {
    Status s = reader->transaction([&](Session& session) -> Status {
      PHAROS_TRY(session.query("SELECT count(*) FROM samples"));
      reading = true;
      std::this_thread::sleep_for(std::chrono::seconds(5));
      return okStatus();
    });
    EXPECT_TRUE(s.ok()) << s.error().toString();
  });
  while (!reading.load())
    std::this_thread::yield();
  const auto start = std::chrono::steady_clock::now();
  auto dropped = parts.dropDaysEndingBy(0, (kToday + 1) * kDay, false);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(dropped.ok());
  EXPECT_LT(waited, std::chrono::seconds(4));
  EXPECT_EQ(partitionCount(), 2);
  query.join();
  // Once the query is done, the next pass drops it.
  dropped = parts.dropDaysEndingBy(0, (kToday + 1) * kDay, false);
  ASSERT_TRUE(dropped.ok()) << dropped.error().toString();
  EXPECT_EQ(*dropped, 1);
  EXPECT_EQ(partitionCount(), 1);
}

TEST_P(DayPartitionsTest, PartitioningAnExistingTableKeepsEveryRowAndIndex) {
  if (!onPostgres()) GTEST_SKIP() << "partitions are PostgreSQL's";
  for (std::int64_t i = 0; i < 300; ++i) {
    ASSERT_TRUE(store_
                    ->execute("INSERT INTO samples (g, t, v) VALUES ($1, $2, $3)",
                              {i % 3, (kToday - 10) * kDay + i * 3'600'000, std::to_string(i)})
                    .ok());
  }
  ASSERT_NO_FATAL_FAILURE(partition());
  EXPECT_EQ(count("SELECT count(*) FROM pg_class WHERE relname = 'samples' AND relkind = 'p'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM samples"), 300);
  // 300 hours span 13 days (the first and last partly), for each of 3 groups.
  EXPECT_EQ(partitionCount(), 39);
  EXPECT_EQ(count("SELECT count(*) FROM pg_class WHERE relname = 'samples_unpartitioned'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pg_indexes WHERE indexname = 'samples_by_t'"), 1);
  for (std::int64_t i = 0; i < 300; i += 37) {
    auto row = store_->query("SELECT v FROM samples WHERE g = $1 AND t = $2",
                             {i % 3, (kToday - 10) * kDay + i * 3'600'000});
    ASSERT_TRUE(row.ok());
    ASSERT_EQ(row->size(), 1u) << i;
    EXPECT_EQ(row->at(0).text(0), std::to_string(i));
  }
  // The primary key holds across the new table: an upsert finds the moved row.
  ASSERT_TRUE(store_
                  ->execute("INSERT INTO samples (g, t, v) VALUES (0, $1, 'y') ON CONFLICT (g, t) "
                            "DO UPDATE SET v = excluded.v",
                            {(kToday - 10) * kDay})
                  .ok());
  EXPECT_EQ(count("SELECT count(*) FROM samples"), 300);
}

// Group 1 goes by weeks counted from 1970-01-01 (a Thursday); group 0 by days.
PartitionScheme weeklyScheme() {
  PartitionScheme scheme = groupedScheme();
  scheme.spanDays = [](std::int64_t g) -> std::int64_t { return g == 1 ? 7 : 1; };
  return scheme;
}

TEST(PartitionKeyTest, SpansOfSeveralDaysBeginOnAMultipleOfTheirLength) {
  const PartitionScheme scheme = weeklyScheme();
  EXPECT_EQ(partitionKeyOf(scheme, 1, kToday), (PartitionKey{1, 19'670}));  // 2023-11-09
  EXPECT_EQ(partitionKeyOf(scheme, 1, 19'676), (PartitionKey{1, 19'670}));
  EXPECT_EQ(partitionKeyOf(scheme, 1, 19'677), (PartitionKey{1, 19'677}));
  EXPECT_EQ(partitionKeyOf(scheme, 1, -1), (PartitionKey{1, -7}));
  EXPECT_EQ(partitionKeyOf(scheme, 0, kToday), (PartitionKey{0, kToday}));
  EXPECT_EQ(*partitionCreateSql(scheme, {1, 19'670}),
            "CREATE TABLE IF NOT EXISTS samples_1_20231109 PARTITION OF samples FOR VALUES FROM "
            "(1, 1699488000000) TO (1, 1700092800000)");
  // A LIST scheme names single days whatever it is given.
  PartitionScheme listed{.parent = "blocks", .dayNameColumn = "day", .spanDays = scheme.spanDays};
  EXPECT_EQ(partitionKeyOf(listed, 1, kToday), (PartitionKey{0, kToday}));
}

TEST_P(DayPartitionsTest, APartitionOfSeveralDaysIsDroppedOnlyOnceItsLastDayHasEnded) {
  if (!onPostgres()) GTEST_SKIP() << "partitions are PostgreSQL's";
  // Rows of group 1 on each of 10 days before the table is partitioned: the conversion makes
  // one partition a week they touch.
  const std::int64_t week = 19'670;  // 2023-11-09 to 15
  for (std::int64_t day = week; day < week + 10; ++day) {
    ASSERT_TRUE(
        store_->execute("INSERT INTO samples (g, t, v) VALUES (1, $1, 'x')", {day * kDay + 1'000})
            .ok());
  }
  {
    Status done = store_->transaction(
        [&](Session& s) { return partitionExistingTable(s, samplesTable(), weeklyScheme()); });
    ASSERT_TRUE(done.ok()) << done.error().toString();
  }
  DayPartitions parts(*store_, weeklyScheme());
  auto listed = parts.list();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, (std::vector<PartitionKey>{{1, week}, {1, week + 7}}));
  // The week's last millisecond and the next week's first go to their own partitions.
  ASSERT_TRUE(insert(parts, 1, (week + 7) * kDay - 1).ok());
  ASSERT_TRUE(insert(parts, 1, (week + 14) * kDay).ok());
  EXPECT_EQ(count("SELECT count(*) FROM samples_1_20231109"), 8);
  EXPECT_EQ(partitionCount(), 3);
  // A cutoff a millisecond short of the week's end keeps it; at its end it goes whole.
  auto dropped = parts.dropDaysEndingBy(1, (week + 7) * kDay - 1, false);
  ASSERT_TRUE(dropped.ok()) << dropped.error().toString();
  EXPECT_EQ(*dropped, 0);
  dropped = parts.dropDaysEndingBy(1, (week + 7) * kDay, false);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, 1);
  EXPECT_EQ(partitionCount(), 2);
  EXPECT_EQ(count("SELECT count(*) FROM samples"), 4);
}

INSTANTIATE_TEST_SUITE_P(Backends, DayPartitionsTest, kStoreBackends,
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace pharos::store
