#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/task_thread.h"
#include "core/thread_name.h"
#include "logs/log_index.h"
#include "sqlite/connection.h"
#include "sqlite/wal_checkpointer.h"

namespace pharos::logs {

// The embedded log index: one SQLite database (WAL, synchronous=NORMAL: the ingest log is
// the durable copy, and the processed position commits with the blocks, so a lost transaction
// is processed again). A day partition is a blocks table and an FTS5 table over each block's
// set of tokens; retention drops the tables. A mutex-guarded writer connection and a pool of
// read connections.
class SqliteLogIndex final : public LogIndex {
 public:
  static Result<std::unique_ptr<SqliteLogIndex>> open(const std::string& path,
                                                      LogIndexOptions options);
  ~SqliteLogIndex() override;

  PreparedWrite prepare(std::span<const Record> records) override;
  Status store(const PreparedWrite& prepared, std::uint64_t processedUpTo,
               std::string_view stateKey = {}, std::string_view state = {}) override;
  Result<std::uint64_t> processedUpTo() override;
  Result<std::optional<std::string>> state(std::string_view key) override;
  Result<SearchPage> search(const SearchRequest& request,
                            const std::function<bool(const Record&)>& match) override;
  Result<std::vector<TemplateCount>> templateCounts(std::int64_t startNs, std::int64_t endNs,
                                                    std::string_view service) override;
  Result<std::int64_t> blocksAfter(std::int64_t afterBlock, std::size_t maxBlocks,
                                   const std::function<void(const Record&)>& onRecord) override;
  Result<std::int64_t> lastBlockId() override;
  Result<std::vector<PartitionInfo>> partitions() override;
  Result<std::size_t> dropPartitionsBefore(std::int64_t cutoffNs) override;

 private:
  SqliteLogIndex(sqlite::ConnectionPtr writer,
                 std::unique_ptr<sqlite::WalCheckpointer> checkpointer, std::string path,
                 LogIndexOptions options);
  Status ensurePartition(const std::string& day);
  Result<sqlite::ConnectionPtr> borrowReader();
  void returnReader(sqlite::ConnectionPtr conn);

  std::mutex writeMutex_;
  sqlite::ConnectionPtr writer_;
  // Its checkpoints, on a thread of their own; goes before writer_ does.
  std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;
  std::string path_;
  LogIndexOptions options_;
  std::vector<std::string> knownPartitions_;  // under writeMutex_
  std::mutex readersMutex_;
  std::vector<sqlite::ConnectionPtr> readers_;
  // Encodes half of each write's blocks beside the thread preparing it.
  TaskThread prepareHelper_{[] { nameThread("logs-prepare"); }};
};

}  // namespace pharos::logs
