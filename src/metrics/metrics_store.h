#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/labels.h"
#include "core/prometheus_text.h"
#include "core/result.h"
#include "core/sample.h"
#include "metrics/series_hash_table.h"
#include "metrics/series_index.h"
#include "metrics/wal.h"
#include "metrics/wal_records.h"
#include "promql/queryable.h"
#include "store/day_partitions.h"
#include "store/store.h"

namespace pharos::metrics {

struct MetricsOptions {
  std::string walDir;
  Millis rawRetention{15LL * 86'400'000};
  Millis minuteRetention{90LL * 86'400'000};
  Millis hourRetention{730LL * 86'400'000};
  // When the data directory would pass this, the oldest raw chunks go first; 0: no budget.
  std::int64_t maxDiskBytes = 0;
  // Bytes the data directory uses now (given by the app, which knows what is in it).
  std::function<std::uint64_t()> diskUsage;
  // Limits on *active* series (a sample within inactiveAfterMs), as Prometheus limits its
  // head: series that stopped (a pod replaced, a label value that moved on) stop counting,
  // so churn does not lock the store against new series for good.
  std::size_t maxSeries = 1'000'000;
  std::size_t maxSeriesPerMetric = 100'000;
  std::int64_t inactiveAfterMs = 3 * 3'600'000;
  // Chunks cover aligned windows of this length, and hold at most this many samples.
  std::int64_t chunkWindowMs = 2 * 3'600'000;
  std::uint32_t maxChunkSamples = 480;
  // Samples further ahead of the clock than this are refused (a broken clock upstream).
  std::int64_t maxFutureMs = 10 * 60'000;
};

struct IncomingSample {
  Labels labels;
  Sample sample;
};

// What happened to each sample of a batch, counted by reason, as Prometheus reports them.
struct AppendResult {
  std::size_t appended = 0;
  std::size_t createdSeries = 0;
  std::size_t duplicates = 0;       // the same (t, v) again: accepted, stored once
  std::size_t outOfOrder = 0;       // older than the series' newest sample
  std::size_t conflicting = 0;      // same timestamp, different value
  std::size_t outOfBounds = 0;      // before raw retention, or too far in the future
  std::size_t invalidLabels = 0;    // a name or value that breaks the grammar
  std::size_t seriesLimited = 0;    // a new series refused by a cardinality limit
  std::vector<std::string> errors;  // the first few reasons, for the response
  std::size_t rejected() const {
    return outOfOrder + conflicting + outOfBounds + invalidLabels + seriesLimited;
  }
};

struct MetricsStats {
  std::uint64_t series = 0;
  std::uint64_t activeSeries = 0;
  std::uint64_t samplesAppended = 0;
  std::uint64_t samplesRejected = 0;
  std::uint64_t seriesRefused = 0;
  std::uint64_t chunksPersisted = 0;
  std::uint64_t diskBudgetDeletions = 0;  // flushes that had to delete raw data
  std::uint64_t walBytes = 0;
  std::uint64_t headBytes = 0;
};

// The store's counters as Prometheus families (pharos_metrics_*), for GET /metrics.
void writeMetricsStats(const MetricsStats& stats, PrometheusText& out);

// The time-series store: series in an inverted index, samples in Gorilla-compressed chunks
// (open ones in memory, sealed ones persisted in `store`), a write-ahead log so an
// acknowledged sample survives kill -9, and 1-minute and 1-hour rollups written with each
// sealed chunk. Thread-safe: appends are serialised (one core sustains millions of samples
// a second), queries run beside them.
class MetricsStore final : public promql::Queryable {
 public:
  // Migrates `store`, loads the series, replays the write-ahead log.
  static Result<std::unique_ptr<MetricsStore>> open(store::Store& store, MetricsOptions options,
                                                    const Clock& clock);
  ~MetricsStore() override;

  // Appends a batch; returns once the accepted samples are durable (write-ahead log synced).
  // With `refs`, fills it with each sample's series ref (0 where refused), so a caller that
  // appends the same series again (a scrape loop) can use appendRefs().
  Result<AppendResult> append(std::span<const IncomingSample> batch,
                              std::vector<SeriesRef>* refs = nullptr);
  // The same by series ref, skipping the label lookup: what keeps a scrape loop at millions
  // of samples a second. An unknown ref counts as invalid.
  struct RefSample {
    SeriesRef ref;
    Sample sample;
  };
  Result<AppendResult> appendRefs(std::span<const RefSample> batch);

  // Seals chunks whose window has passed, persists sealed chunks and their rollups,
  // checkpoints the write-ahead log when it is due (kNow: always, as at shutdown), applies
  // retention and the disk budget. Run periodically and at shutdown.
  enum class Checkpoint { kWhenDue, kNow };
  Status flush(Checkpoint checkpoint = Checkpoint::kWhenDue);

  Result<std::vector<promql::SeriesSamples>> select(const std::vector<promql::Matcher>& matchers,
                                                    std::int64_t minT, std::int64_t maxT) override;
  std::optional<std::int64_t> rollupResolution(std::int64_t minT, std::int64_t maxT,
                                               std::int64_t step) override;
  Result<std::vector<promql::RollupSeries>> selectRollups(
      const std::vector<promql::Matcher>& matchers, std::int64_t minT, std::int64_t maxT,
      std::int64_t resolution) override;
  Result<std::vector<promql::RollupSeries>> selectRollupsWithoutSketches(
      const std::vector<promql::Matcher>& matchers, std::int64_t minT, std::int64_t maxT,
      std::int64_t resolution) override;

  // For the /series, /labels and /label/{name}/values APIs: every series in the index.
  std::vector<Labels> series(const std::vector<promql::Matcher>& matchers) const;
  std::vector<std::string> labelNames() const;
  std::vector<std::string> labelValues(const std::string& name) const;

  MetricsStats stats() const;

 private:
  struct MemSeries;
  MetricsStore(store::Store& store, MetricsOptions options, const Clock& clock);

  Status load();
  Status replayRecord(std::string_view payload);
  MemSeries* createSeries(SeriesRef ref, const Labels& labels);
  // Under appendMutex_: the series for `labels`, created (and logged in `walSeries`) if new.
  Result<MemSeries*> seriesFor(const Labels& labels, std::uint64_t hash, std::string& walSeries,
                               AppendResult& result);
  enum class Outcome { kAppended, kDuplicate, kOutOfOrder, kConflicting };
  Outcome applySample(MemSeries& series, Sample sample);
  // Under appendMutex_: counts a series in or out of the cardinality limits.
  void setActive(MemSeries& series, bool active);
  // Under appendMutex_: series without a sample since `now - inactiveAfterMs` stop counting.
  void deactivateIdle(std::int64_t now);
  void sealOpen(MemSeries& series);
  MemSeries* seriesAt(SeriesRef ref) const;
  // The same for the appender, which alone grows series_ and so may read it under
  // appendMutex_ without the index lock.
  MemSeries* seriesAtForAppend(SeriesRef ref) const {
    return ref < series_.size() ? series_[ref].get() : nullptr;
  }
  // Under appendMutex_: validates, applies and logs one sample; counts the outcome.
  void appendOne(MemSeries& series, const Sample& sample, std::int64_t oldest, std::int64_t newest,
                 SamplesRecordBuilder& wal, AppendResult& result);
  // Writes the batch's records and waits until they are durable.
  Status commit(std::string& walSeries, SamplesRecordBuilder& walSamples, AppendResult& result,
                std::unique_lock<std::mutex>& appendLock);
  // Series pointers stay valid for the store's life (series are never removed).
  std::vector<MemSeries*> selectSeries(const std::vector<promql::Matcher>& matchers) const;
  std::vector<MemSeries*> allSeries() const;
  Result<std::vector<promql::RollupSeries>> readRollups(
      const std::vector<promql::Matcher>& matchers, std::int64_t minT, std::int64_t maxT,
      std::int64_t resolution, bool sketches);
  Status persistSealed(std::int64_t now);
  Status checkpoint(std::uint64_t segment);
  // Bytes of samples held in memory: open chunks and sealed ones not yet persisted.
  std::uint64_t headBytes() const;
  Status applyRetention(std::int64_t now);
  // Turns raw chunks that are about to go (retention, disk budget) into 1-minute rollups in
  // batches; returns how many raw chunks it replaced.
  Result<std::int64_t> downsampleRaw(std::int64_t endBefore, std::int64_t startAtMost);
  Status enforceDiskBudget();

  store::Store& store_;
  // metric_chunks' day partitions on PostgreSQL (chunk_partitions.h); inert on SQLite.
  store::DayPartitions partitions_;
  MetricsOptions options_;
  const Clock& clock_;
  std::unique_ptr<Wal> wal_;

  // Held by append() across validation, apply and the write-ahead write, so the log's order
  // is the order samples were applied in; flush() takes it only to rotate the log.
  std::mutex appendMutex_;
  SeriesHashTable byHash_;                                  // under appendMutex_
  std::unordered_map<std::string, std::size_t> perMetric_;  // active, under appendMutex_
  std::atomic<std::size_t> activeSeries_{0};                // written under appendMutex_
  SeriesRef nextRef_ = 1;                                   // under appendMutex_

  // Guards index_ and series_ (readers share it; creating a series takes it exclusively).
  mutable std::shared_mutex indexMutex_;
  SeriesIndex index_;
  std::vector<std::unique_ptr<MemSeries>> series_;  // by ref; null where no series

  std::mutex flushMutex_;  // one flush at a time

  std::atomic<std::uint64_t> samplesAppended_{0};
  std::atomic<std::uint64_t> samplesRejected_{0};
  std::atomic<std::uint64_t> seriesRefused_{0};
  std::atomic<std::uint64_t> chunksPersisted_{0};
  std::atomic<std::uint64_t> diskBudgetDeletions_{0};
};

}  // namespace pharos::metrics
