#pragma once

#include <cstddef>
#include <string_view>

#include "alarms/rule_engine.h"
#include "bus/bus.h"
#include "core/clock.h"
#include "core/result.h"

namespace pharos::alarms {

// The queue the app subscribes to health's "health.state" topic for check rules.
inline constexpr std::string_view kCheckEventsQueue = "alarms.check_state";

// One pass of the check-event consumer: receives up to `max` events from `queue` (waiting
// up to `wait` for the first: the embedded bus wakes a long poll on a send, which is what
// gets a failing check to the sink within milliseconds), hands each to the engine and acks
// it. A body that is not an event is acked and logged (it would fail the same way forever);
// an engine error (the store) nacks it for a retry with backoff. Returns how many it handled.
// Run it in a loop on its own thread (the app's consumer), not on the evaluation thread.
Result<std::size_t> pumpCheckEvents(bus::Bus& bus, std::string_view queue, RuleEngine& engine,
                                    std::size_t max, Millis wait);

}  // namespace pharos::alarms
