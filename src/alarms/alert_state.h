#pragma once

#include <optional>

#include "alarms/alert.h"
#include "core/clock.h"

namespace pharos::alarms {

// Where one instance of a rule is in OK -> PENDING -> FIRING -> RESOLVED (-> OK), with the
// times the timers count from. Plain data, so the engine can persist it and rebuild it after
// a restart without re-paging (firedAt survives, and with it the alert's startsAt).
struct InstanceState {
  AlertState state = AlertState::kOk;
  WallTime activeAt{};      // the first breach of this episode: `for` counts from here
  WallTime firedAt{};       // when it turned FIRING: the alert's startsAt
  WallTime lastBreachAt{};  // the last breaching evaluation: keep_firing_for counts from here
  WallTime resolvedAt{};    // when it turned RESOLVED: the alert's endsAt
  double value = 0;         // the last value observed
};

struct StateChange {
  AlertState from;
  AlertState to;
};

// One observation of an instance. `breaching` is what the rule says of it now (hysteresis
// already applied by the caller: see Observation). Returns the change it caused, if any:
//   OK/RESOLVED + breach  -> PENDING (FIRING at once when `forDuration` is 0)
//   PENDING + breach      -> FIRING once `forDuration` has passed since activeAt
//   PENDING + clean       -> OK (a breach shorter than `for` never fires)
//   FIRING + clean        -> RESOLVED once `keepFiringFor` has passed since the last breach
//   RESOLVED + clean      -> OK
std::optional<StateChange> advance(InstanceState& state, bool breaching, double value, WallTime now,
                                   Millis forDuration, Millis keepFiringFor);

// PENDING or FIRING: the states in which a threshold rule's hysteresis (`clear`) applies.
inline bool isActive(AlertState s) {
  return s == AlertState::kPending || s == AlertState::kFiring;
}

}  // namespace pharos::alarms
