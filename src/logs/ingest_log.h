#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_io.h"
#include "core/group_commit.h"
#include "core/result.h"

namespace pharos::logs {

struct IngestLogOptions {
  // A segment is sealed (and becomes one archive object) once it passes this size.
  std::uint64_t segmentBytes = 64ull << 20;
};

// Batches read back from the log: each payload is a view into `bytes`.
struct IngestChunk {
  std::string bytes;
  std::vector<std::string_view> batches;
  std::uint64_t begin = 0;  // position of the first batch
  std::uint64_t end = 0;    // position after the last batch
};

struct SegmentInfo {
  std::uint64_t begin = 0;  // position of its first byte (also its file name)
  std::uint64_t end = 0;    // position after its last intact record
  std::string path;
};

// The durable front of the log pipeline: every batch a client is acknowledged for is here,
// fsynced, before the acknowledgement. Positions are byte offsets in one sequence across
// segment files, each named by the position of its first byte, so a consumer's cursor is a
// single number. Records use the write-ahead framing (core/framed_records.h), so a torn tail
// after a crash is cut off at open and never read.
//
// Thread-safe. append() is a group commit: concurrent callers share one fdatasync.
class IngestLog {
 public:
  static Result<std::unique_ptr<IngestLog>> open(std::string dir, IngestLogOptions options = {});
  ~IngestLog();

  // Appends one batch; returns the position after it once it is durable.
  Result<std::uint64_t> append(std::string_view batch);
  // Everything below this position is durable and may be read.
  std::uint64_t durableEnd() const;
  // Position of the first byte still on disk (older segments were removed).
  std::uint64_t begin() const;

  // Durable batches from `from` (a batch boundary, as returned by append or a previous read)
  // within one segment, about `maxBytes` of them (at least one when any is there). An empty
  // chunk means nothing durable lies past `from` yet. kNotFound when `from`
  // lies in a removed segment; kDataLoss when `from` is not a batch boundary.
  Result<IngestChunk> read(std::uint64_t from, std::size_t maxBytes) const;

  // Segments that are complete (no longer written to), oldest first.
  std::vector<SegmentInfo> sealedSegments() const;
  // Deletes a sealed segment (once it is archived and processed).
  Status removeSegment(std::uint64_t begin);

  std::uint64_t diskBytes() const;
  std::uint64_t truncatedBytesAtOpen() const { return truncatedAtOpen_; }

 private:
  IngestLog(std::string dir, IngestLogOptions options) : dir_(std::move(dir)), options_(options) {}
  Status openSegment(std::uint64_t begin);
  std::string segmentPath(std::uint64_t begin) const;

  std::string dir_;
  IngestLogOptions options_;
  mutable std::mutex mutex_;
  std::vector<SegmentInfo> sealed_;  // oldest first
  FileDescriptor file_;              // the open segment
  std::uint64_t openBegin_ = 0;      // its first position
  std::uint64_t written_ = 0;        // appended, maybe not durable
  GroupCommit commit_{"log ingest log"};
  std::uint64_t truncatedAtOpen_ = 0;
};

}  // namespace pharos::logs
