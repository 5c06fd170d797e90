#include "metrics/metrics_store.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/log.h"
#include "metrics/chunk_partitions.h"
#include "metrics/chunk_table.h"
#include "metrics/rollup_builder.h"
#include "metrics/rollup_chunk.h"
#include "metrics/wal_records.h"
#include "metrics/xor_chunk.h"

namespace pharos::metrics {
namespace {

constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();
// A chunk whose window ended this long ago is sealed even if no newer sample came.
constexpr std::int64_t kSealGraceMs = 5 * 60'000;
// Retention and the disk budget delete in batches so one flush never holds the store long.
constexpr std::int64_t kBudgetBatch = 1000;
constexpr std::size_t kMaxReportedErrors = 10;
// Below this the write-ahead log is not worth a checkpoint.
constexpr std::uint64_t kMinCheckpointBytes = 16ull << 20;

std::int64_t floorTo(std::int64_t t, std::int64_t step) {
  std::int64_t r = t % step;
  return r < 0 ? t - r - step : t - r;
}

bool sameBits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

const logging::Logger& log() {
  static const logging::Logger logger("metrics");
  return logger;
}

void note(AppendResult& result, std::string message) {
  if (result.errors.size() < kMaxReportedErrors) result.errors.push_back(std::move(message));
}

}  // namespace

// One series in memory: its open chunk, the sealed chunks not yet persisted, and the newest
// sample (which decides what is out of order).
struct MetricsStore::MemSeries {
  struct Chunk {
    std::string bytes;
    std::int64_t minT;
    std::int64_t maxT;
    std::uint32_t count;
    std::optional<Sample> before;
  };

  MemSeries(SeriesRef r, Labels l) : ref(r), labels(std::move(l)) {}

  const SeriesRef ref;
  const Labels labels;
  mutable std::mutex mutex;
  XorChunkWriter open;
  std::int64_t openWindow = kNoTime;
  std::optional<Sample> beforeOpen;
  std::vector<Chunk> sealed;
  std::int64_t lastT = kNoTime;
  double lastV = 0;
  std::int64_t persistedUpTo = kNoTime;  // newest max_t committed to the store
  bool seriesPersisted = false;
  bool active = false;  // counted in the cardinality limits; under appendMutex_

  // Earliest time held in memory; kNoTime when nothing is.
  std::int64_t firstInMemory() const {
    if (!sealed.empty()) return sealed.front().minT;
    return open.count() > 0 ? open.minTime() : kNoTime;
  }
};

MetricsStore::MetricsStore(store::Store& store, MetricsOptions options, const Clock& clock)
    : store_(store),
      partitions_(store, chunkPartitionScheme()),
      options_(std::move(options)),
      clock_(clock) {}

MetricsStore::~MetricsStore() = default;

Result<std::unique_ptr<MetricsStore>> MetricsStore::open(store::Store& store,
                                                         MetricsOptions options,
                                                         const Clock& clock) {
  PHAROS_TRY(store.migrate(migrations()));
  if (store.dialect() == store::Dialect::kPostgres)
    PHAROS_TRY(store.migrate(chunkPartitionMigrations()));
  std::unique_ptr<MetricsStore> self(new MetricsStore(store, std::move(options), clock));
  PHAROS_ASSIGN_OR_RETURN(self->wal_, Wal::open(self->options_.walDir));
  PHAROS_TRY(self->load());
  return self;
}

Status MetricsStore::load() {
  PHAROS_ASSIGN_OR_RETURN(std::vector<StoredSeries> stored, loadSeries(store_));
  for (auto& s : stored) {
    MemSeries* series = createSeries(s.ref, s.labels);
    series->seriesPersisted = true;
    if (s.lastT != kNoTime) {
      series->persistedUpTo = s.lastT;
      series->lastT = s.lastT;
      PHAROS_ASSIGN_OR_RETURN(std::vector<Sample> samples, decodeXorChunk(s.lastChunk));
      if (!samples.empty()) series->lastV = samples.back().v;
    }
  }
  PHAROS_ASSIGN_OR_RETURN(Wal::ReplayStats replayed,
                          wal_->replay([this](std::string_view p) { return replayRecord(p); }));
  deactivateIdle(toUnixMillis(clock_.now()));
  if (replayed.droppedBytes > 0) {
    log().warn(
        "write-ahead log had a torn tail (a crash mid-write); its samples were never "
        "acknowledged",
        {{"dropped_bytes", replayed.droppedBytes}});
  }
  log().info("metrics store loaded",
             {{"series", index_.seriesCount()}, {"replayed_records", replayed.records}});
  return okStatus();
}

Status MetricsStore::replayRecord(std::string_view payload) {
  PHAROS_ASSIGN_OR_RETURN(WalRecord record, decodeWalRecord(payload));
  // Replay is idempotent: a sample not newer than the series' newest is already in, which
  // happens for samples both in a checkpoint and in the segment after it.
  if (auto* r = std::get_if<SeriesRecord>(&record)) {
    for (const auto& e : r->entries) {
      if (seriesAt(e.ref) == nullptr) createSeries(e.ref, e.labels);
    }
  } else if (auto* r = std::get_if<SamplesRecord>(&record)) {
    for (const auto& e : r->entries) {
      if (MemSeries* series = seriesAt(e.ref)) applySample(*series, e.sample);
    }
  } else if (auto* r = std::get_if<ChunkRecord>(&record)) {
    MemSeries* series = seriesAt(r->ref);
    if (series == nullptr) return okStatus();
    if (r->before && series->lastT == kNoTime) {
      series->lastT = r->before->t;
      series->lastV = r->before->v;
    }
    PHAROS_ASSIGN_OR_RETURN(std::vector<Sample> samples, decodeXorChunk(r->bytes));
    for (const Sample& s : samples)
      applySample(*series, s);
  }
  return okStatus();
}

MetricsStore::MemSeries* MetricsStore::createSeries(SeriesRef ref, const Labels& labels) {
  auto series = std::make_unique<MemSeries>(ref, labels);
  MemSeries* raw = series.get();
  {
    std::unique_lock lock(indexMutex_);
    if (series_.size() <= ref) series_.resize(ref + 1);
    series_[ref] = std::move(series);
    index_.add(ref, labels);
  }
  byHash_.insert(labels.hash(), ref);
  setActive(*raw, true);
  nextRef_ = std::max(nextRef_, ref + 1);
  return raw;
}

void MetricsStore::setActive(MemSeries& series, bool active) {
  if (series.active == active) return;
  series.active = active;
  std::string name(series.labels.metricName());
  if (active) {
    ++activeSeries_;
    ++perMetric_[name];
  } else {
    --activeSeries_;
    if (--perMetric_[name] == 0) perMetric_.erase(name);
  }
}

void MetricsStore::deactivateIdle(std::int64_t now) {
  for (const auto& series : series_) {
    if (!series || !series->active) continue;
    std::int64_t lastT;
    {
      std::lock_guard lock(series->mutex);
      lastT = series->lastT;
    }
    if (lastT == kNoTime || lastT < now - options_.inactiveAfterMs) setActive(*series, false);
  }
}

MetricsStore::MemSeries* MetricsStore::seriesAt(SeriesRef ref) const {
  std::shared_lock lock(indexMutex_);
  return ref < series_.size() ? series_[ref].get() : nullptr;
}

Result<MetricsStore::MemSeries*> MetricsStore::seriesFor(const Labels& labels, std::uint64_t hash,
                                                         std::string& walSeries,
                                                         AppendResult& result) {
  SeriesRef found =
      byHash_.find(hash, [&](SeriesRef ref) { return seriesAtForAppend(ref)->labels == labels; });
  if (found != 0) {
    MemSeries* series = seriesAtForAppend(found);
    // An existing series coming back counts again; the limits refuse only new ones.
    setActive(*series, true);
    return series;
  }
  if (Status valid = validateSeriesLabels(labels); !valid.ok()) {
    ++result.invalidLabels;
    note(result, valid.error().message);
    return valid.error();
  }
  std::string name(labels.metricName());
  if (activeSeries_ >= options_.maxSeries) {
    ++result.seriesLimited;
    note(result, "series limit of " + std::to_string(options_.maxSeries) +
                     " reached (metrics.max_series): refused " + labels.str());
    return makeError(ErrorCode::kResourceExhausted, "series limit");
  }
  if (perMetric_[name] >= options_.maxSeriesPerMetric) {
    ++result.seriesLimited;
    note(result, "metric " + name + " has " + std::to_string(options_.maxSeriesPerMetric) +
                     " series (metrics.max_series_per_metric): refused " + labels.str());
    return makeError(ErrorCode::kResourceExhausted, "series limit");
  }
  SeriesRef ref = nextRef_;
  encodeSeriesRecord(walSeries, ref, labels);
  ++result.createdSeries;
  return createSeries(ref, labels);
}

void MetricsStore::sealOpen(MemSeries& series) {
  series.sealed.push_back(MemSeries::Chunk{std::string(series.open.bytes()), series.open.minTime(),
                                           series.open.maxTime(), series.open.count(),
                                           series.beforeOpen});
  series.open = XorChunkWriter();
}

MetricsStore::Outcome MetricsStore::applySample(MemSeries& series, Sample sample) {
  std::lock_guard lock(series.mutex);
  if (sample.t < series.lastT) return Outcome::kOutOfOrder;
  if (sample.t == series.lastT) {
    return sameBits(sample.v, series.lastV) ? Outcome::kDuplicate : Outcome::kConflicting;
  }
  std::int64_t window = floorTo(sample.t, options_.chunkWindowMs);
  if (series.open.count() > 0 &&
      (window != series.openWindow || series.open.count() >= options_.maxChunkSamples)) {
    sealOpen(series);
  }
  if (series.open.count() == 0) {
    series.openWindow = window;
    series.beforeOpen = series.lastT == kNoTime
                            ? std::nullopt
                            : std::optional<Sample>({series.lastT, series.lastV});
  }
  series.open.append(sample.t, sample.v);
  series.lastT = sample.t;
  series.lastV = sample.v;
  return Outcome::kAppended;
}

namespace {

bool inBounds(const Sample& sample, std::int64_t oldest, std::int64_t newest, const Labels& labels,
              AppendResult& result) {
  if (sample.t >= oldest && sample.t <= newest) return true;
  ++result.outOfBounds;
  note(result, "sample of " + labels.str() + " at " + std::to_string(sample.t) + " ms is " +
                   (sample.t < oldest ? "older than raw retention" : "too far in the future"));
  return false;
}

}  // namespace

void MetricsStore::appendOne(MemSeries& series, const Sample& sample, std::int64_t oldest,
                             std::int64_t newest, SamplesRecordBuilder& wal, AppendResult& result) {
  if (!inBounds(sample, oldest, newest, series.labels, result)) return;
  switch (applySample(series, sample)) {
    case Outcome::kAppended:
      wal.add(series.ref, sample);
      ++result.appended;
      break;
    case Outcome::kDuplicate:
      ++result.duplicates;
      break;
    case Outcome::kOutOfOrder:
      ++result.outOfOrder;
      note(result, "out of order sample for " + series.labels.str());
      break;
    case Outcome::kConflicting:
      ++result.conflicting;
      note(result,
           "duplicate sample for timestamp with a different value for " + series.labels.str());
      break;
  }
}

Status MetricsStore::commit(std::string& walSeries, SamplesRecordBuilder& walSamples,
                            AppendResult& result, std::unique_lock<std::mutex>& appendLock) {
  std::uint64_t position = 0;
  if (!walSeries.empty() || !walSamples.empty()) {
    std::string samples = walSamples.finish();
    PHAROS_ASSIGN_OR_RETURN(
        position, walSeries.empty() ? wal_->append({samples}) : wal_->append({walSeries, samples}));
  }
  // The log's order is now the apply order; the flush to disk is shared with other batches.
  appendLock.unlock();
  seriesRefused_ += result.seriesLimited;
  samplesRejected_ += result.rejected();
  if (position > 0) PHAROS_TRY(wal_->sync(position));
  samplesAppended_ += result.appended;
  return okStatus();
}

Result<AppendResult> MetricsStore::append(std::span<const IncomingSample> batch,
                                          std::vector<SeriesRef>* refs) {
  AppendResult result;
  std::int64_t now = toUnixMillis(clock_.now());
  std::int64_t oldest = now - options_.rawRetention.count();
  std::int64_t newest = now + options_.maxFutureMs;
  std::string walSeries;
  SamplesRecordBuilder walSamples;
  if (refs != nullptr) refs->assign(batch.size(), 0);
  // Hashes first, a few samples ahead, so the table's cache line is on its way before the
  // lookup needs it (a miss per sample otherwise, at 100,000 series).
  constexpr std::size_t kAhead = 8;
  std::vector<std::uint64_t> hashes(batch.size());
  for (std::size_t i = 0; i < std::min(kAhead, batch.size()); ++i)
    hashes[i] = batch[i].labels.hash();
  std::unique_lock lock(appendMutex_);
  for (std::size_t i = 0; i < std::min(kAhead, batch.size()); ++i)
    byHash_.prefetch(hashes[i]);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i + kAhead < batch.size()) {
      hashes[i + kAhead] = batch[i + kAhead].labels.hash();
      byHash_.prefetch(hashes[i + kAhead]);
    }
    const IncomingSample& in = batch[i];
    if (!inBounds(in.sample, oldest, newest, in.labels, result)) continue;
    auto series = seriesFor(in.labels, hashes[i], walSeries, result);
    if (!series.ok()) continue;
    if (refs != nullptr) (*refs)[i] = (*series)->ref;
    appendOne(**series, in.sample, oldest, newest, walSamples, result);
  }
  PHAROS_TRY(commit(walSeries, walSamples, result, lock));
  return result;
}

Result<AppendResult> MetricsStore::appendRefs(std::span<const RefSample> batch) {
  AppendResult result;
  std::int64_t now = toUnixMillis(clock_.now());
  std::int64_t oldest = now - options_.rawRetention.count();
  std::int64_t newest = now + options_.maxFutureMs;
  std::string walSeries;
  SamplesRecordBuilder walSamples;
  std::unique_lock lock(appendMutex_);
  for (const RefSample& in : batch) {
    MemSeries* series = seriesAtForAppend(in.ref);
    if (series == nullptr) {
      ++result.invalidLabels;
      note(result, "unknown series ref " + std::to_string(in.ref));
      continue;
    }
    setActive(*series, true);
    appendOne(*series, in.sample, oldest, newest, walSamples, result);
  }
  PHAROS_TRY(commit(walSeries, walSamples, result, lock));
  return result;
}

Status MetricsStore::flush(Checkpoint mode) {
  std::lock_guard flushLock(flushMutex_);
  std::int64_t now = toUnixMillis(clock_.now());
  // A checkpoint rewrites all that is still only in memory, so one every flush would write
  // the whole head out once a minute. It comes when the log has grown past twice the head
  // instead: checkpoints then at most double what the log writes, and a replay reads a few
  // heads' worth at most.
  bool due = mode == Checkpoint::kNow ||
             wal_->diskBytes() > std::max<std::uint64_t>(2 * headBytes(), kMinCheckpointBytes);
  // Rotate first: from here on new samples go to the new segment, and everything in the
  // older ones is either persisted below or written into the checkpoint.
  std::uint64_t segment = 0;
  {
    std::lock_guard lock(appendMutex_);
    if (due) {
      PHAROS_ASSIGN_OR_RETURN(segment, wal_->rotate());
    }
    deactivateIdle(now);
  }
  PHAROS_TRY(persistSealed(now));
  if (due) PHAROS_TRY(checkpoint(segment));
  PHAROS_TRY(applyRetention(now));
  return enforceDiskBudget();
}

Status MetricsStore::persistSealed(std::int64_t now) {
  struct Pending {
    MemSeries* series;
    bool newSeries;
    std::vector<MemSeries::Chunk> chunks;
  };
  std::vector<Pending> pending;
  std::vector<MemSeries*> all = allSeries();
  for (MemSeries* series : all) {
    std::lock_guard lock(series->mutex);
    if (series->open.count() > 0 &&
        series->openWindow + options_.chunkWindowMs + kSealGraceMs <= now) {
      sealOpen(*series);
    }
    if (!series->sealed.empty() || !series->seriesPersisted) {
      pending.push_back({series, !series->seriesPersisted, series->sealed});
    }
  }
  if (pending.empty()) return okStatus();
  std::vector<store::PartitionKey> days;
  for (const auto& p : pending) {
    for (const auto& c : p.chunks) {
      days.push_back(partitions_.keyOf(kRawResolution, c.minT));
      days.push_back(partitions_.keyOf(kHourMs, c.minT));
    }
  }
  std::uint64_t chunks = 0;
  PHAROS_TRY(partitions_.write(days, [&](store::Session& session) -> Status {
    chunks = 0;
    for (const auto& p : pending) {
      if (p.newSeries) PHAROS_TRY(insertSeries(session, p.series->ref, p.series->labels, now));
      for (const auto& c : p.chunks) {
        PHAROS_TRY(
            insertChunk(session, p.series->ref, kRawResolution, c.minT, c.maxT, c.count, c.bytes));
        PHAROS_ASSIGN_OR_RETURN(std::vector<Sample> samples, decodeXorChunk(c.bytes));
        // Only the hourly rollups are stored as chunks seal. At a 15 s scrape a 1-minute
        // point with its sketch costs more bytes than the four samples it sums up, so
        // 1-minute rollups are built from the raw chunks when read, and stored only when
        // the raw data expires (downsampleRaw).
        auto points = buildRollups(samples, c.before, kHourMs);
        PHAROS_TRY(insertChunk(session, p.series->ref, kHourMs, c.minT, c.maxT,
                               static_cast<std::int64_t>(points.size()), encodeRollups(points)));
        ++chunks;
      }
    }
    return okStatus();
  }));
  for (const auto& p : pending) {
    std::lock_guard lock(p.series->mutex);
    p.series->seriesPersisted = true;
    if (p.chunks.empty()) continue;
    // Sealed chunks only ever append, so the persisted ones are the first p.chunks.size().
    p.series->persistedUpTo = p.chunks.back().maxT;
    p.series->sealed.erase(p.series->sealed.begin(),
                           p.series->sealed.begin() + static_cast<std::ptrdiff_t>(p.chunks.size()));
  }
  chunksPersisted_ += chunks;
  return okStatus();
}

Status MetricsStore::checkpoint(std::uint64_t segment) {
  std::vector<MemSeries*> all = allSeries();
  std::string framed;
  std::string record;
  for (MemSeries* series : all) {
    std::lock_guard lock(series->mutex);
    if (!series->seriesPersisted) {
      record.clear();
      encodeSeriesRecord(record, series->ref, series->labels);
      Wal::appendRecord(framed, record);
    }
    for (const auto& c : series->sealed) {
      record.clear();
      encodeChunkRecord(record, series->ref, c.before, c.bytes);
      Wal::appendRecord(framed, record);
    }
    if (series->open.count() > 0) {
      record.clear();
      encodeChunkRecord(record, series->ref, series->beforeOpen, series->open.bytes());
      Wal::appendRecord(framed, record);
    }
  }
  return wal_->writeCheckpoint(segment, framed);
}

Result<std::int64_t> MetricsStore::downsampleRaw(std::int64_t endBefore, std::int64_t startAtMost) {
  std::int64_t replaced = 0;
  for (;;) {
    PHAROS_ASSIGN_OR_RETURN(std::vector<StoredRawChunk> chunks,
                            readExpiringRawChunks(store_, endBefore, startAtMost, kBudgetBatch));
    if (chunks.empty()) return replaced;
    std::vector<store::PartitionKey> days;
    for (const StoredRawChunk& c : chunks)
      days.push_back(partitions_.keyOf(kMinuteMs, c.minT));
    PHAROS_TRY(partitions_.write(days, [&](store::Session& session) -> Status {
      std::optional<Sample> before;
      for (std::size_t i = 0; i < chunks.size(); ++i) {
        const StoredRawChunk& c = chunks[i];
        if (i > 0 && chunks[i - 1].ref != c.ref) before.reset();
        PHAROS_ASSIGN_OR_RETURN(std::vector<Sample> samples, decodeXorChunk(c.data));
        auto points = buildRollups(samples, before, kMinuteMs);
        if (!samples.empty()) before = samples.back();
        PHAROS_TRY(insertChunk(session, c.ref, kMinuteMs, c.minT, c.maxT,
                               static_cast<std::int64_t>(points.size()), encodeRollups(points)));
        PHAROS_TRY(deleteChunk(session, c.ref, kRawResolution, c.minT));
      }
      return okStatus();
    }));
    replaced += static_cast<std::int64_t>(chunks.size());
  }
}

Status MetricsStore::applyRetention(std::int64_t now) {
  constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();
  const std::int64_t rawCutoff = now - options_.rawRetention.count();
  PHAROS_ASSIGN_OR_RETURN(std::int64_t downsampled, downsampleRaw(rawCutoff, kNever));
  if (downsampled > 0) {
    log().info("raw chunks past retention kept as 1-minute rollups", {{"chunks", downsampled}});
  }
  PHAROS_TRY(dropEmptyRawDays(partitions_, rawCutoff, options_.chunkWindowMs));
  for (auto [resolution, keep] : {std::pair{kMinuteMs, options_.minuteRetention},
                                  std::pair{kHourMs, options_.hourRetention}}) {
    PHAROS_ASSIGN_OR_RETURN(
        ChunkExpiry expired,
        expireChunks(store_, partitions_, resolution, now - keep.count(), options_.chunkWindowMs));
    if (expired.chunksDeleted > 0 || expired.partitionsDropped > 0) {
      log().info("retention deleted chunks", {{"chunks", expired.chunksDeleted},
                                              {"partitions_dropped", expired.partitionsDropped},
                                              {"resolution_ms", resolution}});
    }
  }
  return okStatus();
}

Status MetricsStore::enforceDiskBudget() {
  if (options_.maxDiskBytes <= 0 || !options_.diskUsage) return okStatus();
  std::uint64_t limit = static_cast<std::uint64_t>(options_.maxDiskBytes);
  std::uint64_t used = options_.diskUsage();
  if (used <= limit) return okStatus();
  constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();
  std::optional<std::int64_t> upTo;
  while (used > limit) {
    // The oldest raw data goes first; its 1-minute rollups stay.
    PHAROS_ASSIGN_OR_RETURN(std::optional<std::int64_t> bound,
                            nthOldestRawStart(store_, kBudgetBatch));
    if (!bound) break;  // no raw data left to give up
    auto replaced = downsampleRaw(kNever, *bound);
    if (!replaced.ok()) return replaced.error();
    upTo = bound;
    used = options_.diskUsage();
  }
  if (upTo) {
    ++diskBudgetDeletions_;
    log().warn(
        "data directory passed metrics.max_disk_bytes: replaced the oldest raw chunks "
        "by 1-minute rollups",
        {{"max_disk_bytes", limit}, {"raw_deleted_up_to_ms", *upTo}, {"used_bytes", used}});
  }
  return okStatus();
}

std::vector<MetricsStore::MemSeries*> MetricsStore::selectSeries(
    const std::vector<promql::Matcher>& matchers) const {
  std::shared_lock lock(indexMutex_);
  auto refs = index_.select(
      matchers, [this](SeriesRef ref) -> const Labels& { return series_[ref]->labels; });
  std::vector<MemSeries*> out;
  out.reserve(refs.size());
  for (SeriesRef ref : refs)
    out.push_back(series_[ref].get());
  return out;
}

std::vector<MetricsStore::MemSeries*> MetricsStore::allSeries() const {
  std::shared_lock lock(indexMutex_);
  std::vector<MemSeries*> out;
  out.reserve(series_.size());
  for (const auto& s : series_) {
    if (s) out.push_back(s.get());
  }
  return out;
}

Result<std::vector<promql::SeriesSamples>> MetricsStore::select(
    const std::vector<promql::Matcher>& matchers, std::int64_t minT, std::int64_t maxT) {
  std::vector<promql::SeriesSamples> out;
  std::vector<std::string> memory;
  for (MemSeries* series : selectSeries(matchers)) {
    SeriesRef ref = series->ref;
    std::int64_t persistedUpTo;
    std::int64_t firstInMemory;
    memory.clear();
    {
      std::lock_guard lock(series->mutex);
      persistedUpTo = series->persistedUpTo;
      firstInMemory = series->firstInMemory();
      for (const auto& c : series->sealed) {
        if (c.maxT >= minT && c.minT <= maxT) memory.push_back(c.bytes);
      }
      if (series->open.count() > 0 && series->open.maxTime() >= minT &&
          series->open.minTime() <= maxT) {
        memory.emplace_back(series->open.bytes());
      }
    }
    promql::SeriesSamples result{series->labels, {}};
    bool needStore = persistedUpTo != kNoTime && minT <= persistedUpTo &&
                     (firstInMemory == kNoTime || minT < firstInMemory);
    if (needStore) {
      PHAROS_ASSIGN_OR_RETURN(std::vector<StoredChunk> stored,
                              readChunks(store_, ref, kRawResolution, minT,
                                         std::min(maxT, persistedUpTo), options_.chunkWindowMs));
      for (const auto& c : stored) {
        if (c.maxT > persistedUpTo) continue;  // persisted after we looked: in `memory` too
        PHAROS_TRY(appendXorChunkRange(c.data, minT, maxT, result.samples));
      }
    }
    for (const auto& bytes : memory)
      PHAROS_TRY(appendXorChunkRange(bytes, minT, maxT, result.samples));
    if (!result.samples.empty()) out.push_back(std::move(result));
  }
  return out;
}

std::optional<std::int64_t> MetricsStore::rollupResolution(std::int64_t minT, std::int64_t maxT,
                                                           std::int64_t step) {
  // Hourly rollups are stored as chunks seal: a coarse step over a long range reads them.
  // 1-minute rollups are stored only for data past raw retention: while raw chunks exist,
  // decoding them is faster than building minutes from them (measured: 30 days of one series
  // at a 1 m step, bench/metrics_query_bench).
  std::int64_t range = maxT - minT;
  std::int64_t rawFrom = toUnixMillis(clock_.now()) - options_.rawRetention.count();
  if (step >= kHourMs && (range > 7 * 86'400'000LL || minT < rawFrom)) return kHourMs;
  if (step >= kMinuteMs && minT < rawFrom) return kMinuteMs;
  return std::nullopt;
}

Result<std::vector<promql::RollupSeries>> MetricsStore::selectRollups(
    const std::vector<promql::Matcher>& matchers, std::int64_t minT, std::int64_t maxT,
    std::int64_t resolution) {
  return readRollups(matchers, minT, maxT, resolution, true);
}

Result<std::vector<promql::RollupSeries>> MetricsStore::selectRollupsWithoutSketches(
    const std::vector<promql::Matcher>& matchers, std::int64_t minT, std::int64_t maxT,
    std::int64_t resolution) {
  return readRollups(matchers, minT, maxT, resolution, false);
}

Result<std::vector<promql::RollupSeries>> MetricsStore::readRollups(
    const std::vector<promql::Matcher>& matchers, std::int64_t minT, std::int64_t maxT,
    std::int64_t resolution, bool sketches) {
  std::vector<promql::RollupSeries> out;
  struct MemoryChunk {
    std::string bytes;
    std::optional<Sample> before;
  };
  std::vector<MemoryChunk> memory;
  for (MemSeries* series : selectSeries(matchers)) {
    SeriesRef ref = series->ref;
    std::int64_t persistedUpTo;
    memory.clear();
    {
      std::lock_guard lock(series->mutex);
      persistedUpTo = series->persistedUpTo;
      for (const auto& c : series->sealed) {
        if (c.maxT >= minT && c.minT <= maxT + resolution) memory.push_back({c.bytes, c.before});
      }
      if (series->open.count() > 0 && series->open.maxTime() >= minT) {
        memory.push_back({std::string(series->open.bytes()), series->beforeOpen});
      }
    }
    std::vector<RollupPoint> points;
    if (persistedUpTo != kNoTime && minT <= persistedUpTo) {
      // A rollup chunk is keyed by its raw chunk's times, and its first bucket may start
      // up to one resolution before them.
      std::int64_t from = minT - resolution;
      std::int64_t to = std::min(maxT + resolution, persistedUpTo);
      PHAROS_ASSIGN_OR_RETURN(
          std::vector<StoredChunk> stored,
          readChunks(store_, ref, resolution, from, to, options_.chunkWindowMs));
      for (const auto& c : stored) {
        if (c.maxT > persistedUpTo) continue;
        PHAROS_ASSIGN_OR_RETURN(std::vector<RollupPoint> decoded, decodeRollups(c.data, sketches));
        std::move(decoded.begin(), decoded.end(), std::back_inserter(points));
      }
      if (resolution == kMinuteMs) {
        // Still raw on disk: build the 1-minute points from the raw chunks, each chunk's
        // first increase starting from the chunk before it.
        PHAROS_ASSIGN_OR_RETURN(
            std::vector<StoredChunk> raw,
            readChunks(store_, ref, kRawResolution, from - resolution, to, options_.chunkWindowMs));
        std::optional<Sample> before;
        for (const auto& c : raw) {
          if (c.maxT > persistedUpTo) continue;
          PHAROS_ASSIGN_OR_RETURN(std::vector<Sample> samples, decodeXorChunk(c.data));
          auto built = buildRollups(samples, before, resolution);
          if (!samples.empty()) before = samples.back();
          std::move(built.begin(), built.end(), std::back_inserter(points));
        }
      }
    }
    for (const auto& c : memory) {
      PHAROS_ASSIGN_OR_RETURN(std::vector<Sample> samples, decodeXorChunk(c.bytes));
      auto built = buildRollups(samples, c.before, resolution);
      std::move(built.begin(), built.end(), std::back_inserter(points));
    }
    mergeSameBuckets(points);
    std::erase_if(points,
                  [&](const RollupPoint& p) { return p.t < minT - resolution || p.t > maxT; });
    if (!points.empty()) out.push_back(promql::RollupSeries{series->labels, std::move(points)});
  }
  return out;
}

std::vector<Labels> MetricsStore::series(const std::vector<promql::Matcher>& matchers) const {
  std::vector<Labels> out;
  for (MemSeries* series : selectSeries(matchers))
    out.push_back(series->labels);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> MetricsStore::labelNames() const {
  std::shared_lock lock(indexMutex_);
  return index_.labelNames();
}

std::vector<std::string> MetricsStore::labelValues(const std::string& name) const {
  std::shared_lock lock(indexMutex_);
  return index_.labelValues(name);
}

std::uint64_t MetricsStore::headBytes() const {
  std::vector<MemSeries*> all = allSeries();
  std::uint64_t bytes = 0;
  for (MemSeries* series : all) {
    std::lock_guard lock(series->mutex);
    bytes += series->open.memoryBytes();
    for (const auto& c : series->sealed)
      bytes += c.bytes.capacity();
  }
  return bytes;
}

MetricsStats MetricsStore::stats() const {
  MetricsStats stats;
  {
    std::shared_lock lock(indexMutex_);
    stats.series = index_.seriesCount();
  }
  stats.headBytes = headBytes();
  stats.activeSeries = activeSeries_.load();
  stats.samplesAppended = samplesAppended_;
  stats.samplesRejected = samplesRejected_;
  stats.seriesRefused = seriesRefused_;
  stats.chunksPersisted = chunksPersisted_;
  stats.diskBudgetDeletions = diskBudgetDeletions_;
  stats.walBytes = wal_->diskBytes();
  return stats;
}

}  // namespace pharos::metrics
