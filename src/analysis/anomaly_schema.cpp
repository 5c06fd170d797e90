#include "analysis/anomaly_schema.h"

namespace pharos::analysis {

using store::ColumnType;

const store::MigrationSet& anomalyMigrations() {
  // Ids are ULIDs of the onset, so "newest first" and the cursor are one index: the primary
  // key. The whole record is kept as JSON (body) so the model can grow without migrations;
  // the columns are what the filters and retention need.
  static const store::MigrationSet set{
      "analysis_anomalies",
      {{1,
        "anomaly events and the findings that group them",
        {
            store::Table{"analysis_anomalies",
                         {{"id", ColumnType::kText, false},
                          {"kind", ColumnType::kText, false},
                          {"service", ColumnType::kText, false, "''"},
                          {"signal", ColumnType::kText, false, "''"},
                          {"start_ms", ColumnType::kInteger, false},
                          {"end_ms", ColumnType::kInteger, false},
                          {"score", ColumnType::kReal, false},
                          {"finding_id", ColumnType::kText},
                          {"body", ColumnType::kText, false}},
                         {"id"},
                         {{"analysis_anomalies_by_service", {"service", "id"}},
                          {"analysis_anomalies_by_kind", {"kind", "id"}},
                          {"analysis_anomalies_by_finding", {"finding_id"}},
                          {"analysis_anomalies_by_end", {"end_ms"}}}},
            store::Table{"analysis_findings",
                         {{"id", ColumnType::kText, false},
                          {"start_ms", ColumnType::kInteger, false},
                          {"end_ms", ColumnType::kInteger, false},
                          {"strength", ColumnType::kReal, false},
                          {"summary", ColumnType::kText, false},
                          {"body", ColumnType::kText, false}},
                         {"id"},
                         {{"analysis_findings_by_end", {"end_ms"}}}},
        },
        {}}}};
  return set;
}

}  // namespace pharos::analysis
