// metric_chunks on PostgreSQL, partitioned by resolution and day: partitions appear for the
// days written, reads cross their boundaries, retention drops whole days, and a database made
// before partitioning is converted with every chunk kept. Skipped on SQLite, which keeps one
// table (the rest of the suite covers it).
#include "metrics/chunk_partitions.h"

#include <gtest/gtest.h>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "metrics/chunk_table.h"
#include "metrics/metrics_store.h"
#include "metrics/rollup_builder.h"
#include "metrics/xor_chunk.h"

namespace pharos::metrics {
namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;  // 2023-11-14 22:13 UTC
constexpr std::int64_t kDay = store::kMsPerDay;

class ChunkPartitionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pharos::testing::testsRunOnPostgres()) GTEST_SKIP() << "partitions are PostgreSQL's";
    store_ = pharos::testing::openTestStore(dir_.file("metrics.db")).value();
  }

  void open(MetricsOptions options = {}) {
    metrics_.reset();
    options.walDir = dir_.file("wal");
    auto opened = MetricsStore::open(*store_, options, clock_);
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    metrics_ = std::move(opened).value();
  }

  std::int64_t count(const std::string& sql) {
    auto rows = store_->query(sql);
    EXPECT_TRUE(rows.ok()) << rows.error().toString();
    return rows.ok() ? rows->at(0).integer(0) : -1;
  }

  std::int64_t partitions(const std::string& resolution) {
    return count(
        "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE "
        "i.inhparent = to_regclass('metric_chunks')::oid AND c.relname LIKE 'metric_chunks_" +
        resolution + "_%'");
  }

  std::vector<Sample> read(std::int64_t minT, std::int64_t maxT) {
    auto result = metrics_->select(
        {promql::Matcher::make(promql::Matcher::Type::kEqual, "job", "api").value()}, minT, maxT);
    EXPECT_TRUE(result.ok());
    if (!result.ok() || result->empty()) return {};
    return result->front().samples;
  }

  static std::vector<Sample> regular(std::int64_t from, int count) {
    std::vector<Sample> out;
    for (int i = 0; i < count; ++i)
      out.push_back({from + i * 60'000LL, 1.5 * i});
    return out;
  }

  pharos::testing::TempDir dir_;
  pharos::testing::ManualClock clock_{fromUnixMillis(kStart + 3 * kDay + 3'600'000)};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<MetricsStore> metrics_;
  Labels up_{{"__name__", "up"}, {"job", "api"}};
};

TEST_F(ChunkPartitionsTest, DaysWrittenGetPartitionsAndReadsCrossThem) {
  ASSERT_NO_FATAL_FAILURE(open());
  // Three days from 22:13 on the 14th, a sample a minute: chunks of the 14th to the 17th.
  const std::vector<Sample> samples = regular(kStart, 3 * 1440);
  std::vector<IncomingSample> batch;
  for (const Sample& s : samples)
    batch.push_back({up_, s});
  ASSERT_TRUE(metrics_->append(batch).ok());
  clock_.advance(Millis(3 * 3'600'000));
  ASSERT_TRUE(metrics_->flush().ok());
  EXPECT_EQ(partitions("0"), 4);
  // Hourly rollups go by 30 days from 1970-01-01: the 14th to the 17th are all in the one
  // that begins on 2023-10-20.
  EXPECT_EQ(partitions("3600000"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM metric_chunks_3600000_20231020"),
            count("SELECT count(*) FROM metric_chunks WHERE resolution = 0"));
  EXPECT_EQ(count("SELECT count(*) FROM metric_chunks_0_20231115"), 12);  // 2 h windows
  // Read back from the store alone (a restart leaves nothing in memory).
  ASSERT_NO_FATAL_FAILURE(open());
  std::vector<Sample> got = read(kStart, kStart + 3 * kDay);
  ASSERT_EQ(got.size(), samples.size());
  EXPECT_EQ(got.front().t, samples.front().t);
  EXPECT_EQ(got.back().t, samples.back().t);

  // Two days later, raw kept 1 day and hourly rollups 3: raw data is downsampled and its
  // emptied days dropped, the hourly days wholly past the cutoff dropped, the rest kept.
  clock_.advance(Millis(2 * kDay));
  const std::int64_t now = toUnixMillis(clock_.now());
  MetricsOptions options;
  options.rawRetention = Millis(kDay);
  options.hourRetention = Millis(3 * kDay);
  ASSERT_NO_FATAL_FAILURE(open(options));
  ASSERT_TRUE(metrics_->flush().ok());
  EXPECT_EQ(partitions("0"), 0);
  // 1-minute rollups by 7 days: the 14th and 15th are in the week from 2023-11-09, the 16th
  // and 17th in the one from the 16th.
  EXPECT_EQ(partitions("60000"), 2);
  // The hourly cutoff is 02:13 on the 17th, inside the 30 days from 2023-10-20: nothing goes
  // whole, and the chunks that ended before it go row by row.
  EXPECT_EQ(partitions("3600000"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM metric_chunks WHERE resolution = 3600000 AND max_t < " +
                  std::to_string(now - 3 * kDay)),
            0);
  EXPECT_GT(count("SELECT count(*) FROM metric_chunks WHERE resolution = 3600000"), 0);
  auto minutes = metrics_->selectRollups(
      {promql::Matcher::make(promql::Matcher::Type::kEqual, "job", "api").value()}, kStart,
      kStart + 3 * kDay, kMinuteMs);
  ASSERT_TRUE(minutes.ok());
  ASSERT_EQ(minutes->size(), 1u);
  EXPECT_EQ(minutes->front().points.size(), buildRollups(samples, std::nullopt, kMinuteMs).size());
}

TEST_F(ChunkPartitionsTest, ADatabaseFromBeforePartitioningIsConvertedWithEveryChunk) {
  // What the previous release made: the plain table, with chunks of five days in it.
  ASSERT_TRUE(store_->migrate(migrations()).ok());
  ASSERT_TRUE(insertSeries(*store_, 1, up_, kStart).ok());
  std::vector<std::pair<std::int64_t, std::string>> chunks;
  for (int i = 0; i < 60; ++i) {
    XorChunkWriter writer;
    std::int64_t minT = kStart + i * 2 * 3'600'000LL;
    for (int s = 0; s < 10; ++s)
      writer.append(minT + s * 60'000, s);
    chunks.emplace_back(minT, std::string(writer.bytes()));
    for (std::int64_t resolution : {kRawResolution, kHourMs}) {
      ASSERT_TRUE(
          insertChunk(*store_, 1, resolution, minT, writer.maxTime(), 10, chunks.back().second)
              .ok());
    }
  }
  ASSERT_EQ(count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('metric_chunks') AND "
                  "relkind = 'r'"),
            1);
  ASSERT_NO_FATAL_FAILURE(open());
  EXPECT_EQ(count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('metric_chunks') AND "
                  "relkind = 'p'"),
            1);
  EXPECT_EQ(partitions("0"), 6);  // 120 hours from 22:13 on the 14th: the 14th to the 19th
  EXPECT_EQ(count("SELECT count(*) FROM metric_chunks"), 120);
  auto raw = readChunks(*store_, 1, kRawResolution, kStart, kStart + 10 * kDay, 2 * 3'600'000);
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->size(), chunks.size());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ((*raw)[i].minT, chunks[i].first);
    EXPECT_EQ((*raw)[i].data, chunks[i].second);
  }
  EXPECT_EQ(read(kStart, kStart + 10 * kDay).size(), 600u);
  // A second start finds the conversion done.
  ASSERT_NO_FATAL_FAILURE(open());
  EXPECT_EQ(count("SELECT count(*) FROM metric_chunks"), 120);
}

}  // namespace
}  // namespace pharos::metrics
