#include "metrics/chunk_partitions.h"

#include "metrics/chunk_table.h"
#include "metrics/rollup_builder.h"

namespace pharos::metrics {

namespace {

// Raw chunks a day each (kept days); 1-minute rollups a week (kept months); hourly rollups
// 30 days (kept years): tens of partitions in all at the default retentions.
std::int64_t chunkSpanDays(std::int64_t resolution) {
  if (resolution >= kHourMs) return 30;
  if (resolution >= kMinuteMs) return 7;
  return 1;
}

}  // namespace

const store::PartitionScheme& chunkPartitionScheme() {
  static const store::PartitionScheme scheme{.parent = "metric_chunks",
                                             .millisColumn = "min_t",
                                             .groupColumn = "resolution",
                                             .spanDays = chunkSpanDays};
  return scheme;
}

const store::MigrationSet& chunkPartitionMigrations() {
  static const store::MigrationSet set{
      .component = "metrics_partitions",
      .migrations = {{
          .version = 1,
          .description = "metric chunks partitioned by resolution and day of min_t",
          .postgresSteps =
              [](store::Session& session) {
                return store::partitionExistingTable(session, chunksTable(),
                                                     chunkPartitionScheme());
              },
      }},
  };
  return set;
}

Result<ChunkExpiry> expireChunks(store::Store& store, store::DayPartitions& partitions,
                                 std::int64_t resolution, std::int64_t cutoff,
                                 std::int64_t maxSpan) {
  ChunkExpiry expired;
  PHAROS_ASSIGN_OR_RETURN(expired.partitionsDropped,
                          partitions.dropDaysEndingBy(resolution, cutoff - maxSpan, false));
  PHAROS_ASSIGN_OR_RETURN(expired.chunksDeleted, deleteChunksBefore(store, resolution, cutoff));
  return expired;
}

Status dropEmptyRawDays(store::DayPartitions& partitions, std::int64_t cutoff,
                        std::int64_t maxSpan) {
  auto dropped = partitions.dropDaysEndingBy(kRawResolution, cutoff - maxSpan, true);
  if (!dropped.ok()) return dropped.error();
  return okStatus();
}

}  // namespace pharos::metrics
