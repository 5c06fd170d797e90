#pragma once

#include "store/day_partitions.h"
#include "store/schema.h"

namespace pharos::health {

// The health module's tables in the main store.
const store::MigrationSet& migrations();

// One row per failed run (1,000 checks failing every 10 s write 8.6 M a day), so on
// PostgreSQL health_failures is RANGE-partitioned by day of at_ms and pruning drops whole
// days. `failuresTable()` is the table as version 1 of migrations() made it.
store::Table failuresTable();
const store::PartitionScheme& failurePartitionScheme();
// PostgreSQL only, a component of its own so a SQLite database's schema is untouched: turns
// the unpartitioned table into the partitioned one, rows and all.
const store::MigrationSet& failurePartitionMigrations();

}  // namespace pharos::health
