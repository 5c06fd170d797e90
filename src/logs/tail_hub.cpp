#include "logs/tail_hub.h"

#include <algorithm>

namespace pharos::logs {

std::uint64_t TailHub::subscribe(Filter filter, Deliver deliver, Alive alive) {
  std::lock_guard lock(mutex_);
  std::uint64_t id = nextId_++;
  subscribers_.push_back({id, std::move(filter), std::move(deliver), std::move(alive)});
  count_.store(subscribers_.size(), std::memory_order_relaxed);
  return id;
}

void TailHub::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [id](const Subscriber& s) { return s.id == id; });
  count_.store(subscribers_.size(), std::memory_order_relaxed);
}

void TailHub::publish(std::span<const Record> records) {
  if (count_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [&](Subscriber& s) {
    if (s.gone()) return true;
    for (const auto& r : records) {
      if (s.filter(r) && !s.deliver(r)) return true;
    }
    return false;
  });
  count_.store(subscribers_.size(), std::memory_order_relaxed);
}

std::size_t TailHub::liveSubscribers() {
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [](const Subscriber& s) { return s.gone(); });
  count_.store(subscribers_.size(), std::memory_order_relaxed);
  return subscribers_.size();
}

}  // namespace pharos::logs
