#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "logs/record.h"

namespace pharos::logs {

// Live tail: processed records are offered to each subscriber whose filter matches. A
// subscriber's deliver() must not block (it hands the line to a bounded buffer and drops when
// the client is slow); it returns false once the subscriber is gone, which unsubscribes it.
// alive() says the same without a line to deliver: a client that leaves while nothing
// matches must not hold its place (and its buffer) until a line comes.
class TailHub {
 public:
  using Filter = std::function<bool(const Record&)>;
  using Deliver = std::function<bool(const Record&)>;
  using Alive = std::function<bool()>;

  std::uint64_t subscribe(Filter filter, Deliver deliver, Alive alive = {});
  void unsubscribe(std::uint64_t id);
  // Called by the processor with each flushed group; nearly free with no subscribers.
  void publish(std::span<const Record> records);
  // Subscribers still there, after dropping those whose alive() turned false: what a cap on
  // open tails counts.
  std::size_t liveSubscribers();
  std::size_t subscribers() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct Subscriber {
    std::uint64_t id;
    Filter filter;
    Deliver deliver;
    Alive alive;

    bool gone() const { return alive && !alive(); }
  };
  mutable std::mutex mutex_;
  std::vector<Subscriber> subscribers_;
  std::uint64_t nextId_ = 1;
  std::atomic<std::size_t> count_{0};
};

}  // namespace pharos::logs
