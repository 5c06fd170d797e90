#include "logs/pipeline.h"

#include <unistd.h>

#include <charconv>
#include <future>
#include <span>

#include "bus/names.h"
#include "core/error.h"
#include "core/log.h"
#include "core/thread_name.h"
#include "core/thread_priority.h"
#include "logs/archive_codec.h"
#include "logs/index_blocks.h"
#include "logs/line_parser.h"
#include "logs/template_miner.h"

namespace pharos::logs {
namespace {

constexpr char kMinerStateKey[] = "template_miner";
constexpr std::size_t kReadBytes = 4u << 20;  // one processing step: ~20,000 lines
constexpr Millis kDerivedFlush{15'000};
constexpr int kIndexWriterNiceness = 5;  // the other processing threads take 10

logging::Logger& log() {
  static logging::Logger logger("logs");
  return logger;
}

// archive/logs/<begin, 20 digits>.pla for a templated object, .zst for a whole one (the first
// format, and the fallback), each with .sealed after it when the object is an envelope
// (crypto.encrypt_archive): the name says which decoder and whether the keyring is needed.
enum class ArchiveFormat { kTemplated, kWhole };
std::string archiveKey(std::string_view prefix, std::uint64_t begin, ArchiveFormat format,
                       bool sealed) {
  std::string digits = std::to_string(begin);
  return std::string(prefix) + std::string(20 - std::min<std::size_t>(20, digits.size()), '0') +
         digits + (format == ArchiveFormat::kTemplated ? ".pla" : ".zst") +
         (sealed ? ".sealed" : "");
}

std::int64_t nowNs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock.now().time_since_epoch())
      .count();
}

}  // namespace

LogPipeline::LogPipeline(const config::LogsConfig& config, bus::Bus& bus,
                         objects::ObjectStore& objects, metrics::MetricsStore* metrics,
                         const Clock& clock, ArchiveSeal sealArchive, Names names)
    : config_(config),
      bus_(bus),
      objects_(objects),
      metrics_(metrics),
      clock_(clock),
      sealArchive_(std::move(sealArchive)),
      names_(std::move(names)) {}

LogPipelineNames LogPipelineNames::forNode(std::string_view node) {
  LogPipelineNames n;
  n.queue += "." + std::string(node);
  n.archivePrefix += std::string(node) + "/";
  return n;
}

LogPipeline::~LogPipeline() {
  stop();
}

Result<std::unique_ptr<LogPipeline>> LogPipeline::open(
    const std::string& dir, const config::LogsConfig& config, bus::Bus& bus,
    objects::ObjectStore& objects, metrics::MetricsStore* metrics, const Clock& clock,
    ArchiveSeal sealArchive, Names names, std::unique_ptr<LogIndex> index) {
  PHAROS_TRY(bus::validateName(names.queue, "queue"));
  PHAROS_TRY(objects::validateKey(names.archivePrefix + "x"));
  std::unique_ptr<LogPipeline> p(
      new LogPipeline(config, bus, objects, metrics, clock, std::move(sealArchive), names));
  PHAROS_ASSIGN_OR_RETURN(
      p->log_, IngestLog::open(dir + "/ingest",
                               {.segmentBytes = static_cast<std::uint64_t>(config.segmentBytes)}));
  if (p->log_->truncatedBytesAtOpen() > 0) {
    log().warn(
        "cut a torn tail off the ingest log (a crash mid-write; those bytes were never "
        "acknowledged)",
        {{"bytes", p->log_->truncatedBytesAtOpen()}});
  }
  if (index) {
    p->index_ = std::move(index);
  } else {
    LogIndexOptions indexOptions;
    indexOptions.indexedAttributes = config.indexedAttributes;
    PHAROS_ASSIGN_OR_RETURN(p->index_, LogIndex::open(dir + "/index.db", indexOptions));
  }
  p->indexWriter_ = std::make_unique<TaskThread>([] {
    nameThread("logs-index");
    // The index writer is the pipeline's one stage that cannot be split (SQLite has one
    // writer) and the longest: the processor, its helper and the archive can each wait for a
    // core, it should not. Still below the threads that answer clients (nice 0).
    lowerThreadPriority(kIndexWriterNiceness);
  });
  PHAROS_ASSIGN_OR_RETURN(auto state, p->index_->state(kMinerStateKey));
  if (state) {
    auto miner = TemplateMiner::restore(*state, MinerOptions{});
    if (!miner.ok()) return std::move(miner).error().withContext("log template miner state");
    p->miner_ = std::make_unique<TemplateMiner>(std::move(*miner));
  } else {
    p->miner_ = std::make_unique<TemplateMiner>(MinerOptions{});
  }
  p->templates_ = p->miner_->clusterCount();
  PHAROS_ASSIGN_OR_RETURN(std::uint64_t processed, p->index_->processedUpTo());
  // Processing resumes where the index says it stopped; a position before the ingest log's
  // first segment means those segments were processed and removed.
  p->processed_ = std::max(processed, p->log_->begin());
  PHAROS_TRY(bus.declareQueue(names.queue, bus::QueueOptions{}));
  return p;
}

void LogPipeline::start() {
  if (running_.exchange(true)) return;
  {
    // Whatever is durable but not processed (a crash before the message was sent) is
    // announced again; a duplicate message is harmless, the processor goes by position.
    std::lock_guard lock(wakeMutex_);
    publishedUpTo_ = processed_.load();
  }
  wake_.notify_all();
  publisher_ = std::thread([this] {
    nameThread("logs-publish");
    publishLoop();
  });
  processor_ = std::thread([this] {
    nameThread("logs-process");
    processLoop();
  });
  maintenance_ = std::thread([this] {
    nameThread("logs-archive");
    maintenanceLoop();
  });
}

void LogPipeline::stop() {
  if (!running_.exchange(false)) return;
  wake_.notify_all();
  processedCv_.notify_all();
  for (auto* t : {&publisher_, &processor_, &maintenance_}) {
    if (t->joinable()) t->join();
  }
}

bool LogPipeline::accepting() const {
  return backlogBytes() < static_cast<std::uint64_t>(config_.maxBacklogBytes);
}

std::uint64_t LogPipeline::backlogBytes() const {
  std::uint64_t end = log_->durableEnd(), done = processed_.load();
  return end > done ? end - done : 0;
}

Status LogPipeline::ingest(BatchEncoder&& batch) {
  std::size_t lines = batch.count();
  const SanitiseCounts counts = batch.sanitised();
  std::string bytes = std::move(batch).finish();
  PHAROS_TRY(log_->append(bytes));
  ingestedBatches_.fetch_add(1, std::memory_order_relaxed);
  ingestedLines_.fetch_add(lines, std::memory_order_relaxed);
  ingestedBytes_.fetch_add(bytes.size(), std::memory_order_relaxed);
  if (counts.invalidUtf8) sanitisedUtf8_.fetch_add(counts.invalidUtf8, std::memory_order_relaxed);
  if (counts.nulBytes) sanitisedNul_.fetch_add(counts.nulBytes, std::memory_order_relaxed);
  if (counts.truncated) truncated_.fetch_add(counts.truncated, std::memory_order_relaxed);
  wake_.notify_all();
  return okStatus();
}

void LogPipeline::countRejected(RejectReason reason, std::uint64_t lines) {
  rejected_[static_cast<int>(reason)].fetch_add(lines, std::memory_order_relaxed);
}

void LogPipeline::setRecordObserver(RecordObserver observer) {
  std::lock_guard lock(minerMutex_);
  observer_ = std::move(observer);
}

std::string LogPipeline::templateText(std::uint64_t id) const {
  std::lock_guard lock(minerMutex_);
  return miner_->templateText(miner_->resolve(id));
}

// Sends `{"to": N}` for each new durable end, coalescing what arrives within a few ms.
void LogPipeline::publishLoop() {
  while (running_) {
    std::uint64_t end = 0;
    {
      std::unique_lock lock(wakeMutex_);
      wake_.wait_for(lock, Millis(200),
                     [&] { return !running_ || log_->durableEnd() > publishedUpTo_; });
      if (!running_) return;
      end = log_->durableEnd();
      if (end <= publishedUpTo_) continue;
    }
    std::this_thread::sleep_for(Millis(5));
    end = log_->durableEnd();
    auto sent = bus_.send(names_.queue, "{\"to\":" + std::to_string(end) + "}");
    if (!sent.ok()) {
      log().warn("could not announce a log batch; the processor will find it by position",
                 {{"error", sent.error().toString()}});
      std::this_thread::sleep_for(Millis(500));
      continue;
    }
    std::lock_guard lock(wakeMutex_);
    publishedUpTo_ = end;
  }
}

void LogPipeline::processLoop() {
  lowerThreadPriority();
  auto lastDerived = clock_.monotonic();
  auto idleSince = clock_.monotonic();
  while (running_) {
    auto messages = bus_.receive(names_.queue, 256, Millis(200));
    std::uint64_t target = 0;
    std::vector<std::string> receipts;
    if (messages.ok()) {
      for (const auto& m : *messages) {
        std::string_view body = m.body;
        auto colon = body.find(':');
        std::uint64_t to = 0;
        if (colon != std::string_view::npos) {
          std::from_chars(body.data() + colon + 1, body.data() + body.size(), to);
        }
        target = std::max(target, to);
        receipts.push_back(m.receipt);
      }
    }
    // A message lost in a crash must not strand lines: after a second without one, what is
    // durable is processed anyway.
    if (target == 0 && backlogBytes() > 0 && clock_.monotonic() - idleSince > Millis(1'000)) {
      target = log_->durableEnd();
    }
    if (target > processed_) {
      Status s = processUpTo(std::min(target, log_->durableEnd()));
      if (!s.ok()) {
        processErrors_.fetch_add(1, std::memory_order_relaxed);
        log().error("log processing failed; retrying", {{"error", s.error().toString()}});
        std::this_thread::sleep_for(Millis(500));
        continue;  // not acked: delivered again
      }
    }
    if (target == 0) {
      if (backlogBytes() == 0) idleSince = clock_.monotonic();
    } else {
      idleSince = clock_.monotonic();
    }
    if (!receipts.empty()) (void)bus_.ack(receipts);
    if (metrics_ != nullptr && clock_.monotonic() - lastDerived >= kDerivedFlush) {
      lastDerived = clock_.monotonic();
      // Derived metrics are observations: one failed write is logged, not retried.
      if (auto s = derived_.flush(*metrics_, toUnixMillis(clock_.now())); !s.ok()) {
        log().warn("could not write derived log metrics", {{"error", s.error().toString()}});
      }
    }
  }
}

// One chunk parsed and mined, waiting for (or in) its index write.
struct LogPipeline::ParsedChunk {
  std::vector<Record> records;  // the first `count` are this chunk's; the rest keep capacity
  std::size_t count = 0;
  std::uint64_t end = 0;
  std::string minerState;  // empty: the templates did not change
  PreparedWrite prepared;  // its blocks, encoded and with their token sets
};

// Parses, mines and prepares chunk N+1 (blocks encoded, token sets built, on this thread and
// the index's helper) while chunk N is stored on the index thread. Storing was the longer
// stage when it also prepared, and the cores waited on it. Positions still advance strictly in
// order; processed_ moves only after a chunk's write committed.
Status LogPipeline::processUpTo(std::uint64_t target) {
  ParsedChunk chunks[2];
  int next = 0;
  std::future<Status> writing;
  ParsedChunk* inWrite = nullptr;
  auto finishWrite = [&]() -> Status {
    if (!writing.valid()) return okStatus();
    Status s = writing.get();
    // Stored: its blocks are freed now, and it points into records the next parse reuses.
    inWrite->prepared = {};
    PHAROS_TRY(std::move(s));
    std::span<const Record> done(inWrite->records.data(), inWrite->count);
    processed_ = inWrite->end;
    processedLines_.fetch_add(done.size(), std::memory_order_relaxed);
    tail_.publish(done);
    processedCv_.notify_all();
    return okStatus();
  };
  std::uint64_t parsedUpTo = processed_;
  while (parsedUpTo < target && running_) {
    auto chunk = log_->read(parsedUpTo, kReadBytes);
    if (!chunk.ok()) {
      (void)finishWrite();
      return chunk.error();
    }
    if (chunk->batches.empty()) break;
    ParsedChunk& parsed = chunks[next];
    next ^= 1;
    parsed.count = 0;
    parsed.end = chunk->end;
    parsed.minerState.clear();
    {
      bool minerChanged = false;
      const bool shareTemplates = !index_->node().empty();
      std::vector<TemplateText> newTexts;
      // Handed to the index however this block ends (templatesShared_ already names them); it
      // stores them with the next write, ahead of or with the records that name them.
      struct PutTexts {
        LogIndex& index;
        std::vector<TemplateText>& texts;
        ~PutTexts() {
          if (!texts.empty()) index.putTemplates(std::move(texts));
        }
      } putTexts{*index_, newTexts};
      std::lock_guard lock(minerMutex_);
      for (auto bytes : chunk->batches) {
        auto reader = BatchReader::open(bytes);
        if (!reader.ok()) {
          (void)finishWrite();
          return reader.error();
        }
        EntryView entry;
        while (true) {
          auto more = reader->next(entry);
          if (!more.ok()) {
            (void)finishWrite();
            return more.error();
          }
          if (!*more) break;
          if (parsed.count == parsed.records.size()) parsed.records.emplace_back();
          Record& r = parsed.records[parsed.count++];
          parser_.parse(reader->source(), reader->receivedAtNs(), entry, r);
          MinedTemplate mined = miner_->add(r.message);
          r.templateId = mined.id;
          minerChanged |= mined.created || mined.changed;
          if (shareTemplates &&
              (templatesShared_.insert(mined.id).second || mined.created || mined.changed)) {
            newTexts.push_back({mined.id, miner_->templateText(mined.id)});
          }
          derived_.add(r, mined.created);
        }
      }
      if (minerChanged) {
        parsed.minerState = miner_->snapshot();
        templates_ = miner_->clusterCount();
      }
      if (observer_)
        observer_(std::span<const Record>(parsed.records.data(), parsed.count), *miner_);
    }
    parsed.prepared = index_->prepare(std::span<const Record>(parsed.records.data(), parsed.count));
    PHAROS_TRY(finishWrite());
    inWrite = &parsed;
    writing = indexWriter_->submit([this, &parsed] {
      return index_->store(
          parsed.prepared, parsed.end,
          parsed.minerState.empty() ? std::string_view() : std::string_view(kMinerStateKey),
          parsed.minerState);
    });
    parsedUpTo = chunk->end;
  }
  return finishWrite();
}

bool LogPipeline::waitProcessed(Millis timeout) {
  std::uint64_t target = log_->durableEnd();
  wake_.notify_all();
  std::unique_lock lock(wakeMutex_);
  return processedCv_.wait_for(lock, timeout, [&] { return processed_ >= target || !running_; }) &&
         processed_ >= target;
}

Result<bool> LogPipeline::archived(std::uint64_t begin) const {
  // Under any of its names: the seal switch may have changed since (a restart), an older
  // version wrote whole objects, and a segment is archived once.
  for (ArchiveFormat format : {ArchiveFormat::kTemplated, ArchiveFormat::kWhole}) {
    for (bool sealed : {static_cast<bool>(sealArchive_), !sealArchive_}) {
      auto info = objects_.stat(archiveKey(names_.archivePrefix, begin, format, sealed));
      if (info.ok()) return true;
      if (info.error().code != ErrorCode::kNotFound) return std::move(info).error();
    }
  }
  return false;
}

Status LogPipeline::archiveSealed() {
  for (const auto& seg : log_->sealedSegments()) {
    bool seal = static_cast<bool>(sealArchive_);
    PHAROS_ASSIGN_OR_RETURN(bool done, archived(seg.begin));
    if (!done) {
      auto chunk = log_->read(seg.begin, static_cast<std::size_t>(seg.end - seg.begin));
      if (!chunk.ok()) return chunk.error();
      // The segment file as written (every record with its framing), templated, and stored so
      // only once it decodes back to the segment; else compressed whole, as before.
      PHAROS_ASSIGN_OR_RETURN(
          CheckedArchive archive,
          encodeCheckedArchive(chunk->bytes, static_cast<int>(config_.archiveLevel)));
      if (archive.mismatch) {
        archiveFallbacks_.fetch_add(1, std::memory_order_relaxed);
        log().warn("a templated archive object did not decode to its segment; stored it whole",
                   {{"segment", seg.begin}, {"error", archive.fallbackReason}});
      } else if (!archive.templated) {
        log().info("archived a segment whole",
                   {{"segment", seg.begin}, {"reason", archive.fallbackReason}});
      }
      std::string compressed = std::move(archive.object);
      std::string key =
          archiveKey(names_.archivePrefix, seg.begin,
                     archive.templated ? ArchiveFormat::kTemplated : ArchiveFormat::kWhole, seal);
      if (seal) {
        auto sealed = sealArchive_(compressed);
        if (!sealed.ok()) return std::move(sealed).error().withContext(key);
        compressed = std::move(*sealed);
      }
      PHAROS_TRY(objects_.put(key, compressed));
      archivedSegments_.fetch_add(1, std::memory_order_relaxed);
      archivedBytes_.fetch_add(compressed.size(), std::memory_order_relaxed);
      archivedInputBytes_.fetch_add(chunk->bytes.size(), std::memory_order_relaxed);
    }
    if (processed_ >= seg.end) PHAROS_TRY(log_->removeSegment(seg.begin));
  }
  return okStatus();
}

void LogPipeline::maintenanceLoop() {
  lowerThreadPriority();
  auto lastRetention = clock_.monotonic() - Millis(3'600'000);
  while (running_) {
    {
      std::unique_lock lock(wakeMutex_);
      wake_.wait_for(lock, Millis(2'000), [&] { return !running_; });
    }
    if (!running_) return;
    if (auto s = archiveSealed(); !s.ok()) {
      log().error("archiving the ingest log failed; will retry", {{"error", s.error().toString()}});
    }
    if (clock_.monotonic() - lastRetention >= Millis(3'600'000)) {
      lastRetention = clock_.monotonic();
      std::int64_t cutoff = nowNs(clock_) - config_.retention.count() * 1'000'000;
      auto dropped = index_->dropPartitionsBefore(cutoff);
      if (!dropped.ok()) {
        log().error("dropping expired log partitions failed",
                    {{"error", dropped.error().toString()}});
      } else if (*dropped > 0) {
        log().info("dropped expired log partitions",
                   {{"partitions", static_cast<std::uint64_t>(*dropped)}});
      }
    }
  }
}

void LogPipeline::writeStats(PrometheusText& out) const {
  auto counter = [&](std::string_view name, std::string_view help, double v) {
    out.family(name, help, "counter");
    out.sample(name, {}, v);
  };
  auto gauge = [&](std::string_view name, std::string_view help, double v) {
    out.family(name, help, "gauge");
    out.sample(name, {}, v);
  };
  counter("pharos_logs_ingested_lines_total", "Lines made durable by ingest.",
          static_cast<double>(ingestedLines_.load()));
  counter("pharos_logs_ingested_bytes_total", "Encoded bytes made durable by ingest.",
          static_cast<double>(ingestedBytes_.load()));
  counter("pharos_logs_ingested_batches_total", "Batches made durable by ingest.",
          static_cast<double>(ingestedBatches_.load()));
  counter("pharos_logs_processed_lines_total", "Lines parsed, mined and indexed.",
          static_cast<double>(processedLines_.load()));
  counter("pharos_logs_process_errors_total", "Processing steps that failed and were retried.",
          static_cast<double>(processErrors_.load()));
  gauge("pharos_logs_backlog_bytes", "Durable bytes waiting for processing.",
        static_cast<double>(backlogBytes()));
  gauge("pharos_logs_templates", "Log templates known to the miner.",
        static_cast<double>(templates_.load()));
  gauge("pharos_logs_tail_subscribers", "Live tails open.",
        static_cast<double>(tail_.subscribers()));
  out.family("pharos_logs_sanitised_total", "Lines changed on the way in, by reason.", "counter");
  out.sample("pharos_logs_sanitised_total", {{"reason", "invalid_utf8"}},
             static_cast<double>(sanitisedUtf8_.load()));
  out.sample("pharos_logs_sanitised_total", {{"reason", "nul_byte"}},
             static_cast<double>(sanitisedNul_.load()));
  out.sample("pharos_logs_sanitised_total", {{"reason", "truncated"}},
             static_cast<double>(truncated_.load()));
  out.family("pharos_logs_rejected_total", "Lines refused by ingest, by reason.", "counter");
  const char* names[] = {"malformed", "too_large", "overloaded", "udp_dropped"};
  for (int i = 0; i < static_cast<int>(RejectReason::kCount); ++i) {
    out.sample("pharos_logs_rejected_total", {{"reason", names[i]}},
               static_cast<double>(rejected_[i].load()));
  }
  counter("pharos_logs_archived_segments_total", "Ingest-log segments written to the raw archive.",
          static_cast<double>(archivedSegments_.load()));
  counter("pharos_logs_archived_bytes_total", "Compressed bytes written to the raw archive.",
          static_cast<double>(archivedBytes_.load()));
  counter("pharos_logs_archived_input_bytes_total", "Ingest-log bytes the raw archive compressed.",
          static_cast<double>(archivedInputBytes_.load()));
  counter("pharos_logs_archive_fallbacks_total",
          "Segments archived whole because their templated object did not decode to them.",
          static_cast<double>(archiveFallbacks_.load()));
}

}  // namespace pharos::logs
