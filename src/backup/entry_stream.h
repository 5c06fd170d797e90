#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "backup/digest.h"
#include "backup/snapshot.h"
#include "core/file_io.h"
#include "core/result.h"

// The plaintext of a backup: the snapshot's files one after another, each length-prefixed, so
// a restore can stream them back out without an index. All integers little-endian:
//   "PHBKENT1" | per file: path length (u16, 1..4096) | path | size (u64) | bytes
//   | end: path length 0
// Compressed and sealed around it by the writer; authenticated by the seal, so the parser's
// checks are for bugs and version skew, not for attackers.
namespace pharos::backup {

inline constexpr std::string_view kEntryMagic = "PHBKENT1";
inline constexpr size_t kMaxEntryPathBytes = 4096;

// A relative '/'-separated path with no empty, "." or ".." segment: safe to join to a target.
bool isSafeRelativePath(std::string_view path);

// Produces the entry stream of `files` in pieces, for a ByteSource: each file's first `size`
// bytes, from its held descriptor or else from its copy in `stagingDir`. Checksums every file
// on the way through, so none is read twice.
class EntryStreamReader {
 public:
  EntryStreamReader(std::filesystem::path stagingDir, const std::vector<SnapshotFile>& files)
      : stagingDir_(std::move(stagingDir)), files_(files) {}

  // Up to `capacity` bytes of the stream; 0 only at its end. A staged file shorter than its
  // size is kInternal (staging files are ours alone); a held one is a retryable kUnavailable
  // (something truncated it meanwhile). Bytes appended since the snapshot are not taken.
  Result<size_t> read(char* buffer, size_t capacity);
  // File bytes produced so far (progress: excludes the framing).
  uint64_t fileBytesRead() const { return fileBytesRead_; }
  // BLAKE2b (hex) of each file streamed whole so far, in the order of `files`.
  const std::vector<std::string>& digests() const { return digests_; }

 private:
  Status startNextFile();

  std::filesystem::path stagingDir_;
  const std::vector<SnapshotFile>& files_;
  std::string framing_;  // header bytes not yet handed out
  size_t framingPos_ = 0;
  size_t next_ = 0;        // index of the next file to start
  FileDescriptor staged_;  // the current file's staged copy, if it is not held
  int currentFd_ = -1;
  Blake2b hash_;
  std::vector<std::string> digests_;
  uint64_t currentOffset_ = 0;
  uint64_t currentSize_ = 0;
  bool started_ = false;
  bool ended_ = false;
  uint64_t fileBytesRead_ = 0;
};

// Receives the files of a stream as the parser finds them.
struct EntryHandler {
  std::function<Status(const std::string& path, uint64_t size)> begin;
  std::function<Status(std::string_view bytes)> data;
  std::function<Status()> end;
};

// Parses an entry stream fed in arbitrary pieces, in constant memory.
class EntryStreamParser {
 public:
  explicit EntryStreamParser(EntryHandler handler) : handler_(std::move(handler)) {}
  Status feed(std::string_view bytes);
  // kDataLoss unless the stream ended exactly at its end marker.
  Status finish() const;

 private:
  enum class State { kMagic, kPathLength, kPath, kSize, kData, kDone };
  Status advance();

  EntryHandler handler_;
  State state_ = State::kMagic;
  std::string pending_;  // bytes of the current fixed-size field
  size_t need_ = kEntryMagic.size();
  std::string path_;
  uint64_t remaining_ = 0;
};

}  // namespace pharos::backup
