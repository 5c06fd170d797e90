#include "bus/backoff.h"

#include <algorithm>

namespace pharos::bus {

Millis backoffCap(const QueueOptions& options, int receiveCount) {
  int64_t base = std::max<int64_t>(0, options.backoffBase.count());
  int64_t max = std::max<int64_t>(0, options.backoffMax.count());
  int shift = std::max(0, receiveCount - 1);
  // Past 2^40 any realistic base already exceeds any realistic max; stopping there keeps the
  // multiplication inside int64.
  if (shift >= 40 || base > (max >> shift)) return Millis(max);
  return Millis(std::min(max, base << shift));
}

Millis backoffDelay(const QueueOptions& options, int receiveCount, uint64_t random) {
  auto cap = static_cast<uint64_t>(backoffCap(options, receiveCount).count());
  return Millis(static_cast<int64_t>(random % (cap + 1)));
}

}  // namespace pharos::bus
