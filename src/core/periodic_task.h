#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "core/clock.h"

namespace pharos {

// Runs `work` on a thread of its own: once at start() (a process restarted more often than
// the interval still does the work), then every `interval`. stop() wakes the wait at once
// instead of sleeping it out, and waits for a run under way to finish. The wait is real
// time; `work` reads the injected Clock if it needs the time.
class PeriodicTask {
 public:
  PeriodicTask(Millis interval, std::function<void()> work)
      : interval_(interval), work_(std::move(work)) {}
  ~PeriodicTask() { stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Does nothing when already started.
  void start();
  // Safe to call twice; never from inside `work`.
  void stop();
  // Runs `work` as soon as the thread is free instead of at the end of the interval (which
  // then starts again): for work that is usually batched but sometimes urgent.
  void runNow();

 private:
  void run();

  const Millis interval_;
  const std::function<void()> work_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  bool runNow_ = false;    // guarded by mutex_
  std::thread thread_;     // guarded by mutex_
};

}  // namespace pharos
