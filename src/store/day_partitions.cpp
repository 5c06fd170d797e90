#include "store/day_partitions.h"

#include <algorithm>

#include <fmt/format.h>

namespace pharos::store {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days: exact for any proleptic Gregorian date,
// and independent of the C library's time zone handling.
std::int64_t daysFromCivil(std::int64_t y, std::int64_t m, std::int64_t d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::string unpartitionedName(const std::string& parent) {
  return parent + "_unpartitioned";
}

std::string partitionByClause(const PartitionScheme& scheme) {
  if (!scheme.dayNameColumn.empty()) return fmt::format("LIST ({})", scheme.dayNameColumn);
  if (scheme.grouped())
    return fmt::format("RANGE ({}, {})", scheme.groupColumn, scheme.millisColumn);
  return fmt::format("RANGE ({})", scheme.millisColumn);
}

// The (group, day) pairs the rows of `table` have; keyOf() maps them to partitions.
std::string distinctKeysSql(const PartitionScheme& scheme, const std::string& table) {
  if (!scheme.dayNameColumn.empty())
    return fmt::format("SELECT DISTINCT 0::bigint, {} FROM {}", scheme.dayNameColumn, table);
  std::string day = fmt::format("floor({}::numeric / {})::bigint", scheme.millisColumn, kMsPerDay);
  return fmt::format("SELECT DISTINCT {}, {} FROM {}",
                     scheme.grouped() ? scheme.groupColumn : "0::bigint", day, table);
}

// Dropping a partition locks its parent table exclusively, so it waits for every query
// running on the table, and every query that comes after waits for it. Waiting at most 2 s
// keeps one long query from stalling all of them behind retention: the drop fails and the
// next retention pass tries again.
Status boundLockWait(Session& session) {
  auto set = session.query("SELECT set_config('lock_timeout', '2s', true)");
  if (!set.ok()) return set.error();
  return okStatus();
}

Result<bool> tableExists(Store& store, const std::string& table) {
  PHAROS_ASSIGN_OR_RETURN(
      Rows rows, store.query("SELECT 1 FROM pg_tables WHERE tablename = $1 AND schemaname = "
                             "current_schema()",
                             {table}));
  return !rows.empty();
}

}  // namespace

std::int64_t dayOfMillis(std::int64_t ms) {
  return ms >= 0 ? ms / kMsPerDay : (ms - kMsPerDay + 1) / kMsPerDay;
}

std::optional<std::string> dayName(std::int64_t day) {
  if (day < daysFromCivil(0, 1, 1) || day > daysFromCivil(9999, 12, 31)) return std::nullopt;
  const std::int64_t z = day + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2);
  return fmt::format("{:04}{:02}{:02}", y, m, d);
}

std::optional<std::int64_t> parseDayName(std::string_view name) {
  if (name.size() != 8) return std::nullopt;
  std::int64_t digits[8];
  for (std::size_t i = 0; i < 8; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    digits[i] = name[i] - '0';
  }
  std::int64_t y = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3];
  std::int64_t m = digits[4] * 10 + digits[5];
  std::int64_t d = digits[6] * 10 + digits[7];
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  std::int64_t day = daysFromCivil(y, m, d);
  // 20240231 is no day: it would come back as another name.
  if (dayName(day) != std::string(name)) return std::nullopt;
  return day;
}

DayPartitions::DayPartitions(Store& store, PartitionScheme scheme)
    : store_(store), scheme_(std::move(scheme)), active_(store.dialect() == Dialect::kPostgres) {}

PartitionKey partitionKeyOf(const PartitionScheme& scheme, std::int64_t group, std::int64_t day) {
  if (!scheme.grouped()) group = 0;
  const std::int64_t span = scheme.daysIn(group);
  // Rounded down, before 1970 too.
  const std::int64_t first = (day >= 0 ? day / span : (day - span + 1) / span) * span;
  return PartitionKey{group, first};
}

PartitionKey DayPartitions::keyOf(std::int64_t group, std::int64_t ms) const {
  return partitionKeyOf(scheme_, group, dayOfMillis(ms));
}

Result<std::string> partitionTableName(const PartitionScheme& scheme, const PartitionKey& key) {
  std::optional<std::string> day = dayName(key.day);
  if (!day || key.group < 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("no partition for group {} and day {}", key.group, key.day),
                     scheme.parent);
  }
  if (scheme.grouped()) return fmt::format("{}_{}_{}", scheme.parent, key.group, *day);
  return fmt::format("{}_{}", scheme.parent, *day);
}

Result<std::string> partitionCreateSql(const PartitionScheme& scheme, const PartitionKey& key) {
  PHAROS_ASSIGN_OR_RETURN(std::string table, partitionTableName(scheme, key));
  std::string bounds;
  if (!scheme.dayNameColumn.empty()) {
    bounds = fmt::format("IN ('{}')", *dayName(key.day));
  } else {
    std::int64_t from = key.day * kMsPerDay;
    std::int64_t to = from + scheme.daysIn(key.group) * kMsPerDay;
    bounds = scheme.grouped() ? fmt::format("FROM ({0}, {1}) TO ({0}, {2})", key.group, from, to)
                              : fmt::format("FROM ({}) TO ({})", from, to);
  }
  return fmt::format("CREATE TABLE IF NOT EXISTS {} PARTITION OF {} FOR VALUES {}", table,
                     scheme.parent, bounds);
}

Status DayPartitions::ensure(const PartitionKey& key) {
  if (!active_) return okStatus();
  std::lock_guard lock(mutex_);
  if (known_.contains(key)) return okStatus();
  PHAROS_ASSIGN_OR_RETURN(std::string sql, partitionCreateSql(scheme_, key));
  auto created = store_.execute(sql);
  if (!created.ok()) {
    PHAROS_ASSIGN_OR_RETURN(std::string table, partitionTableName(scheme_, key));
    PHAROS_ASSIGN_OR_RETURN(bool there, tableExists(store_, table));
    if (!there) return created.error();
  }
  known_.insert(key);
  return okStatus();
}

Status DayPartitions::write(std::span<const PartitionKey> keys,
                            const std::function<Status(Session&)>& work) {
  // A write names each partition once per row; each is made (or looked up) once.
  const std::set<PartitionKey> distinct(keys.begin(), keys.end());
  Status written = okStatus();
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt > 0) forget();
    written = okStatus();
    for (const PartitionKey& key : distinct) {
      written = ensure(key);
      if (!written.ok()) break;
    }
    if (written.ok()) written = store_.transaction(work);
    if (written.ok() || !active_) break;
  }
  return written;
}

Result<std::vector<PartitionKey>> DayPartitions::list() const {
  std::vector<PartitionKey> out;
  if (!active_) return out;
  PHAROS_ASSIGN_OR_RETURN(Rows rows,
                          store_.query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON "
                                       "c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1)",
                                       {scheme_.parent}));
  const std::string prefix = scheme_.parent + "_";
  for (const Row& row : rows) {
    std::string_view name = row.text(0);
    if (!name.starts_with(prefix)) continue;
    name.remove_prefix(prefix.size());
    PartitionKey key;
    if (scheme_.grouped()) {
      std::size_t cut = name.find('_');
      if (cut == std::string_view::npos || cut == 0) continue;
      std::int64_t group = 0;
      for (char c : name.substr(0, cut)) {
        if (c < '0' || c > '9')
          return makeError(ErrorCode::kInternal, "odd partition", row.text(0));
        group = group * 10 + (c - '0');
      }
      key.group = group;
      name.remove_prefix(cut + 1);
    }
    std::optional<std::int64_t> day = parseDayName(name);
    if (!day) continue;  // not one of ours: left alone
    key.day = *day;
    out.push_back(key);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status DayPartitions::drop(Session& session, const PartitionKey& key) {
  if (!active_) return okStatus();
  PHAROS_ASSIGN_OR_RETURN(std::string table, partitionTableName(scheme_, key));
  PHAROS_TRY(boundLockWait(session));
  PHAROS_TRY(session.execute("DROP TABLE IF EXISTS " + table));
  std::lock_guard lock(mutex_);
  known_.erase(key);
  return okStatus();
}

Result<std::int64_t> DayPartitions::dropDaysEndingBy(std::int64_t group, std::int64_t endsBy,
                                                     bool onlyEmpty) {
  PHAROS_ASSIGN_OR_RETURN(std::vector<PartitionKey> keys, list());
  std::int64_t dropped = 0;
  for (const PartitionKey& key : keys) {
    if (key.group != (scheme_.grouped() ? group : 0) ||
        (key.day + scheme_.daysIn(key.group)) * kMsPerDay > endsBy)
      continue;
    PHAROS_ASSIGN_OR_RETURN(std::string table, partitionTableName(scheme_, key));
    bool gone = false;
    Status done = store_.transaction([&](Session& s) -> Status {
      gone = false;
      if (onlyEmpty) {
        PHAROS_TRY(boundLockWait(s));
        // Locked before the look inside, so no write gets in between it and the drop.
        PHAROS_TRY(s.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE"));
        PHAROS_ASSIGN_OR_RETURN(Rows any, s.query("SELECT 1 FROM " + table + " LIMIT 1"));
        if (!any.empty()) return okStatus();
      }
      PHAROS_TRY(drop(s, key));
      gone = true;
      return okStatus();
    });
    if (!done.ok()) {
      // Dropped by another process since list(): nothing left to do.
      PHAROS_ASSIGN_OR_RETURN(bool there, tableExists(store_, table));
      if (there) return done.error();
      continue;
    }
    if (gone) ++dropped;
  }
  return dropped;
}

void DayPartitions::forget() {
  std::lock_guard lock(mutex_);
  known_.clear();
}

Status partitionExistingTable(Session& session, const Table& table, const PartitionScheme& scheme) {
  if (scheme.parent != table.name) {
    return makeError(ErrorCode::kInternal, "scheme and table differ", table.name);
  }
  const std::string old = unpartitionedName(table.name);
  // Free every name the partitioned table takes: the table's, its primary key's and its
  // indexes' (CREATE INDEX IF NOT EXISTS would otherwise find the old index and do nothing).
  PHAROS_TRY(session.execute(fmt::format("ALTER TABLE {} RENAME TO {}", table.name, old)));
  PHAROS_TRY(session.execute(
      fmt::format("ALTER INDEX IF EXISTS {0}_pkey RENAME TO {1}_pkey", table.name, old)));
  for (const Index& index : table.indexes)
    PHAROS_TRY(session.execute("DROP INDEX IF EXISTS " + index.name));
  std::vector<std::string> create = renderTable(table, Dialect::kPostgres);
  create.front() += " PARTITION BY " + partitionByClause(scheme);
  for (const std::string& sql : create)
    PHAROS_TRY(session.execute(sql));
  // No race to tolerate here: the migration's own transaction makes the partitions, under the
  // migrator's lock.
  PHAROS_ASSIGN_OR_RETURN(Rows days, session.query(distinctKeysSql(scheme, old)));
  std::set<PartitionKey> keys;
  for (const Row& row : days) {
    std::int64_t day = 0;
    if (!scheme.dayNameColumn.empty()) {
      std::optional<std::int64_t> named = parseDayName(row.text(1));
      if (!named) return makeError(ErrorCode::kDataLoss, "not a day: " + row.text(1), old);
      day = *named;
    } else {
      day = row.integer(1);
    }
    keys.insert(partitionKeyOf(scheme, row.integer(0), day));
  }
  for (const PartitionKey& key : keys) {
    PHAROS_ASSIGN_OR_RETURN(std::string sql, partitionCreateSql(scheme, key));
    PHAROS_TRY(session.execute(sql));
  }
  std::vector<std::string> columns;
  for (const Column& c : table.columns)
    columns.push_back(c.name);
  PHAROS_TRY(session.execute(fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM {2}", table.name,
                                         fmt::join(columns, ", "), old)));
  PHAROS_TRY(session.execute("DROP TABLE " + old));
  return okStatus();
}

}  // namespace pharos::store
