#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/labels.h"
#include "core/result.h"
#include "core/sample.h"

namespace pharos::metrics {

// The payloads of the metrics write-ahead log and its checkpoints.
// The series a batch created, in one record.
struct SeriesRecord {
  struct Entry {
    std::uint32_t ref = 0;
    Labels labels;
  };
  std::vector<Entry> entries;
};
struct SamplesRecord {
  struct Entry {
    std::uint32_t ref;
    Sample sample;
  };
  std::vector<Entry> entries;
};
// A head chunk written whole into a checkpoint, with the sample before it (for rollups).
struct ChunkRecord {
  std::uint32_t ref = 0;
  std::optional<Sample> before;
  std::string bytes;
};
using WalRecord = std::variant<SeriesRecord, SamplesRecord, ChunkRecord>;

// Appends one series to the record being built in `out` (started when `out` is empty).
void encodeSeriesRecord(std::string& out, std::uint32_t ref, const Labels& labels);
// Samples are appended one at a time while a batch is applied: begin, add..., finish.
class SamplesRecordBuilder {
 public:
  void add(std::uint32_t ref, Sample sample);
  bool empty() const { return count_ == 0; }
  std::string finish();

 private:
  std::string body_;
  std::uint64_t count_ = 0;
};
void encodeChunkRecord(std::string& out, std::uint32_t ref, const std::optional<Sample>& before,
                       std::string_view bytes);

Result<WalRecord> decodeWalRecord(std::string_view payload);

}  // namespace pharos::metrics
