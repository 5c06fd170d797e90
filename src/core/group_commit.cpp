#include "core/group_commit.h"

#include <algorithm>

namespace pharos {

Status GroupCommit::syncUpTo(std::unique_lock<std::mutex>& lock, std::uint64_t position,
                             const FileDescriptor& file, const std::uint64_t& written) {
  while (durable_ < position) {
    if (flushing_) {
      flushed_.wait(lock);
      continue;
    }
    flushing_ = true;
    std::uint64_t target = written;
    int fd = file.get();
    lock.unlock();
    Status status = syncData(fd, context_);
    lock.lock();
    flushing_ = false;
    if (status.ok()) durable_ = std::max(durable_, target);
    flushed_.notify_all();
    PHAROS_TRY(std::move(status));
  }
  return okStatus();
}

void GroupCommit::waitIdle(std::unique_lock<std::mutex>& lock) {
  flushed_.wait(lock, [this] { return !flushing_; });
}

void GroupCommit::markDurable(std::uint64_t position) {
  durable_ = std::max(durable_, position);
  flushed_.notify_all();
}

}  // namespace pharos
