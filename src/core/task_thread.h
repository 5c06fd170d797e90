#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

namespace pharos {

// One persistent thread that runs the jobs handed to it, in order. For work handed off
// again and again (the log processor's index writes, many times a second): a thread per job
// costs its creation and, with glibc, soon a malloc arena of its own, which shows in RSS.
class TaskThread {
 public:
  // `onStart` runs first on the new thread (to lower its priority, say).
  explicit TaskThread(std::function<void()> onStart = {});
  // Runs what is queued, then joins.
  ~TaskThread();
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;

  template <typename F>
  std::future<std::invoke_result_t<F>> submit(F&& job) {
    auto task =
        std::make_shared<std::packaged_task<std::invoke_result_t<F>()>>(std::forward<F>(job));
    std::future<std::invoke_result_t<F>> result = task->get_future();
    enqueue([task] { (*task)(); });
    return result;
  }

 private:
  void enqueue(std::function<void()> job);
  void run(const std::function<void()>& onStart);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pharos
