#include "logs/sqlite_log_index.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "logs/index_blocks.h"
#include "logs/record_codec.h"

namespace pharos::logs {
namespace {

constexpr char kProcessedKey[] = "processed_up_to";

// Block ids order by partition day, then by insertion: a cursor compares them directly.
std::int64_t blockId(std::int64_t dayNo, std::int64_t local) {
  return (dayNo << 32) | local;
}

}  // namespace

SqliteLogIndex::SqliteLogIndex(sqlite::ConnectionPtr writer,
                               std::unique_ptr<sqlite::WalCheckpointer> checkpointer,
                               std::string path, LogIndexOptions options)
    : writer_(std::move(writer)),
      checkpointer_(std::move(checkpointer)),
      path_(std::move(path)),
      options_(std::move(options)) {}

SqliteLogIndex::~SqliteLogIndex() = default;

Result<std::unique_ptr<SqliteLogIndex>> SqliteLogIndex::open(const std::string& path,
                                                             LogIndexOptions options) {
  sqlite::OpenOptions open;
  open.synchronousFull = false;
  open.cacheSizeKiB = 16 * 1024;
  open.pageSize = 8192;
  PHAROS_ASSIGN_OR_RETURN(auto conn, sqlite::Connection::open(path, open));
  PHAROS_TRY(conn->exec(
      "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS partitions (day TEXT PRIMARY KEY, min_ts INTEGER, "
      "  max_ts INTEGER, records INTEGER, blocks INTEGER) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS template_stats (day TEXT, service TEXT, template_id INTEGER,"
      "  count INTEGER, first_ns INTEGER, last_ns INTEGER,"
      "  PRIMARY KEY (day, service, template_id)) WITHOUT ROWID;"));
  // The index thread is processing's one stage that cannot be split; an 8 MB checkpoint with
  // two fsyncs inside its commits held it up to 10% of the time.
  PHAROS_ASSIGN_OR_RETURN(auto checkpointer, sqlite::WalCheckpointer::attach(*conn, open, {}));
  std::unique_ptr<SqliteLogIndex> index(
      new SqliteLogIndex(std::move(conn), std::move(checkpointer), path, std::move(options)));
  PHAROS_ASSIGN_OR_RETURN(auto parts, index->partitions());
  for (const auto& p : parts)
    index->knownPartitions_.push_back(p.day);
  return index;
}

Status SqliteLogIndex::ensurePartition(const std::string& day) {
  if (std::find(knownPartitions_.begin(), knownPartitions_.end(), day) != knownPartitions_.end()) {
    return okStatus();
  }
  // A setting of the day's FTS5 table, kept in its config.
  auto ftsOption = [&](std::string_view name, std::int64_t value) {
    return fmt::format("INSERT INTO fts_{0}(fts_{0}, rank) VALUES ('{1}', {2});", day, name, value);
  };
  // detail=none: the document is a set of tokens, so positions would mean nothing; a phrase
  // is checked on the decoded lines.
  PHAROS_TRY(writer_->exec(
      "CREATE TABLE IF NOT EXISTS blocks_" + day +
      " (id INTEGER PRIMARY KEY, min_ts INTEGER, max_ts INTEGER, n INTEGER, data BLOB);"
      "CREATE INDEX IF NOT EXISTS blocks_" +
      day + "_max_ts ON blocks_" + day +
      " (max_ts);"
      "CREATE VIRTUAL TABLE IF NOT EXISTS fts_" +
      day +
      " USING fts5(doc, content='', columnsize=0, detail=none, tokenize=\"ascii tokenchars "
      "'_'\");" +
      // FTS5 writes a segment each time its pending terms pass `hashsize` (1 MiB by default),
      // several per write of ours, each to be merged later; 16 MiB holds a whole write: one
      // segment, and 0.78x the SQLite instructions (bench/logs_index_bench.cpp, BM_Write/4).
      ftsOption("hashsize", 16 << 20) +
      // Merging is most of FTS5's work on a busy day: each term is rewritten once per level of
      // segments. Merging 16 segments at a time instead of 4 halves the levels: 0.63x the
      // instructions of FTS5's commits over 2M lines (BM_Write/20), more so as a day grows,
      // for a few more segments for a search to look a term up in. `crisismerge` (16 by
      // default) goes above it, or a level that reaches 16 would be merged all at once inside
      // one write, a stall that grows 16-fold with each level; at 64 the merges stay
      // incremental, a little with each write, for the same instructions
      // (bench/logs/fts_merge.py).
      ftsOption("automerge", 16) + ftsOption("crisismerge", 64) +
      "INSERT OR IGNORE INTO partitions VALUES ('" + day + "', NULL, NULL, 0, 0);"));
  knownPartitions_.push_back(day);
  return okStatus();
}

PreparedWrite SqliteLogIndex::prepare(std::span<const Record> records) {
  return prepareWrite(records, options_, prepareHelper_);
}

Status SqliteLogIndex::store(const PreparedWrite& prepared, std::uint64_t processedUpTo,
                             std::string_view stateKey, std::string_view state) {
  std::lock_guard lock(writeMutex_);
  PHAROS_TRY(writer_->begin());
  auto fail = [&](Status s) {
    (void)writer_->rollback();
    return s;
  };
  for (const auto& b : prepared.blocks) {
    if (auto s = ensurePartition(b.day); !s.ok()) return fail(std::move(s));
    auto insert = writer_->prepare("INSERT INTO blocks_" + b.day +
                                   " (min_ts, max_ts, n, data) VALUES (?1, ?2, ?3, ?4)");
    if (!insert.ok()) return fail(insert.error());
    insert->bind(1, b.lo).bind(2, b.hi).bind(3, b.count).bindBlob(4, b.data);
    if (auto s = insert->run(); !s.ok()) return fail(std::move(s));
    std::int64_t rowid = writer_->lastInsertRowId();
    auto fts = writer_->prepare("INSERT INTO fts_" + b.day + " (rowid, doc) VALUES (?1, ?2)");
    if (!fts.ok()) return fail(fts.error());
    fts->bind(1, rowid).bind(2, b.doc);
    if (auto s = fts->run(); !s.ok()) return fail(std::move(s));
  }
  for (const auto& [day, dw] : prepared.days) {
    const auto& rows = dw.records;
    std::int64_t minTs = rows.front()->timestampNs, maxTs = rows.back()->timestampNs;
    auto part = writer_->prepare(
        "UPDATE partitions SET min_ts = min(coalesce(min_ts, ?2), ?2), max_ts = "
        "max(coalesce(max_ts, ?3), ?3), records = records + ?4, blocks = blocks + ?5 WHERE day = "
        "?1");
    if (!part.ok()) return fail(part.error());
    part->bind(1, day).bind(2, minTs).bind(3, maxTs).bind(4,
                                                          static_cast<std::int64_t>(rows.size()));
    part->bind(5, dw.blocks);
    if (auto s = part->run(); !s.ok()) return fail(std::move(s));
    for (const auto& [key, st] : dw.templates) {
      auto up = writer_->prepare(
          "INSERT INTO template_stats VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (day, service, "
          "template_id) DO UPDATE SET count = count + ?4, first_ns = min(first_ns, ?5), "
          "last_ns = max(last_ns, ?6)");
      if (!up.ok()) return fail(up.error());
      up->bind(1, day).bind(2, key.service).bind(3, static_cast<std::int64_t>(key.id));
      up->bind(4, static_cast<std::int64_t>(st.count)).bind(5, st.first).bind(6, st.last);
      if (auto s = up->run(); !s.ok()) return fail(std::move(s));
    }
  }
  // One cached statement, so each use is scoped: it must be reset before it is bound again.
  auto putMeta = [&](std::string_view key, auto bindValue) -> Status {
    PHAROS_ASSIGN_OR_RETURN(auto stmt,
                            writer_->prepare("INSERT OR REPLACE INTO meta VALUES (?1, ?2)"));
    stmt.bind(1, key);
    bindValue(stmt);
    return stmt.run();
  };
  if (auto s = putMeta(
          kProcessedKey,
          [&](sqlite::Statement& st) { st.bind(2, static_cast<std::int64_t>(processedUpTo)); });
      !s.ok()) {
    return fail(std::move(s));
  }
  if (!stateKey.empty()) {
    if (auto s = putMeta(stateKey, [&](sqlite::Statement& st) { st.bindBlob(2, state); });
        !s.ok()) {
      return fail(std::move(s));
    }
  }
  return writer_->commit();
}

Result<std::uint64_t> SqliteLogIndex::processedUpTo() {
  std::lock_guard lock(writeMutex_);
  PHAROS_ASSIGN_OR_RETURN(auto stmt, writer_->prepare("SELECT value FROM meta WHERE key = ?1"));
  stmt.bind(1, std::string_view(kProcessedKey));
  PHAROS_ASSIGN_OR_RETURN(bool row, stmt.step());
  return row ? static_cast<std::uint64_t>(stmt.int64(0)) : 0;
}

Result<std::optional<std::string>> SqliteLogIndex::state(std::string_view key) {
  std::lock_guard lock(writeMutex_);
  PHAROS_ASSIGN_OR_RETURN(auto stmt, writer_->prepare("SELECT value FROM meta WHERE key = ?1"));
  stmt.bind(1, key);
  PHAROS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(stmt.blob(0)));
}

Result<sqlite::ConnectionPtr> SqliteLogIndex::borrowReader() {
  {
    std::lock_guard lock(readersMutex_);
    if (!readers_.empty()) {
      auto conn = std::move(readers_.back());
      readers_.pop_back();
      return conn;
    }
  }
  sqlite::OpenOptions open;
  open.readOnly = true;
  open.cacheSizeKiB = 8 * 1024;
  return sqlite::Connection::open(path_, open);
}

void SqliteLogIndex::returnReader(sqlite::ConnectionPtr conn) {
  std::lock_guard lock(readersMutex_);
  if (readers_.size() < 8) readers_.push_back(std::move(conn));
}

Result<std::vector<PartitionInfo>> SqliteLogIndex::partitions() {
  std::lock_guard lock(writeMutex_);
  PHAROS_ASSIGN_OR_RETURN(
      auto stmt,
      writer_->prepare(
          "SELECT day, coalesce(min_ts, 0), coalesce(max_ts, 0), records, blocks FROM partitions "
          "ORDER BY day"));
  std::vector<PartitionInfo> out;
  while (true) {
    PHAROS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) break;
    out.push_back(
        {std::string(stmt.text(0)), stmt.int64(1), stmt.int64(2), stmt.int64(3), stmt.int64(4)});
  }
  return out;
}

Result<std::size_t> SqliteLogIndex::dropPartitionsBefore(std::int64_t cutoffNs) {
  PHAROS_ASSIGN_OR_RETURN(auto parts, partitions());
  std::size_t dropped = 0;
  std::lock_guard lock(writeMutex_);
  for (const auto& p : parts) {
    if (!isDayName(p.day) || dayStartNs(p.day) + kNsPerDay > cutoffNs) continue;
    PHAROS_TRY(writer_->begin());
    Status s =
        writer_->exec("DROP TABLE IF EXISTS fts_" + p.day + "; DROP TABLE IF EXISTS blocks_" +
                      p.day + "; DELETE FROM partitions WHERE day = '" + p.day +
                      "'; DELETE FROM template_stats WHERE day = '" + p.day + "';");
    if (!s.ok()) {
      (void)writer_->rollback();
      return s.error();
    }
    PHAROS_TRY(writer_->commit());
    knownPartitions_.erase(std::remove(knownPartitions_.begin(), knownPartitions_.end(), p.day),
                           knownPartitions_.end());
    ++dropped;
  }
  return dropped;
}

Result<SearchPage> SqliteLogIndex::search(const SearchRequest& request,
                                          const std::function<bool(const Record&)>& match) {
  PHAROS_ASSIGN_OR_RETURN(auto parts, partitions());
  PHAROS_ASSIGN_OR_RETURN(auto conn, borrowReader());
  auto finish = [&](Result<SearchPage> r) {
    returnReader(std::move(conn));
    return r;
  };
  std::vector<BlockCandidate> candidates;
  for (std::size_t pi = 0; pi < parts.size(); ++pi) {
    const auto& p = parts[pi];
    if (!isDayName(p.day) || p.records == 0) continue;
    if (p.maxTimestampNs < request.startNs || p.minTimestampNs > request.endNs) continue;
    std::string sql =
        "SELECT id, max_ts FROM blocks_" + p.day + " WHERE max_ts >= ?1 AND min_ts <= ?2";
    if (!request.ftsExpression.empty()) {
      sql += " AND id IN (SELECT rowid FROM fts_" + p.day + " WHERE fts_" + p.day + " MATCH ?3)";
    }
    auto stmt = conn->prepare(sql);
    if (!stmt.ok()) return finish(stmt.error());
    stmt->bind(1, request.startNs).bind(2, request.endNs);
    if (!request.ftsExpression.empty()) stmt->bind(3, request.ftsExpression);
    std::int64_t dayNo = dayStartNs(p.day) / kNsPerDay;
    while (true) {
      auto row = stmt->step();
      if (!row.ok()) {
        Error e = row.error();
        if (e.code != ErrorCode::kInternal) return finish(e);
        return finish(makeError(ErrorCode::kInvalidArgument,
                                "the full-text expression was refused: " + e.message));
      }
      if (!*row) break;
      candidates.push_back({stmt->int64(1), blockId(dayNo, stmt->int64(0)), pi, stmt->int64(0)});
    }
  }
  auto fetch = [&](const BlockCandidate& cand) -> Result<std::optional<std::string>> {
    PHAROS_ASSIGN_OR_RETURN(auto stmt, conn->prepare("SELECT data FROM blocks_" +
                                                     parts[cand.part].day + " WHERE id = ?1"));
    stmt.bind(1, cand.local);
    PHAROS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(std::string(stmt.blob(0)));
  };
  return finish(collectPage(std::move(candidates), request, match, fetch));
}

Result<std::vector<TemplateCount>> SqliteLogIndex::templateCounts(std::int64_t startNs,
                                                                  std::int64_t endNs,
                                                                  std::string_view service) {
  PHAROS_ASSIGN_OR_RETURN(auto conn, borrowReader());
  auto stmt = conn->prepare(
      "SELECT template_id, service, sum(count), min(first_ns), max(last_ns) FROM template_stats "
      "WHERE last_ns >= ?1 AND first_ns <= ?2 AND (?3 = '' OR service = ?3) "
      "GROUP BY template_id, service ORDER BY sum(count) DESC LIMIT 10000");
  std::vector<TemplateCount> out;
  if (!stmt.ok()) {
    returnReader(std::move(conn));
    return stmt.error();
  }
  stmt->bind(1, startNs).bind(2, endNs).bind(3, service);
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) {
      returnReader(std::move(conn));
      return row.error();
    }
    if (!*row) break;
    out.push_back({static_cast<std::uint64_t>(stmt->int64(0)), std::string(stmt->text(1)),
                   static_cast<std::uint64_t>(stmt->int64(2)), stmt->int64(3), stmt->int64(4)});
  }
  returnReader(std::move(conn));
  return out;
}

Result<std::int64_t> SqliteLogIndex::lastBlockId() {
  PHAROS_ASSIGN_OR_RETURN(auto parts, partitions());
  if (parts.empty()) return 0;
  const auto& last = parts.back();
  if (!isDayName(last.day)) return 0;
  PHAROS_ASSIGN_OR_RETURN(auto conn, borrowReader());
  auto stmt = conn->prepare("SELECT coalesce(max(id), 0) FROM blocks_" + last.day);
  std::int64_t id = 0;
  Status status = okStatus();
  if (!stmt.ok()) {
    status = stmt.error();
  } else if (auto row = stmt->step(); !row.ok()) {
    status = row.error();
  } else {
    id = blockId(dayStartNs(last.day) / kNsPerDay, *row ? stmt->int64(0) : 0);
  }
  returnReader(std::move(conn));
  PHAROS_TRY(std::move(status));
  return id;
}

Result<std::int64_t> SqliteLogIndex::blocksAfter(
    std::int64_t afterBlock, std::size_t maxBlocks,
    const std::function<void(const Record&)>& onRecord) {
  PHAROS_ASSIGN_OR_RETURN(auto parts, partitions());
  PHAROS_ASSIGN_OR_RETURN(auto conn, borrowReader());
  std::int64_t last = afterBlock;
  std::size_t read = 0;
  std::vector<Record> decoded;
  Status status = okStatus();
  for (const auto& p : parts) {
    if (!isDayName(p.day) || read >= maxBlocks || !status.ok()) continue;
    std::int64_t dayNo = dayStartNs(p.day) / kNsPerDay;
    if (blockId(dayNo, 0xFFFFFFFF) <= afterBlock) continue;
    std::int64_t fromLocal = blockId(dayNo, 0) > afterBlock ? 0 : (afterBlock & 0xFFFFFFFF);
    auto stmt = conn->prepare("SELECT id, data FROM blocks_" + p.day +
                              " WHERE id > ?1 ORDER BY id LIMIT ?2");
    if (!stmt.ok()) {
      status = stmt.error();
      break;
    }
    stmt->bind(1, fromLocal).bind(2, static_cast<std::int64_t>(maxBlocks - read));
    while (true) {
      auto row = stmt->step();
      if (!row.ok()) {
        status = row.error();
        break;
      }
      if (!*row) break;
      if (auto s = decodeRecordBlock(stmt->blob(1), decoded); !s.ok()) {
        status = s;
        break;
      }
      for (const auto& r : decoded)
        onRecord(r);
      last = blockId(dayNo, stmt->int64(0));
      ++read;
    }
  }
  returnReader(std::move(conn));
  PHAROS_TRY(std::move(status));
  return last;
}

}  // namespace pharos::logs
