#include "objects/local/directory_syncer.h"

#include <algorithm>

namespace pharos::objects::local {

Status DirectorySyncer::sync(const std::string& dir) {
  std::unique_lock lock(mutex_);
  State& state = dirs_[dir];  // references into an unordered_map survive other insertions
  const uint64_t ticket = ++state.requested;
  ++state.waiting;
  Status result = okStatus();
  while (state.done < ticket) {
    if (state.running) {
      changed_.wait(lock);
      continue;
    }
    // Lead: this sync starts after every ticket handed out so far, so it covers them all.
    state.running = true;
    const uint64_t covers = state.requested;
    lock.unlock();
    Status synced = sync_(dir);
    lock.lock();
    state.running = false;
    changed_.notify_all();
    if (!synced.ok()) {
      result = std::move(synced);  // the followers retry with a leader of their own
      break;
    }
    state.done = std::max(state.done, covers);
  }
  if (--state.waiting == 0 && !state.running) dirs_.erase(dir);
  return result;
}

}  // namespace pharos::objects::local
