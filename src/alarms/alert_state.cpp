#include "alarms/alert_state.h"

namespace pharos::alarms {

std::optional<StateChange> advance(InstanceState& s, bool breaching, double value, WallTime now,
                                   Millis forDuration, Millis keepFiringFor) {
  const AlertState from = s.state;
  s.value = value;
  auto change = [&](AlertState to) -> std::optional<StateChange> {
    s.state = to;
    return StateChange{from, to};
  };
  switch (s.state) {
    case AlertState::kOk:
    case AlertState::kResolved:
      if (!breaching) {
        if (s.state == AlertState::kResolved) return change(AlertState::kOk);
        return std::nullopt;
      }
      s.activeAt = now;
      s.lastBreachAt = now;
      if (forDuration.count() == 0) {
        s.firedAt = now;
        return change(AlertState::kFiring);
      }
      return change(AlertState::kPending);
    case AlertState::kPending:
      if (!breaching) return change(AlertState::kOk);
      s.lastBreachAt = now;
      if (now - s.activeAt >= forDuration) {
        s.firedAt = now;
        return change(AlertState::kFiring);
      }
      return std::nullopt;
    case AlertState::kFiring:
      if (breaching) {
        s.lastBreachAt = now;
        return std::nullopt;
      }
      if (now - s.lastBreachAt < keepFiringFor) return std::nullopt;
      s.resolvedAt = now;
      return change(AlertState::kResolved);
  }
  return std::nullopt;
}

}  // namespace pharos::alarms
