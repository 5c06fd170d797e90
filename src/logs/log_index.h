#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "logs/record.h"

namespace pharos::logs {

struct LogIndexOptions {
  std::size_t blockRecords = 1024;  // records per block: the unit a search decodes
  // Level 1 makes blocks as small as level 3 does on log lines (52.2 KB against 52.1 KB for
  // 1,024 benchmark lines), at 0.75x the CPU (bench/logs_index_bench.cpp).
  int zstdLevel = 1;
  // Attributes whose values are indexed as field tokens (logs.indexed_attributes).
  std::vector<std::string> indexedAttributes;
};

// Where a search resumes: the last record returned, in newest-first order.
struct SearchCursor {
  std::int64_t timestampNs = 0;
  std::int64_t block = 0;
  std::int32_t index = 0;
  std::string encode() const;
  static std::optional<SearchCursor> decode(std::string_view text);
};

struct SearchRequest {
  std::int64_t startNs = 0;   // inclusive
  std::int64_t endNs = 0;     // inclusive
  std::string ftsExpression;  // FTS5 MATCH over block documents; empty: scan by time
  std::size_t limit = 100;
  std::optional<SearchCursor> after;
  // Upper bound on records decoded, so a broad query over a huge range answers in bounded
  // time; the page says when it was reached.
  std::size_t maxScanned = 5'000'000;
};

struct SearchPage {
  std::vector<Record> records;  // newest first
  std::optional<SearchCursor> next;
  std::size_t blocksRead = 0;
  std::size_t recordsScanned = 0;
  bool scanLimitReached = false;
};

struct TemplateCount {
  std::uint64_t templateId = 0;
  std::string service;
  std::uint64_t count = 0;
  std::int64_t firstSeenNs = 0;
  std::int64_t lastSeenNs = 0;
  // The logs process whose miner numbered the template, on the shared index (each numbers its
  // own); empty on the embedded one.
  std::string node;
  // The template's text as that process last wrote it (putTemplates), on the shared index.
  std::string text;
};

// A template as its miner numbers and writes it, for putTemplates().
struct TemplateText {
  std::uint64_t id = 0;
  std::string text;
};

// A write cut into blocks, encoded, with its token sets (index_blocks.h).
struct PreparedWrite;

struct PartitionInfo {
  std::string day;  // YYYYMMDD (UTC), by receive time
  std::int64_t minTimestampNs = 0;
  std::int64_t maxTimestampNs = 0;
  std::int64_t records = 0;
  std::int64_t blocks = 0;
};

// The searchable store of processed lines. Lines are kept in zstd blocks, each indexed by
// its set of tokens, so a rare term finds its few blocks without scanning; blocks live in day
// partitions (by receive time) and retention drops whole partitions, never row by row.
//
// Two implementations: the embedded one, a SQLite database in the data directory with FTS5
// (sqlite_log_index.h), and the shared one on PostgreSQL with tsvector/GIN
// (shared_log_index.h), which every logs process of a deployment writes and every API process
// searches. Thread-safe: one writer (the processor) and many readers (queries).
class LogIndex {
 public:
  // The embedded index at `path` (a SQLite file, created if missing).
  static Result<std::unique_ptr<LogIndex>> open(const std::string& path, LogIndexOptions options);
  virtual ~LogIndex() = default;

  // Stores the records (any order) and the processed position, and `state` under `stateKey`
  // if given (the miner's snapshot), in one transaction: store(prepare(records), ...).
  Status write(std::span<const Record> records, std::uint64_t processedUpTo,
               std::string_view stateKey = {}, std::string_view state = {});
  // The two halves of write(). prepare() is most of its CPU and takes no lock, so the processor
  // prepares the next write while the index thread stores this one. The result points into
  // `records`, which must outlive it.
  virtual PreparedWrite prepare(std::span<const Record> records) = 0;
  virtual Status store(const PreparedWrite& prepared, std::uint64_t processedUpTo,
                       std::string_view stateKey = {}, std::string_view state = {}) = 0;
  virtual Result<std::uint64_t> processedUpTo() = 0;
  virtual Result<std::optional<std::string>> state(std::string_view key) = 0;

  // Records in [startNs, endNs] whose block matches the FTS expression and for which `match`
  // is true, newest first.
  virtual Result<SearchPage> search(const SearchRequest& request,
                                    const std::function<bool(const Record&)>& match) = 0;
  // Per (service, template) counts of lines with timestamps in partitions overlapping the
  // range.
  virtual Result<std::vector<TemplateCount>> templateCounts(std::int64_t startNs,
                                                            std::int64_t endNs,
                                                            std::string_view service) = 0;

  // For a follower (`pharos logs tail`): the records of blocks written after `afterBlock`, in
  // write order, at most `maxBlocks` blocks; returns the id of the last block read
  // (`afterBlock` when there was none). lastBlockId() is where to start from now.
  virtual Result<std::int64_t> blocksAfter(std::int64_t afterBlock, std::size_t maxBlocks,
                                           const std::function<void(const Record&)>& onRecord) = 0;
  virtual Result<std::int64_t> lastBlockId() = 0;

  virtual Result<std::vector<PartitionInfo>> partitions() = 0;
  // Drops every partition whose receive day ended before `cutoffNs`; returns how many.
  virtual Result<std::size_t> dropPartitionsBefore(std::int64_t cutoffNs) = 0;

  // The process whose rows this index writes, on the shared index; empty on the embedded one.
  virtual std::string_view node() const { return {}; }
  // The texts of this process's templates, stored with the next write, so the counts of a
  // shared index can name templates another process's miner numbered. The embedded index,
  // whose only miner is in this process, keeps none.
  virtual void putTemplates(std::vector<TemplateText> templates) { (void)templates; }
};

// "20261205" for a time in that UTC day.
std::string utcDay(std::int64_t ns);

}  // namespace pharos::logs
