#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/task_thread.h"
#include "core/thread_name.h"
#include "logs/log_index.h"
#include "store/day_partitions.h"
#include "store/store.h"

namespace pharos::logs {

// The log index every process of a deployment shares, on PostgreSQL: blocks in a table
// partitioned by receive day (LIST), each with the tsvector of its token set under a GIN
// index, so any API process searches what every logs process wrote. Retention drops whole
// partitions. Each logs process keeps its own rows for what is its own: its processed
// position in its ingest log, its template miner's state, and its partition and template
// counts (miners number templates independently, so a template is (node, id)).
class SharedLogIndex final : public LogIndex {
 public:
  // Refuses a store that is not PostgreSQL. `node` names this process's own rows.
  static Result<std::unique_ptr<SharedLogIndex>> open(store::Store& store, std::string node,
                                                      LogIndexOptions options);
  ~SharedLogIndex() override;

  PreparedWrite prepare(std::span<const Record> records) override;
  Status store(const PreparedWrite& prepared, std::uint64_t processedUpTo,
               std::string_view stateKey = {}, std::string_view state = {}) override;
  Result<std::uint64_t> processedUpTo() override;
  Result<std::optional<std::string>> state(std::string_view key) override;
  Result<SearchPage> search(const SearchRequest& request,
                            const std::function<bool(const Record&)>& match) override;
  Result<std::vector<TemplateCount>> templateCounts(std::int64_t startNs, std::int64_t endNs,
                                                    std::string_view service) override;
  // Blocks in id order: ids come from one sequence, but transactions of different processes
  // may commit out of that order, so a follower can miss a block another process committed
  // late. The live tail of the API (TailHub) does not depend on this.
  Result<std::int64_t> blocksAfter(std::int64_t afterBlock, std::size_t maxBlocks,
                                   const std::function<void(const Record&)>& onRecord) override;
  Result<std::int64_t> lastBlockId() override;
  Result<std::vector<PartitionInfo>> partitions() override;
  Result<std::size_t> dropPartitionsBefore(std::int64_t cutoffNs) override;
  std::string_view node() const override { return node_; }
  void putTemplates(std::vector<TemplateText> templates) override;

 private:
  SharedLogIndex(store::Store& store, std::string node, LogIndexOptions options);

  store::Store& store_;
  const std::string node_;
  const LogIndexOptions options_;
  store::DayPartitions partitions_;  // log_blocks', made before a write needs them
  std::mutex templatesMutex_;
  std::vector<TemplateText> pendingTemplates_;  // under templatesMutex_, until a write stores them
  // Encodes half of each write's blocks beside the thread preparing it.
  TaskThread prepareHelper_{[] { nameThread("logs-prepare"); }};
};

}  // namespace pharos::logs
