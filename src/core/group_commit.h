#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/file_io.h"
#include "core/result.h"

namespace pharos {

// Durability for an append-only log that many threads write under one mutex: whoever needs
// its bytes durable and finds no flush running runs fdatasync for everything written so far,
// outside the lock, and the others wait for it, so concurrent batches share one flush. Every
// method is called with the owner's mutex held, through `lock`.
class GroupCommit {
 public:
  explicit GroupCommit(std::string context) : context_(std::move(context)) {}

  // Returns once [0, position) is durable. `file` and `written` are the owner's, read under
  // the lock each time round: a segment sealed meanwhile (markDurable) ends the wait.
  Status syncUpTo(std::unique_lock<std::mutex>& lock, std::uint64_t position,
                  const FileDescriptor& file, const std::uint64_t& written);
  // Waits until no flush is running, before the owner closes or replaces the file.
  void waitIdle(std::unique_lock<std::mutex>& lock);
  // [0, position) is durable by other means: the owner synced a segment whole to seal it.
  void markDurable(std::uint64_t position);
  std::uint64_t durable() const { return durable_; }

 private:
  std::string context_;
  std::condition_variable flushed_;
  std::uint64_t durable_ = 0;
  bool flushing_ = false;  // a thread is in fdatasync outside the lock
};

}  // namespace pharos
