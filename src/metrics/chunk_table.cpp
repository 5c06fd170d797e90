#include "metrics/chunk_table.h"

#include <limits>

#include "metrics/label_codec.h"

namespace pharos::metrics {

using store::ColumnType;

store::Table chunksTable() {
  // The primary key serves reads (one series, one resolution, a time range); the index
  // serves retention and the disk budget (oldest first).
  return store::Table{"metric_chunks",
                      {{"series_id", ColumnType::kInteger, false},
                       {"resolution", ColumnType::kInteger, false},
                       {"min_t", ColumnType::kInteger, false},
                       {"max_t", ColumnType::kInteger, false},
                       {"samples", ColumnType::kInteger, false},
                       {"data", ColumnType::kBlob, false}},
                      {"series_id", "resolution", "min_t"},
                      {{"metric_chunks_by_age", {"resolution", "min_t"}}}};
}

const store::MigrationSet& migrations() {
  static const store::MigrationSet set{
      "metrics",
      {{1,
        "series and chunks",
        {
            store::Table{"metric_series",
                         {{"id", ColumnType::kInteger, false},
                          {"labels", ColumnType::kBlob, false},
                          {"created_at_ms", ColumnType::kInteger, false}},
                         {"id"},
                         {}},
            chunksTable(),
        },
        {}}}};
  return set;
}

Status insertSeries(store::Session& session, std::uint32_t ref, const Labels& labels,
                    std::int64_t createdMs) {
  std::string encoded;
  encodeLabels(encoded, labels);
  auto done = session.execute(
      "INSERT INTO metric_series (id, labels, created_at_ms) VALUES ($1, $2, $3) "
      "ON CONFLICT (id) DO UPDATE SET labels = excluded.labels, "
      "created_at_ms = excluded.created_at_ms",
      {static_cast<std::int64_t>(ref), store::Blob{std::move(encoded)}, createdMs});
  if (!done.ok()) return done.error();
  return okStatus();
}

Status insertChunk(store::Session& session, std::uint32_t ref, std::int64_t resolution,
                   std::int64_t minT, std::int64_t maxT, std::int64_t count,
                   const std::string& data) {
  // Upsert: a chunk replayed from the write-ahead log after a crash between commit and
  // checkpoint is written again with the same key and the same samples.
  auto done = session.execute(
      "INSERT INTO metric_chunks (series_id, resolution, min_t, max_t, samples, data) VALUES "
      "($1, $2, $3, $4, $5, $6) ON CONFLICT (series_id, resolution, min_t) DO UPDATE SET "
      "max_t = excluded.max_t, samples = excluded.samples, data = excluded.data",
      {static_cast<std::int64_t>(ref), resolution, minT, maxT, count, store::Blob{data}});
  if (!done.ok()) return done.error();
  return okStatus();
}

Result<std::vector<StoredSeries>> loadSeries(store::Store& store) {
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows,
                          store.query("SELECT s.id, s.labels, c.max_t, c.data FROM metric_series s "
                                      "LEFT JOIN metric_chunks c ON c.series_id = s.id AND "
                                      "c.resolution = 0 AND c.min_t = (SELECT MAX(min_t) FROM "
                                      "metric_chunks WHERE series_id = s.id AND resolution = 0) "
                                      "ORDER BY s.id"));
  std::vector<StoredSeries> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    std::string_view bytes = row.blob(1);
    PHAROS_ASSIGN_OR_RETURN(Labels labels, decodeLabels(bytes));
    StoredSeries series{static_cast<std::uint32_t>(row.integer(0)),
                        std::move(labels),
                        std::numeric_limits<std::int64_t>::min(),
                        {}};
    if (!row.isNull(2)) {
      series.lastT = row.integer(2);
      series.lastChunk = row.blob(3);
    }
    out.push_back(std::move(series));
  }
  return out;
}

Result<std::vector<StoredChunk>> readChunks(store::Store& store, std::uint32_t ref,
                                            std::int64_t resolution, std::int64_t minT,
                                            std::int64_t maxT, std::int64_t maxSpan) {
  // The lower bound on min_t lets the primary key bound the scan on both sides: without it,
  // a query over the last day walked every older chunk of the series (measured: a 30-day
  // uptime window off the day edges, 2.5 s against ms, bench/health_uptime_bench).
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store.query("SELECT min_t, max_t, data FROM metric_chunks WHERE series_id = $1 AND "
                  "resolution = $2 AND min_t <= $3 AND min_t >= $5 AND max_t >= $4 ORDER BY "
                  "min_t",
                  {static_cast<std::int64_t>(ref), resolution, maxT, minT, minT - maxSpan}));
  std::vector<StoredChunk> out;
  out.reserve(rows.size());
  for (const auto& row : rows)
    out.push_back(StoredChunk{row.integer(0), row.integer(1), row.blob(2)});
  return out;
}

Result<std::int64_t> deleteChunksBefore(store::Store& store, std::int64_t resolution,
                                        std::int64_t cutoff) {
  // min_t < cutoff is implied by max_t < cutoff; spelled out, it bounds the by-age index's
  // range and, on PostgreSQL, prunes the partitions of newer days.
  return store.execute(
      "DELETE FROM metric_chunks WHERE resolution = $1 AND min_t < $2 AND max_t < $2",
      {resolution, cutoff});
}

Result<std::vector<StoredRawChunk>> readExpiringRawChunks(store::Store& store,
                                                          std::int64_t endBefore,
                                                          std::int64_t startAtMost,
                                                          std::int64_t limit) {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store.query("SELECT series_id, min_t, max_t, data FROM metric_chunks WHERE resolution = 0 "
                  "AND (max_t < $1 OR min_t <= $2) ORDER BY series_id, min_t LIMIT $3",
                  {endBefore, startAtMost, limit}));
  std::vector<StoredRawChunk> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    out.push_back(StoredRawChunk{static_cast<std::uint32_t>(row.integer(0)), row.integer(1),
                                 row.integer(2), row.blob(3)});
  }
  return out;
}

Result<std::optional<std::int64_t>> nthOldestRawStart(store::Store& store, std::int64_t n) {
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows,
                          store.query("SELECT min_t FROM metric_chunks WHERE resolution = 0 "
                                      "ORDER BY min_t LIMIT 1 OFFSET $1",
                                      {n - 1}));
  if (!rows.empty()) return std::optional<std::int64_t>(rows[0].integer(0));
  PHAROS_ASSIGN_OR_RETURN(store::Rows last,
                          store.query("SELECT MAX(min_t) FROM metric_chunks WHERE resolution = 0"));
  if (last.empty() || last[0].isNull(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(last[0].integer(0));
}

Status deleteChunk(store::Session& session, std::uint32_t ref, std::int64_t resolution,
                   std::int64_t minT) {
  auto done = session.execute(
      "DELETE FROM metric_chunks WHERE series_id = $1 AND resolution = $2 AND min_t = $3",
      {static_cast<std::int64_t>(ref), resolution, minT});
  if (!done.ok()) return done.error();
  return okStatus();
}

}  // namespace pharos::metrics
