#pragma once

// What both log index implementations do the same way: cut a write into day partitions and
// blocks, encode the blocks with their token sets, count templates, and turn the blocks a
// search selected into a page of matching records, newest first.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "core/task_thread.h"
#include "logs/log_index.h"
#include "logs/record.h"

namespace pharos::logs {

inline constexpr std::int64_t kNsPerDay = 86'400'000'000'000;

// The UTC day (days since 1970-01-01, floored) of a time in nanoseconds.
constexpr std::int64_t dayNumber(std::int64_t ns) {
  return ns >= 0 ? ns / kNsPerDay : (ns - kNsPerDay + 1) / kNsPerDay;
}

// The first nanosecond of a "YYYYMMDD" day; isDayName() says whether a name is one.
std::int64_t dayStartNs(const std::string& day);
bool isDayName(std::string_view day);

// The index document of a block: the distinct tokens of appendIndexDocument() over its
// records, space separated. A set, not a sequence: the index only narrows a search to blocks
// (a phrase is checked on the decoded lines), so order and repeats would only cost space.
std::string blockDocument(std::span<const Record* const> records,
                          std::span<const std::string> indexedAttributes);

// A block ready to insert: encoded, with its index document (the distinct tokens of its
// records, space separated), built outside any lock.
struct PreparedBlock {
  std::string day;
  std::int64_t lo = 0, hi = 0, count = 0;
  std::string data, doc;
};

struct TemplateKey {
  std::string_view service;
  std::uint64_t id;
  bool operator==(const TemplateKey&) const = default;
};
struct TemplateKeyHash {
  std::size_t operator()(const TemplateKey& k) const {
    return std::hash<std::string_view>()(k.service) * 31 + std::hash<std::uint64_t>()(k.id);
  }
};
struct TemplateStat {
  std::uint64_t count = 0;
  std::int64_t first = INT64_MAX, last = INT64_MIN;
};

// One day's share of a write.
struct DayWrite {
  std::vector<const Record*> records;  // in timestamp order
  std::unordered_map<TemplateKey, TemplateStat, TemplateKeyHash> templates;
  std::int64_t blocks = 0;
};

struct PreparedWrite {
  std::map<std::string, DayWrite> days;  // by receive day, in order
  std::vector<PreparedBlock> blocks;     // day by day, each in timestamp order
};

// Splits `records` (which must outlive the result: it points into them) by receive day, sorts
// each day by timestamp and cuts it into blocks of `options.blockRecords`. Encoding and token
// sets are most of the work: half of the blocks are prepared on `helper`, beside the caller.
PreparedWrite prepareWrite(std::span<const Record> records, const LogIndexOptions& options,
                           TaskThread& helper);

// A block a search may read: where it is, for the fetcher, and its place in newest-first order.
struct BlockCandidate {
  std::int64_t maxTs = 0;
  std::int64_t id = 0;     // the block id cursors hold: unique and stable
  std::size_t part = 0;    // the fetcher's own reference (a partition)
  std::int64_t local = 0;  // the fetcher's own id of the block within it
};

// The bytes of a candidate block, or nullopt when it is gone (dropped by retention meanwhile).
using FetchBlock = std::function<Result<std::optional<std::string>>(const BlockCandidate&)>;

// Reads candidates newest first, keeps the records within the request's range, past its
// cursor and accepted by `match`, and stops as soon as no further block can improve the page
// or the scan limit is reached.
Result<SearchPage> collectPage(std::vector<BlockCandidate> candidates, const SearchRequest& request,
                               const std::function<bool(const Record&)>& match,
                               const FetchBlock& fetch);

}  // namespace pharos::logs
