#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bus/bus.h"

namespace pharos::bus::nats {

// The queue options JetStream has no field for (maxReceives, backoff) travel in the durable
// consumer's Description, so a second process that opens the same bus finds them there.
// visibilityTimeout is the consumer's AckWait and is not part of the string.
//   "pharos-queue v1 maxReceives=5 backoffBase=1000 backoffMax=300000"
std::string formatQueueDescription(const QueueOptions& options);
// Fills the fields found into `options` (visibilityTimeout untouched); nullopt when the string
// was not written by formatQueueDescription.
std::optional<QueueOptions> parseQueueDescription(std::string_view text, QueueOptions base);

}  // namespace pharos::bus::nats
