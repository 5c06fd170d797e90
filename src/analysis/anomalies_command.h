#pragma once

#include <iosfwd>

#include "analysis/series_detector.h"
#include "core/result.h"

namespace pharos::analysis {

// `pharos anomalies FILE.csv`: reads one series in the Numenta Anomaly Benchmark CSV format
// (see NabCsvReader) and writes `timestamp,value,anomaly_score` with one row per input row,
// in order, the timestamp and value echoed as read. It runs the same online SeriesDetector the
// server uses, row by row as it reads, so the score of a row depends only on the rows before it
// and memory does not grow with the input. A bad row stops it with an error naming the line
// (rows before it have been written).
Status runAnomalies(std::istream& in, std::ostream& out, DetectorOptions options = {});

}  // namespace pharos::analysis
