#pragma once

#include "promql/queryable.h"

namespace pharos::metrics {

// One rollup bucket: the query engine's type, so rollups go from chunks to queries as is.
using RollupPoint = promql::RollupPoint;

}  // namespace pharos::metrics
