#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/file_io.h"
#include "core/group_commit.h"
#include "core/result.h"

namespace pharos::metrics {

// The write-ahead log of the metrics head: what has been acknowledged but not yet persisted
// in sealed chunks survives kill -9 here. A directory of numbered segments
// (00000001.wal, ...) plus at most one checkpoint (checkpoint.00000007) that stands for
// every segment numbered below 7. Each record is [u32 length][u32 CRC32C][payload], so a
// torn tail from a crash is recognised and cut off on replay.
//
// Appends are serialised by an internal mutex; sync() is a group commit: concurrent callers
// share one fdatasync, so durability costs one flush per batch of batches, not per batch.
class Wal {
 public:
  static Result<std::unique_ptr<Wal>> open(const std::string& dir);
  ~Wal();

  // Calls `onRecord` with each intact record's payload, checkpoint first, then segments in
  // order. Stops a segment at its first torn or corrupt record (a crash mid-write), counting
  // the bytes dropped. Call before the first append.
  struct ReplayStats {
    std::uint64_t records = 0;
    std::uint64_t droppedBytes = 0;
  };
  Result<ReplayStats> replay(const std::function<Status(std::string_view)>& onRecord);

  // Appends records (each a payload as given to onRecord); returns the log position to pass
  // to sync(). Not yet durable.
  Result<std::uint64_t> append(std::initializer_list<std::string_view> payloads);
  // Returns once everything up to `position` is on disk.
  Status sync(std::uint64_t position);

  // Starts a new segment and returns its number: a checkpoint written for that number may
  // replace every earlier segment.
  Result<std::uint64_t> rotate();
  // Atomically writes the checkpoint for `segment` (records as for append), then deletes the
  // segments below it and older checkpoints.
  Status writeCheckpoint(std::uint64_t segment, std::string_view framedRecords);
  // Frames one payload as a record, for building a checkpoint.
  static void appendRecord(std::string& out, std::string_view payload);

  // Bytes in the directory now (segments and checkpoint), for the disk budget and /metrics.
  std::uint64_t diskBytes() const;

 private:
  explicit Wal(std::string dir) : dir_(std::move(dir)) {}
  Status openSegment(std::uint64_t number);
  // Under mutex_: flushes and closes the current segment and opens the next.
  Status rotateLocked(std::unique_lock<std::mutex>& lock);
  std::string segmentPath(std::uint64_t number) const;

  std::string dir_;
  mutable std::mutex mutex_;
  FileDescriptor file_;
  std::uint64_t segment_ = 0;
  std::uint64_t written_ = 0;  // log position: bytes appended since open
  GroupCommit commit_{"metrics write-ahead log"};
  std::uint64_t segmentBytes_ = 0;  // of the current segment
};

}  // namespace pharos::metrics
