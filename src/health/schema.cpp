#include "health/schema.h"

namespace pharos::health {

using store::ColumnType;

store::Table failuresTable() {
  return store::Table{"health_failures",
                      {{"check_name", ColumnType::kText, false},
                       {"at_ms", ColumnType::kInteger, false},
                       {"reason", ColumnType::kText, false},
                       {"maintenance", ColumnType::kInteger, false, "0"}},
                      {"check_name", "at_ms"},
                      // Retention deletes by age.
                      {{"health_failures_by_at", {"at_ms"}}}};
}

const store::PartitionScheme& failurePartitionScheme() {
  static const store::PartitionScheme scheme{.parent = "health_failures", .millisColumn = "at_ms"};
  return scheme;
}

const store::MigrationSet& failurePartitionMigrations() {
  static const store::MigrationSet set{
      .component = "health_partitions",
      .migrations = {{
          .version = 1,
          .description = "failures partitioned by day of at_ms",
          .postgresSteps =
              [](store::Session& session) {
                return store::partitionExistingTable(session, failuresTable(),
                                                     failurePartitionScheme());
              },
      }},
  };
  return set;
}

const store::MigrationSet& migrations() {
  static const store::MigrationSet set{
      "health",
      {{1,
        "checks defined through the API, failure reasons and state changes",
        {
            store::Table{"health_checks",
                         {{"name", ColumnType::kText, false},
                          {"spec", ColumnType::kText, false},  // JSON, as the API takes it
                          {"token_hash", ColumnType::kBlob},   // heartbeat checks
                          {"created_at_ms", ColumnType::kInteger, false},
                          {"updated_at_ms", ColumnType::kInteger, false}},
                         {"name"},
                         {}},
            failuresTable(),
            store::Table{"health_transitions",
                         {{"check_name", ColumnType::kText, false},
                          {"at_ms", ColumnType::kInteger, false},
                          {"from_status", ColumnType::kText, false},
                          {"to_status", ColumnType::kText, false},
                          {"reason", ColumnType::kText, false, "''"},
                          {"maintenance", ColumnType::kInteger, false, "0"}},
                         {"check_name", "at_ms"},
                         {{"health_transitions_by_at", {"at_ms"}}}},
        },
        {}},
       {2,
        "each completed day's uptime per check, for reports over long periods",
        {
            store::Table{"health_uptime_days",
                         {{"check_name", ColumnType::kText, false},
                          {"day_ms", ColumnType::kInteger, false},
                          {"runs", ColumnType::kInteger, false},
                          {"up_runs", ColumnType::kInteger, false},
                          {"maintenance_runs", ColumnType::kInteger, false}},
                         {"day_ms", "check_name"},
                         {}},
            store::Table{"health_uptime_days_done",
                         {{"day_ms", ColumnType::kInteger, false}},
                         {"day_ms"},
                         {}},
        },
        {}}}};
  return set;
}

}  // namespace pharos::health
