#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/config/config.h"
#include "core/prometheus_text.h"
#include "core/result.h"
#include "core/task_thread.h"
#include "logs/derived_metrics.h"
#include "logs/ingest_log.h"
#include "logs/line_parser.h"
#include "logs/log_batch.h"
#include "logs/log_index.h"
#include "logs/record.h"
#include "logs/tail_hub.h"
#include "metrics/metrics_store.h"
#include "objects/object_store.h"

namespace pharos::logs {

class TemplateMiner;

// Why ingest refused lines, for pharos_logs_rejected_total{reason}.
enum class RejectReason { kMalformed, kTooLarge, kOverloaded, kUdpDropped, kCount };

// The queue that carries a pipeline's "lines up to here are durable" messages and the prefix
// of its raw archive objects. Both describe one data directory's ingest log, so processes that
// share a bus or a bucket must each have their own (forNode).
struct LogPipelineNames {
  std::string queue = "logs.batch";
  std::string archivePrefix = "archive/logs/";
  // "logs.batch.<node>" and "archive/logs/<node>/".
  static LogPipelineNames forNode(std::string_view node);
};

// The log pipeline of one process. Ingest (HTTP routes, the syslog listeners) hands it
// encoded batches; ingest() returns once a batch is durable in the ingest log, and only then
// is the client acknowledged. A `logs.batch` message on the bus names the new end; the
// processor thread consumes those, parses, mines templates, indexes for search, derives
// metrics and feeds live tails. A maintenance thread turns sealed segments into objects
// under archive/logs/ (the raw archive, archive_codec.h), deletes segments both archived and
// processed, and drops index partitions past retention.
class LogPipeline {
 public:
  using Names = LogPipelineNames;

  // Encrypts one compressed archive object (the server's keyring, `archive` purpose). A
  // function rather than the keyring, so that logs does not depend on crypto.
  using ArchiveSeal = std::function<Result<std::string>(std::string_view compressed)>;

  // `metrics` may be null (no derived metrics), e.g. in tests. `index` is where processed
  // lines go: the shared index of a deployment (SharedLogIndex), or, when null, the embedded
  // one in `dir`. With `sealArchive`, archive
  // objects are sealed by it after compression and named `<begin>.pla.sealed` instead of
  // `<begin>.pla` (`.zst.sealed` and `.zst` for whole objects), so a reader knows which need
  // the keyring.
  static Result<std::unique_ptr<LogPipeline>> open(
      const std::string& dir, const config::LogsConfig& config, bus::Bus& bus,
      objects::ObjectStore& objects, metrics::MetricsStore* metrics, const Clock& clock,
      ArchiveSeal sealArchive = {}, Names names = {}, std::unique_ptr<LogIndex> index = nullptr);
  ~LogPipeline();

  // Sees each parsed and mined chunk of records, for consumers such as the analysis
  // service's log anomaly detector. Called on the processor thread, inside the section that
  // holds the template miner's lock (so `miner.templateText()` is cheap and consistent with
  // the records' templateId) and before the chunk is written to the index. It runs for every
  // line the server takes in and holds up processing (and template lookups) while it runs:
  // it must be cheap, must not block, and must not call back into this pipeline. It must not
  // keep the span or the miner past the call. A chunk processed again after a failed index
  // write is observed again.
  //
  // Set it before start() to see every line. It may also be set or removed (an empty
  // function) while running: the swap takes the miner's lock, so once setRecordObserver
  // returns the previous observer is neither running nor called again, and its owner may go.
  using RecordObserver = std::function<void(std::span<const Record>, const TemplateMiner&)>;
  void setRecordObserver(RecordObserver observer);

  void start();
  void stop();

  // False while the unprocessed backlog is over its limit: callers answer 429 / stop reading.
  bool accepting() const;
  // Makes the batch durable and counts its lines and sanitisations.
  Status ingest(BatchEncoder&& batch);
  void countRejected(RejectReason reason, std::uint64_t lines);

  std::size_t maxLineBytes() const { return static_cast<std::size_t>(config_.maxLineBytes); }
  std::int64_t maxBodyBytes() const { return config_.maxBodyBytes; }
  const std::vector<std::string>& indexedAttributes() const { return config_.indexedAttributes; }
  LogIndex& index() { return *index_; }
  TailHub& tail() { return tail_; }
  std::string templateText(std::uint64_t id) const;

  // Blocks until everything ingested so far is processed and searchable, or the timeout.
  bool waitProcessed(Millis timeout);
  std::uint64_t backlogBytes() const;
  void writeStats(PrometheusText& out) const;

 private:
  LogPipeline(const config::LogsConfig& config, bus::Bus& bus, objects::ObjectStore& objects,
              metrics::MetricsStore* metrics, const Clock& clock, ArchiveSeal sealArchive,
              Names names);
  void publishLoop();
  void processLoop();
  struct ParsedChunk;
  Status processUpTo(std::uint64_t target);
  void maintenanceLoop();
  // Whether the segment starting at `begin` has an archive object, under any of its names.
  Result<bool> archived(std::uint64_t begin) const;
  Status archiveSealed();

  config::LogsConfig config_;
  bus::Bus& bus_;
  objects::ObjectStore& objects_;
  metrics::MetricsStore* metrics_;
  const Clock& clock_;
  ArchiveSeal sealArchive_;  // empty: archive objects are stored compressed only
  const Names names_;
  std::unique_ptr<IngestLog> log_;
  std::unique_ptr<LogIndex> index_;
  // Writes chunk N to the index while the processor parses chunk N+1 (see processUpTo).
  std::unique_ptr<TaskThread> indexWriter_;
  std::unique_ptr<TemplateMiner> miner_;  // the processor's; templateText() reads under minerMutex_
  mutable std::mutex minerMutex_;
  RecordObserver observer_;  // set and called under minerMutex_
  TailHub tail_;
  LineParser parser_;       // the processor thread's
  DerivedMetrics derived_;  // the processor thread's

  std::atomic<std::uint64_t> processed_{0};
  std::atomic<bool> running_{false};
  std::mutex wakeMutex_;
  std::condition_variable wake_;  // publisher: a new end; maintenance: stop
  std::condition_variable processedCv_;
  std::uint64_t publishedUpTo_ = 0;  // under wakeMutex_
  std::thread publisher_, processor_, maintenance_;

  std::atomic<std::uint64_t> ingestedLines_{0}, ingestedBytes_{0}, ingestedBatches_{0};
  std::atomic<std::uint64_t> processedLines_{0}, processErrors_{0};
  std::atomic<std::uint64_t> sanitisedUtf8_{0}, sanitisedNul_{0}, truncated_{0};
  std::atomic<std::uint64_t> rejected_[static_cast<int>(RejectReason::kCount)] = {};
  std::atomic<std::uint64_t> archivedSegments_{0}, archivedBytes_{0}, archivedInputBytes_{0};
  std::atomic<std::uint64_t> archiveFallbacks_{0};
  std::atomic<std::uint64_t> templates_{0};
  // On a shared index: the templates whose text this run has handed it (the processor's).
  std::unordered_set<std::uint64_t> templatesShared_;
};

}  // namespace pharos::logs
