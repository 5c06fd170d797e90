#pragma once

// The NatsBus's private per-queue and per-delivery state, shared by its .cpp files only.

#include <nats/nats.h>

#include <mutex>
#include <string>

#include "bus/bus.h"
#include "bus/nats/nats_bus.h"
#include "core/clock.h"

namespace pharos::bus {

// One declared queue as this process knows it: options read back from the consumer, and the
// pull subscription bound to the durable consumer. fetchMutex serialises fetches on it (libnats
// allows one Fetch per subscription at a time).
struct NatsBus::QueueState {
  std::string name;
  QueueOptions options;
  natsSubscription* sub = nullptr;
  std::mutex fetchMutex;
};

// A message handed out by receive() and not yet acked or nacked. The natsMsg carries the reply
// subject that ack/nak/term answer on.
struct NatsBus::Delivery {
  natsMsg* msg = nullptr;
  std::string queue;
  std::string key;  // "<queue>/<seq>"
  uint64_t seq = 0;
  int receiveCount = 0;
  WallTime enqueuedAt;
  MonoTime expiresAt;  // receivedAt + visibilityTimeout: later the receipt is stale
  QueueOptions options;
};

}  // namespace pharos::bus
