#include "core/periodic_task.h"

namespace pharos {

void PeriodicTask::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void PeriodicTask::stop() {
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    thread = std::move(thread_);
  }
  wake_.notify_all();
  if (thread.joinable()) thread.join();
}

void PeriodicTask::runNow() {
  {
    std::lock_guard lock(mutex_);
    runNow_ = true;
  }
  wake_.notify_all();
}

void PeriodicTask::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    runNow_ = false;  // a request arriving during the run gets a run of its own
    lock.unlock();
    work_();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_ || runNow_; });
  }
}

}  // namespace pharos
