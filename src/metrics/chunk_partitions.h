#pragma once

#include <cstdint>

#include "core/result.h"
#include "store/day_partitions.h"
#include "store/store.h"

namespace pharos::metrics {

// metric_chunks on PostgreSQL is RANGE-partitioned by (resolution, min_t): raw chunks by UTC
// day of min_t, 1-minute rollups by 7 days, hourly ones by 30, so retention drops whole
// partitions instead of deleting their rows. The primary key (series_id, resolution, min_t) holds
// both partition columns, so the upsert's ON CONFLICT keeps working; a chunk's min_t never changes
// (its max_t may). SQLite keeps its one table.
const store::PartitionScheme& chunkPartitionScheme();

// PostgreSQL only, a component of its own so a SQLite database's schema is untouched: turns
// the table `migrations()` made (and older installations filled) into the partitioned one.
const store::MigrationSet& chunkPartitionMigrations();

// What one retention pass over a resolution removed.
struct ChunkExpiry {
  std::int64_t partitionsDropped = 0;  // whole partitions (PostgreSQL), their chunks uncounted
  std::int64_t chunksDeleted = 0;      // chunks deleted row by row
};

// Removes the chunks of `resolution` that end before `cutoff`. On PostgreSQL a partition whose
// chunks all end before it goes whole: no chunk spans more than `maxSpan` ms after its min_t,
// so a partition that ends `maxSpan` before the cutoff holds nothing newer. The rest (the
// partition at the edge; SQLite's one table) are deleted.
Result<ChunkExpiry> expireChunks(store::Store& store, store::DayPartitions& partitions,
                                 std::int64_t resolution, std::int64_t cutoff,
                                 std::int64_t maxSpan);

// Drops the raw partitions of days past `cutoff` (as above) that downsampling left empty;
// a partition a late chunk went into since stays for the next pass. SQLite has nothing to
// drop.
Status dropEmptyRawDays(store::DayPartitions& partitions, std::int64_t cutoff,
                        std::int64_t maxSpan);

}  // namespace pharos::metrics
