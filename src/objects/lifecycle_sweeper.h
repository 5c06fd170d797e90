#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/periodic_task.h"
#include "objects/object_store.h"

namespace pharos::objects {

// Applies lifecycle rules to a store every `interval` on a thread of its own, as S3 runs its
// lifecycle rules in the background, and logs one summary line per sweep (module "objects").
// Works with any ObjectStore.
class LifecycleSweeper {
 public:
  struct Options {
    std::vector<LifecycleRule> rules;
    Millis interval{std::chrono::hours(1)};
    // Asked before each sweep; false skips it (another process sharing the bucket holds the
    // lease for it). Empty: always sweep.
    std::function<bool()> claim;
  };
  // Called on the sweeper's thread after each sweep with its outcome (for self-metrics and
  // tests). Must not call stop().
  using Observer = std::function<void(const Result<SweepReport>&)>;

  // `store` and `clock` must outlive the sweeper. The clock only times each sweep for the log
  // line; the wait between sweeps is real time on a condition variable, so stop() ends it at
  // once instead of sleeping it out.
  LifecycleSweeper(ObjectStore& store, Clock& clock, Options options, Observer onSweep = {});
  ~LifecycleSweeper();
  LifecycleSweeper(const LifecycleSweeper&) = delete;
  LifecycleSweeper& operator=(const LifecycleSweeper&) = delete;

  // Starts the thread: one sweep at once (a process restarted more often than the interval
  // still sweeps), then one per interval. Does nothing when already started.
  void start();
  // Wakes and joins the thread; a sweep under way finishes first, since applyLifecycle()
  // cannot be interrupted. Safe to call twice; the destructor calls it.
  void stop();

  uint64_t sweepsCompleted() const { return sweeps_.load(); }

 private:
  void sweepOnce();

  ObjectStore& store_;
  Clock& clock_;
  const Options options_;
  const Observer onSweep_;
  const logging::Logger log_{"objects"};

  std::atomic<uint64_t> sweeps_{0};
  PeriodicTask task_;  // last: stopped (by the destructor) before the members it uses go
};

}  // namespace pharos::objects
