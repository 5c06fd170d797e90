#pragma once

#include <cstdint>

#include "bus/bus.h"
#include "core/clock.h"

namespace pharos::bus {

// The upper bound of the nack() delay after the `receiveCount`-th delivery:
// min(backoffMax, backoffBase * 2^(receiveCount-1)). Saturates instead of overflowing.
Millis backoffCap(const QueueOptions& options, int receiveCount);

// A full-jitter delay: uniform in [0, backoffCap()], drawn from `random` (fastRandom() in
// production, fixed values in tests). Full jitter spreads the retries of many consumers that
// failed together, so they do not hit the recovering dependency in lockstep.
Millis backoffDelay(const QueueOptions& options, int receiveCount, uint64_t random);

}  // namespace pharos::bus
