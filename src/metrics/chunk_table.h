#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/result.h"
#include "store/store.h"

namespace pharos::metrics {

// The persisted side of the metrics store, in the `store` (its own SQLite file by default):
// one row per series, and one row per sealed chunk, raw or rollup. A chunk row is a few
// hundred bytes of compressed samples, so the row overhead stays a small share of the bytes
// per sample.
const store::MigrationSet& migrations();
// The chunks' table as version 1 made it (PostgreSQL partitions it after: chunk_partitions.h).
store::Table chunksTable();

// Resolution 0 is raw samples (XOR chunks); 60000 and 3600000 are rollup chunks.
inline constexpr std::int64_t kRawResolution = 0;

struct StoredChunk {
  std::int64_t minT = 0;
  std::int64_t maxT = 0;
  std::string data;
};

struct StoredSeries {
  std::uint32_t ref = 0;
  Labels labels;
  std::int64_t lastT = 0;  // of its newest raw chunk, INT64_MIN when it has none
  std::string lastChunk;   // that chunk, to recover the last value after a restart
};

Status insertSeries(store::Session& session, std::uint32_t ref, const Labels& labels,
                    std::int64_t createdMs);
Status insertChunk(store::Session& session, std::uint32_t ref, std::int64_t resolution,
                   std::int64_t minT, std::int64_t maxT, std::int64_t count,
                   const std::string& data);

Result<std::vector<StoredSeries>> loadSeries(store::Store& store);
// Chunks of one series and resolution overlapping [minT, maxT], oldest first; no chunk spans
// more than `maxSpan` ms (its window).
Result<std::vector<StoredChunk>> readChunks(store::Store& store, std::uint32_t ref,
                                            std::int64_t resolution, std::int64_t minT,
                                            std::int64_t maxT, std::int64_t maxSpan);
// Deletes chunks of `resolution` that end before `cutoff`; returns how many.
Result<std::int64_t> deleteChunksBefore(store::Store& store, std::int64_t resolution,
                                        std::int64_t cutoff);
// A raw chunk with its series, for downsampling.
struct StoredRawChunk {
  std::uint32_t ref = 0;
  std::int64_t minT = 0;
  std::int64_t maxT = 0;
  std::string data;
};
// Up to `limit` raw chunks that end before `endBefore` (retention) or start at or before
// `startAtMost` (the disk budget: the oldest first), by series then time.
Result<std::vector<StoredRawChunk>> readExpiringRawChunks(store::Store& store,
                                                          std::int64_t endBefore,
                                                          std::int64_t startAtMost,
                                                          std::int64_t limit);
// The start time of the `n`-th oldest raw chunk (or of the newest when there are fewer);
// nullopt when there are none.
Result<std::optional<std::int64_t>> nthOldestRawStart(store::Store& store, std::int64_t n);
Status deleteChunk(store::Session& session, std::uint32_t ref, std::int64_t resolution,
                   std::int64_t minT);

}  // namespace pharos::metrics
