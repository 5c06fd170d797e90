#include "analysis/anomalies_command.h"

#include <charconv>
#include <optional>
#include <ostream>
#include <string>

#include "analysis/nab_csv.h"
#include "core/error.h"

namespace pharos::analysis {
namespace {

void appendScore(std::string& out, double score) {
  char text[32];
  auto [end, ec] = std::to_chars(text, text + sizeof(text), score);
  if (ec != std::errc()) {
    out.push_back('0');
    return;
  }
  out.append(text, end);
}

Status flush(std::ostream& out, std::string& buffer) {
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  buffer.clear();
  if (!out) return makeError(ErrorCode::kIo, "anomalies: writing the output failed");
  return okStatus();
}

}  // namespace

Status runAnomalies(std::istream& in, std::ostream& out, DetectorOptions options) {
  NabCsvReader reader(in);
  SeriesDetector detector(options);
  std::string buffer = "timestamp,value,anomaly_score\n";
  while (true) {
    Result<std::optional<NabRow>> row = reader.next();
    if (!row.ok()) {
      Status written = flush(out, buffer);
      if (!written.ok()) return written;
      return Error(row.error()).withContext("anomalies");
    }
    if (!row->has_value()) break;
    const NabRow& r = **row;
    Score score = detector.observe(r.unixSeconds, r.value);
    buffer.append(r.timestamp);
    buffer.push_back(',');
    buffer.append(r.valueText);
    buffer.push_back(',');
    appendScore(buffer, score.score);
    buffer.push_back('\n');
    if (buffer.size() >= (1 << 16)) {
      Status written = flush(out, buffer);
      if (!written.ok()) return written;
    }
  }
  Status written = flush(out, buffer);
  if (!written.ok()) return written;
  out.flush();
  if (!out) return makeError(ErrorCode::kIo, "anomalies: writing the output failed");
  return okStatus();
}

}  // namespace pharos::analysis
