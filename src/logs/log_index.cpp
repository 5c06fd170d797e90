#include "logs/log_index.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <future>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "logs/record_codec.h"
#include "logs/tokens.h"

namespace pharos::logs {
namespace {

constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
constexpr char kProcessedKey[] = "processed_up_to";

std::int64_t dayNumber(std::int64_t ns) {
  return ns >= 0 ? ns / kNsPerDay : (ns - kNsPerDay + 1) / kNsPerDay;
}

// Block ids order by partition day, then by insertion: a cursor compares them directly.
std::int64_t blockId(std::int64_t dayNo, std::int64_t local) {
  return (dayNo << 32) | local;
}

std::int64_t dayStartNs(const std::string& day) {
  std::tm tm{};
  tm.tm_year = std::stoi(day.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(day.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(day.substr(6, 2));
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000;
}

// The FTS document of a block: the distinct tokens of appendIndexDocument() over its
// records. A set, not a sequence: the index only narrows a search to blocks (a phrase is
// checked on the decoded lines), so order and repeats would only cost space.
std::string blockDocument(std::span<const Record* const> records,
                          std::span<const std::string> indexedAttributes) {
  std::string all;
  for (const Record* r : records) {
    appendIndexDocument(*r, all, indexedAttributes);
    all.push_back(' ');
  }
  std::unordered_set<std::string_view> words;
  words.reserve(records.size() * 8);
  forEachToken(all, [&](std::string_view token) { words.insert(token); });
  std::string doc;
  doc.reserve(all.size() / 2);
  for (auto w : words)
    doc.append(w).push_back(' ');
  return doc;
}

bool validDay(std::string_view day) {
  return day.size() == 8 &&
         std::all_of(day.begin(), day.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string utcDay(std::int64_t ns) {
  std::time_t seconds = static_cast<std::time_t>(dayNumber(ns) * 86'400);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

std::string SearchCursor::encode() const {
  return std::to_string(timestampNs) + "." + std::to_string(block) + "." + std::to_string(index);
}

std::optional<SearchCursor> SearchCursor::decode(std::string_view text) {
  SearchCursor c;
  auto take = [&](auto& value) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc()) return false;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return true;
  };
  if (!take(c.timestampNs) || text.empty() || text[0] != '.') return std::nullopt;
  text.remove_prefix(1);
  if (!take(c.block) || text.empty() || text[0] != '.') return std::nullopt;
  text.remove_prefix(1);
  if (!take(c.index) || !text.empty()) return std::nullopt;
  return c;
}

LogIndex::LogIndex(sqlite::ConnectionPtr writer, std::string path, LogIndexOptions options)
    : writer_(std::move(writer)), path_(std::move(path)), options_(std::move(options)) {}

LogIndex::~LogIndex() = default;

Result<std::unique_ptr<LogIndex>> LogIndex::open(const std::string& path, LogIndexOptions options) {
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
  std::unique_ptr<LogIndex> index(new LogIndex(std::move(conn), path, std::move(options)));
  PHAROS_ASSIGN_OR_RETURN(auto parts, index->partitions());
  for (const auto& p : parts)
    index->knownPartitions_.push_back(p.day);
  return index;
}

Status LogIndex::ensurePartition(const std::string& day) {
  if (std::find(knownPartitions_.begin(), knownPartitions_.end(), day) != knownPartitions_.end()) {
    return okStatus();
  }
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
      " USING fts5(doc, content='', columnsize=0, detail=none, tokenize=\"ascii tokenchars '_'\");"
      "INSERT OR IGNORE INTO partitions VALUES ('" +
      day + "', NULL, NULL, 0, 0);"));
  knownPartitions_.push_back(day);
  return okStatus();
}

namespace {

// A block ready to insert: encoded and its document built, outside the write lock.
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

}  // namespace

Status LogIndex::write(std::span<const Record> records, std::uint64_t processedUpTo,
                       std::string_view stateKey, std::string_view state) {
  // Partition by receive day; within it, blocks of records in timestamp order.
  std::map<std::string, std::vector<const Record*>> byDay;
  for (const auto& r : records)
    byDay[utcDay(r.receivedNs)].push_back(&r);
  std::vector<PreparedBlock> blocks;
  std::map<std::string, std::unordered_map<TemplateKey, TemplateStat, TemplateKeyHash>> stats;
  for (auto& [day, rows] : byDay) {
    std::stable_sort(rows.begin(), rows.end(), [](const Record* a, const Record* b) {
      return a->timestampNs < b->timestampNs;
    });
    auto& dayStats = stats[day];
    for (const Record* r : rows) {
      auto& st = dayStats[TemplateKey{r->service, r->templateId}];
      ++st.count;
      st.first = std::min(st.first, r->timestampNs);
      st.last = std::max(st.last, r->timestampNs);
    }
    for (std::size_t at = 0; at < rows.size(); at += options_.blockRecords) {
      std::size_t end = std::min(rows.size(), at + options_.blockRecords);
      blocks.push_back({day,
                        rows[at]->timestampNs,
                        rows[end - 1]->timestampNs,
                        static_cast<std::int64_t>(end - at),
                        {},
                        {}});
    }
  }
  // Encoding and token sets are most of the work and need no lock: half of the blocks on a
  // second thread.
  auto prepare = [&](std::size_t from, std::size_t to) {
    std::size_t at = 0;
    for (auto& [day, rows] : byDay) {
      for (std::size_t i = 0; i < rows.size(); i += options_.blockRecords, ++at) {
        if (at < from || at >= to) continue;
        std::span<const Record* const> block(rows.data() + i,
                                             std::min(options_.blockRecords, rows.size() - i));
        blocks[at].data = encodeRecordBlock(block, options_.zstdLevel);
        blocks[at].doc = blockDocument(block, options_.indexedAttributes);
      }
    }
  };
  std::size_t half = blocks.size() / 2;
  // The helper thread takes its caller's priority (the processor's, lowered).
  auto other = half > 0
                   ? prepareHelper_.submit(
                         [&, priority = getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()))] {
                           (void)setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), priority);
                           prepare(0, half);
                         })
                   : std::future<void>();
  prepare(half, blocks.size());
  if (other.valid()) other.get();

  std::lock_guard lock(writeMutex_);
  PHAROS_TRY(writer_->begin());
  auto fail = [&](Status s) {
    (void)writer_->rollback();
    return s;
  };
  for (const auto& b : blocks) {
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
  for (auto& [day, rows] : byDay) {
    std::int64_t minTs = rows.front()->timestampNs, maxTs = rows.back()->timestampNs;
    auto part = writer_->prepare(
        "UPDATE partitions SET min_ts = min(coalesce(min_ts, ?2), ?2), max_ts = "
        "max(coalesce(max_ts, ?3), ?3), records = records + ?4, blocks = blocks + ?5 WHERE day = "
        "?1");
    if (!part.ok()) return fail(part.error());
    part->bind(1, day).bind(2, minTs).bind(3, maxTs).bind(4,
                                                          static_cast<std::int64_t>(rows.size()));
    part->bind(5, static_cast<std::int64_t>((rows.size() + options_.blockRecords - 1) /
                                            options_.blockRecords));
    if (auto s = part->run(); !s.ok()) return fail(std::move(s));
    for (const auto& [key, st] : stats[day]) {
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

Result<std::uint64_t> LogIndex::processedUpTo() {
  std::lock_guard lock(writeMutex_);
  PHAROS_ASSIGN_OR_RETURN(auto stmt, writer_->prepare("SELECT value FROM meta WHERE key = ?1"));
  stmt.bind(1, std::string_view(kProcessedKey));
  PHAROS_ASSIGN_OR_RETURN(bool row, stmt.step());
  return row ? static_cast<std::uint64_t>(stmt.int64(0)) : 0;
}

Result<std::optional<std::string>> LogIndex::state(std::string_view key) {
  std::lock_guard lock(writeMutex_);
  PHAROS_ASSIGN_OR_RETURN(auto stmt, writer_->prepare("SELECT value FROM meta WHERE key = ?1"));
  stmt.bind(1, key);
  PHAROS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(stmt.blob(0)));
}

Result<sqlite::ConnectionPtr> LogIndex::borrowReader() {
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

void LogIndex::returnReader(sqlite::ConnectionPtr conn) {
  std::lock_guard lock(readersMutex_);
  if (readers_.size() < 8) readers_.push_back(std::move(conn));
}

Result<std::vector<PartitionInfo>> LogIndex::partitions() {
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

Result<std::size_t> LogIndex::dropPartitionsBefore(std::int64_t cutoffNs) {
  PHAROS_ASSIGN_OR_RETURN(auto parts, partitions());
  std::size_t dropped = 0;
  std::lock_guard lock(writeMutex_);
  for (const auto& p : parts) {
    if (!validDay(p.day) || dayStartNs(p.day) + kNsPerDay > cutoffNs) continue;
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

Result<SearchPage> LogIndex::search(const SearchRequest& request,
                                    const std::function<bool(const Record&)>& match) {
  PHAROS_ASSIGN_OR_RETURN(auto parts, partitions());
  PHAROS_ASSIGN_OR_RETURN(auto conn, borrowReader());
  struct Candidate {
    std::int64_t maxTs;
    std::int64_t id;  // global block id
    const PartitionInfo* part;
    std::int64_t local;
  };
  std::vector<Candidate> candidates;
  SearchPage page;
  auto finish = [&](Result<SearchPage> r) {
    returnReader(std::move(conn));
    return r;
  };
  for (const auto& p : parts) {
    if (!validDay(p.day) || p.records == 0) continue;
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
      candidates.push_back({stmt->int64(1), blockId(dayNo, stmt->int64(0)), &p, stmt->int64(0)});
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.maxTs != b.maxTs ? a.maxTs > b.maxTs : a.id > b.id;
  });

  struct Hit {
    std::int64_t ts, block;
    std::int32_t index;
    Record record;
  };
  auto newer = [](const Hit& a, const Hit& b) {
    if (a.ts != b.ts) return a.ts > b.ts;
    if (a.block != b.block) return a.block > b.block;
    return a.index > b.index;
  };
  auto beforeCursor = [&](std::int64_t ts, std::int64_t block, std::int32_t index) {
    if (!request.after) return true;
    const auto& c = *request.after;
    if (ts != c.timestampNs) return ts < c.timestampNs;
    if (block != c.block) return block < c.block;
    return index < c.index;
  };
  std::vector<Hit> hits;
  std::vector<Record> decoded;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto& cand = candidates[i];
    if (hits.size() >= request.limit) {
      // The oldest of the best `limit` hits so far: a block whose newest line is older
      // cannot improve the page, and neither can any after it.
      std::nth_element(hits.begin(), hits.begin() + static_cast<long>(request.limit - 1),
                       hits.end(), newer);
      hits.resize(request.limit);
      std::int64_t kth =
          std::min_element(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
            return newer(b, a);
          })->ts;
      if (cand.maxTs < kth) break;
    }
    if (page.recordsScanned >= request.maxScanned) {
      page.scanLimitReached = true;
      break;
    }
    if (request.after && cand.maxTs < request.startNs) continue;
    auto stmt = conn->prepare("SELECT data FROM blocks_" + cand.part->day + " WHERE id = ?1");
    if (!stmt.ok()) return finish(stmt.error());
    stmt->bind(1, cand.local);
    auto row = stmt->step();
    if (!row.ok()) return finish(row.error());
    if (!*row) continue;  // dropped by retention meanwhile
    if (auto s = decodeRecordBlock(stmt->blob(0), decoded); !s.ok()) return finish(s.error());
    ++page.blocksRead;
    page.recordsScanned += decoded.size();
    for (std::size_t k = 0; k < decoded.size(); ++k) {
      auto& r = decoded[k];
      if (r.timestampNs < request.startNs || r.timestampNs > request.endNs) continue;
      if (!beforeCursor(r.timestampNs, cand.id, static_cast<std::int32_t>(k))) continue;
      if (!match(r)) continue;
      hits.push_back({r.timestampNs, cand.id, static_cast<std::int32_t>(k), std::move(r)});
    }
  }
  std::sort(hits.begin(), hits.end(), newer);
  if (hits.size() > request.limit) hits.resize(request.limit);
  // A full page may have a successor (the caller learns by asking); so may a page cut
  // short by the scan limit.
  if (!hits.empty() && (hits.size() == request.limit || page.scanLimitReached)) {
    page.next = SearchCursor{hits.back().ts, hits.back().block, hits.back().index};
  }
  for (auto& h : hits)
    page.records.push_back(std::move(h.record));
  return finish(std::move(page));
}

Result<std::vector<TemplateCount>> LogIndex::templateCounts(std::int64_t startNs,
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

Result<std::int64_t> LogIndex::lastBlockId() {
  PHAROS_ASSIGN_OR_RETURN(auto parts, partitions());
  if (parts.empty()) return 0;
  const auto& last = parts.back();
  if (!validDay(last.day)) return 0;
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

Result<std::int64_t> LogIndex::blocksAfter(std::int64_t afterBlock, std::size_t maxBlocks,
                                           const std::function<void(const Record&)>& onRecord) {
  PHAROS_ASSIGN_OR_RETURN(auto parts, partitions());
  PHAROS_ASSIGN_OR_RETURN(auto conn, borrowReader());
  std::int64_t last = afterBlock;
  std::size_t read = 0;
  std::vector<Record> decoded;
  Status status = okStatus();
  for (const auto& p : parts) {
    if (!validDay(p.day) || read >= maxBlocks || !status.ok()) continue;
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
