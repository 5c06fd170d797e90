#pragma once

#include "store/schema.h"

namespace pharos::analysis {

// The anomaly events and findings tables in the main store (component "analysis_anomalies").
const store::MigrationSet& anomalyMigrations();

}  // namespace pharos::analysis
