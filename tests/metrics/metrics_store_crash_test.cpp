#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "metrics/metrics_store.h"

namespace pharos::metrics {
namespace {

// A child appends samples in batches (flushing now and then, so checkpoints and persisted
// chunks are in play) and tells the parent the newest timestamp each append() acknowledged.
// The parent kills it with SIGKILL; reopened, every acknowledged sample must be there.
TEST(MetricsStoreCrashTest, AcknowledgedSamplesSurviveKill9) {
  testing::TempDir dir;
  std::string dbPath = dir.file("metrics.db");
  std::string walDir = dir.file("wal");
  const std::int64_t start = toUnixMillis(systemClock().now()) - 3'600'000;
  Labels labels{{"__name__", "crash_total"}, {"job", "t"}};
  for (int round = 0; round < 3; ++round) {
    int acks[2];
    ASSERT_EQ(pipe(acks), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(acks[0]);
      auto store = pharos::testing::openTestStore(dbPath);
      if (!store.ok()) _exit(2);
      MetricsOptions options;
      options.walDir = walDir;
      options.maxChunkSamples = 50;  // many sealed chunks
      auto metrics = MetricsStore::open(**store, options, systemClock());
      if (!metrics.ok()) _exit(3);
      std::int64_t t = start + round * 1'000'000;
      for (int b = 0;; ++b) {
        std::vector<IncomingSample> batch;
        for (int i = 0; i < 7; ++i) {
          ++t;
          batch.push_back({labels, {t, static_cast<double>(t)}});
        }
        if (!(*metrics)->append(batch).ok()) _exit(4);
        if (write(acks[1], &t, sizeof t) != sizeof t) _exit(5);
        // Flushes with and without a checkpoint, so a kill can land in either.
        auto mode =
            b % 40 == 19 ? MetricsStore::Checkpoint::kNow : MetricsStore::Checkpoint::kWhenDue;
        if (b % 20 == 19 && !(*metrics)->flush(mode).ok()) _exit(6);
      }
    }
    close(acks[1]);
    std::int64_t acked = 0;
    for (int i = 0; i < 60 + round * 37; ++i) {
      ASSERT_EQ(read(acks[0], &acked, sizeof acked), static_cast<ssize_t>(sizeof acked));
    }
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    close(acks[0]);
    ASSERT_TRUE(WIFSIGNALED(status));

    auto store = pharos::testing::openTestStore(dbPath).value();
    MetricsOptions options;
    options.walDir = walDir;
    auto metrics = MetricsStore::open(*store, options, systemClock()).value();
    auto matcher = promql::Matcher::make(promql::Matcher::Type::kEqual, "job", "t").value();
    std::int64_t from = start + round * 1'000'000 + 1;
    auto got = metrics->select({matcher}, from, acked);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    const auto& samples = got->front().samples;
    ASSERT_EQ(static_cast<std::int64_t>(samples.size()), acked - from + 1) << "round " << round;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      ASSERT_EQ(samples[i].t, from + static_cast<std::int64_t>(i));
      ASSERT_EQ(samples[i].v, static_cast<double>(samples[i].t));
    }
  }
}

}  // namespace
}  // namespace pharos::metrics
