#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/task_thread.h"
#include "logs/record.h"
#include "sqlite/connection.h"

namespace pharos::logs {

struct LogIndexOptions {
  std::size_t blockRecords = 1024;  // records per block: the unit a search decodes
  int zstdLevel = 3;
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
};

struct PartitionInfo {
  std::string day;  // YYYYMMDD (UTC), by receive time
  std::int64_t minTimestampNs = 0;
  std::int64_t maxTimestampNs = 0;
  std::int64_t records = 0;
  std::int64_t blocks = 0;
};

// The searchable store of processed lines: one SQLite database (WAL, synchronous=NORMAL:
// the ingest log is the durable copy, and the processed position commits with the blocks, so
// a lost transaction is processed again). Lines are kept in zstd blocks; an FTS5 table per
// day partition indexes each block's set of tokens, so a rare term finds its few blocks
// without scanning; retention drops whole partitions (tables), never row by row.
//
// Thread-safe: one writer (the processor) and many readers (queries) share a mutex-guarded
// writer connection and a pool of read connections.
class LogIndex {
 public:
  static Result<std::unique_ptr<LogIndex>> open(const std::string& path, LogIndexOptions options);
  ~LogIndex();

  // Stores the records (any order) and the processed position, and `state` under `stateKey`
  // if given (the miner's snapshot), in one transaction.
  Status write(std::span<const Record> records, std::uint64_t processedUpTo,
               std::string_view stateKey = {}, std::string_view state = {});
  Result<std::uint64_t> processedUpTo();
  Result<std::optional<std::string>> state(std::string_view key);

  // Records in [startNs, endNs] whose block matches the FTS expression and for which `match`
  // is true, newest first.
  Result<SearchPage> search(const SearchRequest& request,
                            const std::function<bool(const Record&)>& match);
  // Per (service, template) counts of lines with timestamps in partitions overlapping the range.
  Result<std::vector<TemplateCount>> templateCounts(std::int64_t startNs, std::int64_t endNs,
                                                    std::string_view service);

  // For a follower (`pharos logs tail`): the records of blocks written after `afterBlock`, in
  // write order, at most `maxBlocks` blocks; returns the id of the last block read
  // (`afterBlock` when there was none). lastBlockId() is where to start from now.
  Result<std::int64_t> blocksAfter(std::int64_t afterBlock, std::size_t maxBlocks,
                                   const std::function<void(const Record&)>& onRecord);
  Result<std::int64_t> lastBlockId();

  Result<std::vector<PartitionInfo>> partitions();
  // Drops every partition whose receive day ended before `cutoffNs`; returns how many.
  Result<std::size_t> dropPartitionsBefore(std::int64_t cutoffNs);

 private:
  LogIndex(sqlite::ConnectionPtr writer, std::string path, LogIndexOptions options);
  Status ensurePartition(const std::string& day);
  Result<sqlite::ConnectionPtr> borrowReader();
  void returnReader(sqlite::ConnectionPtr conn);

  std::mutex writeMutex_;
  sqlite::ConnectionPtr writer_;
  std::string path_;
  LogIndexOptions options_;
  std::vector<std::string> knownPartitions_;  // under writeMutex_
  std::mutex readersMutex_;
  std::vector<sqlite::ConnectionPtr> readers_;
  // Encodes half of each write's blocks beside the writing thread.
  TaskThread prepareHelper_;
};

// "20261205" for a time in that UTC day.
std::string utcDay(std::int64_t ns);

}  // namespace pharos::logs
