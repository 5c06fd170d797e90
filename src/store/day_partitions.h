#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/schema.h"
#include "store/store.h"

namespace pharos::store {

inline constexpr std::int64_t kMsPerDay = 86'400'000;

// Days since 1970-01-01 (UTC) of a time in ms, rounded down.
std::int64_t dayOfMillis(std::int64_t ms);
// "YYYYMMDD" of a day since 1970-01-01; nullopt outside the years 0000-9999.
std::optional<std::string> dayName(std::int64_t day);
// The day a "YYYYMMDD" names; nullopt when it is not one.
std::optional<std::int64_t> parseDayName(std::string_view name);

// How a table on PostgreSQL is split by day. One of two shapes:
//  - LIST on a TEXT column holding "YYYYMMDD" (`dayNameColumn`): log_blocks;
//  - RANGE on a column of ms since the epoch (`millisColumn`), optionally after an integer
//    `groupColumn` so there is one partition per value of it and day: metric_chunks is
//    RANGE (resolution, min_t), health_failures RANGE (at_ms).
// A RANGE partition spans one day, or `spanDays(group)` days counted from 1970-01-01 so a
// group kept for years (hourly rollups) has tens of partitions, not hundreds. A partition is
// named by its first day: `<parent>_YYYYMMDD`, or `<parent>_<group>_YYYYMMDD` when grouped.
struct PartitionScheme {
  std::string parent;
  std::string dayNameColumn;
  std::string millisColumn;
  std::string groupColumn;
  std::int64_t (*spanDays)(std::int64_t group) = nullptr;  // null: one day each

  bool grouped() const { return !groupColumn.empty(); }
  std::int64_t daysIn(std::int64_t group) const {
    return spanDays && dayNameColumn.empty() ? std::max<std::int64_t>(1, spanDays(group)) : 1;
  }
};

// One partition: its first day and, for a grouped scheme, its group value (else 0).
struct PartitionKey {
  std::int64_t group = 0;
  std::int64_t day = 0;
  auto operator<=>(const PartitionKey&) const = default;
};

// The partition that holds `day` (since 1970-01-01) of `group`.
PartitionKey partitionKeyOf(const PartitionScheme& scheme, std::int64_t group, std::int64_t day);
// The table of one partition; kInvalidArgument outside the years 0000-9999.
Result<std::string> partitionTableName(const PartitionScheme& scheme, const PartitionKey& key);
// CREATE TABLE IF NOT EXISTS <partition> PARTITION OF <parent> FOR VALUES …
Result<std::string> partitionCreateSql(const PartitionScheme& scheme, const PartitionKey& key);

// The partitions of one day-partitioned table: made on demand before a write needs them,
// listed and dropped by retention. Retention by DROP TABLE costs the same whatever a day
// holds, where DELETE writes every row it removes to the WAL and leaves it for VACUUM.
//
// Made for any store; on SQLite (which has no partitions) ensure() does nothing, write() is
// one transaction and list() is empty, so callers need not branch. Thread-safe.
class DayPartitions {
 public:
  DayPartitions(Store& store, PartitionScheme scheme);

  const PartitionScheme& scheme() const { return scheme_; }
  bool active() const { return active_; }

  // The partition a row with `group` and time `ms` goes to.
  PartitionKey keyOf(std::int64_t group, std::int64_t ms) const;
  Result<std::string> tableName(const PartitionKey& key) const {
    return partitionTableName(scheme_, key);
  }

  // Makes the partition unless this process already knows it. Two processes making the same
  // one at once collide in PostgreSQL's catalog even with IF NOT EXISTS: the loser finds the
  // table there and succeeds too.
  Status ensure(const PartitionKey& key);
  // Runs `work` in one transaction once `keys`' partitions exist (repeats are fine). When that
  // fails it forgets what it knew and runs once more: retention in another process may have dropped
  // a partition this one still thought was there. `work` may run twice, like any transaction.
  Status write(std::span<const PartitionKey> keys, const std::function<Status(Session&)>& work);

  // The partitions that exist now (read from pg_inherits), ordered by group then day.
  Result<std::vector<PartitionKey>> list() const;
  // Drops a partition in `session`'s transaction (no error if it is gone already: any process
  // may sweep) and forgets it.
  Status drop(Session& session, const PartitionKey& key);
  // Retention: drops the partitions (of `group`, when grouped) whose last day ends at or before
  // `endsBy`, each in a transaction of its own; returns how many. Their rows are not counted:
  // that would read what a drop need not. With `onlyEmpty`, a partition that still has a row
  // is kept (it is locked before the look, so no write gets in between).
  Result<std::int64_t> dropDaysEndingBy(std::int64_t group, std::int64_t endsBy, bool onlyEmpty);
  // Forgets every partition this process made: the next write checks each again.
  void forget();

 private:
  Store& store_;
  const PartitionScheme scheme_;
  const bool active_;
  mutable std::mutex mutex_;
  std::set<PartitionKey> known_;  // under mutex_
};

// For a migration on PostgreSQL: turns `table`, created unpartitioned by an earlier version,
// into a table partitioned by `scheme` holding the same rows, in `session`'s transaction:
// the old table is renamed away, the partitioned one created with `table`'s columns and
// indexes, a partition made for every day (and group) the rows have, the rows moved and the
// old table dropped. Its cost is a copy of the table: once, at the upgrade.
Status partitionExistingTable(Session& session, const Table& table, const PartitionScheme& scheme);

}  // namespace pharos::store
