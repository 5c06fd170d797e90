#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/labels.h"

namespace pharos::alarms {

// The states a rule's instance (one per series, or one per check) goes through. PENDING
// holds a breach until the rule's `for` has passed; RESOLVED is FIRING that has stopped
// (after `keep_firing_for`), and becomes OK again at the next clean evaluation.
enum class AlertState { kOk, kPending, kFiring, kResolved };

std::string_view alertStateName(AlertState state);  // "ok", "pending", "firing", "resolved"

// An alert as the rule engine hands it to routing: every FIRING and RESOLVED change, and
// while firing, again at each evaluation (routing deduplicates by labels, as Alertmanager
// does with repeated posts).
struct Alert {
  Labels labels;       // identity: alertname, severity, the rule's labels, the series' labels
  Labels annotations;  // summary, description, runbook_url, ...
  AlertState state = AlertState::kFiring;
  WallTime startsAt;
  std::optional<WallTime> endsAt;  // set when resolved
  std::string generatorUrl;
};

}  // namespace pharos::alarms
