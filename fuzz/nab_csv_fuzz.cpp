// `pharos anomalies FILE.csv` reads files from anywhere: the NAB CSV reader and the detector
// behind it must take any bytes without crashing, give every row a score in [0, 1] with the
// row's own timestamp and value echoed, and fail only with an error that names a line.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "analysis/anomalies_command.h"
#include "analysis/nab_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);

  // The reader alone: rows come with increasing line numbers and finite values.
  std::istringstream in(input);
  pharos::analysis::NabCsvReader reader(in);
  std::uint64_t lastLine = 0;
  std::size_t rows = 0;
  bool failed = false;
  while (true) {
    auto row = reader.next();
    if (!row.ok()) {
      if (row.error().message.rfind("line ", 0) != 0) std::abort();
      failed = true;
      break;
    }
    if (!row->has_value()) break;
    const pharos::analysis::NabRow& r = **row;
    if (r.line <= lastLine || !std::isfinite(r.value)) std::abort();
    lastLine = r.line;
    ++rows;
  }

  // The command: one output row per input row (plus the header), scores in [0, 1].
  std::istringstream again(input);
  std::ostringstream out;
  pharos::Status status = pharos::analysis::runAnomalies(again, out);
  if (status.ok() == failed) std::abort();
  std::istringstream lines(out.str());
  std::string line;
  std::size_t outputRows = 0;
  if (!std::getline(lines, line) || line != "timestamp,value,anomaly_score") std::abort();
  while (std::getline(lines, line)) {
    std::size_t comma = line.rfind(',');
    if (comma == std::string::npos) std::abort();
    double score = std::strtod(line.c_str() + comma + 1, nullptr);
    if (!(score >= 0.0 && score <= 1.0)) std::abort();
    ++outputRows;
  }
  if (outputRows != rows) std::abort();
  return 0;
}
