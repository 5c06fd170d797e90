#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alarms/alert.h"
#include "alarms/route.h"
#include "core/clock.h"
#include "core/labels.h"
#include "notify/notification.h"

namespace pharos::alarms {

// An alert the dispatcher knows: firing, or resolved and not yet told to every group that
// holds it. Keyed by its fingerprint, Labels::hash().
struct TrackedAlert {
  Alert alert;
  std::uint64_t fingerprint = 0;
  WallTime lastSeen;                   // the last put(): a firing alert not refreshed times out
  std::vector<std::string> groupKeys;  // the groups holding it
  bool firing() const { return alert.state == AlertState::kFiring; }
};

// The alerts one route gathers under the same group_by values, and what its receiver was
// last told: the unit that is notified.
struct AlertGroup {
  std::string key;  // route path + ":" + group labels: Notification::groupKey
  RouteSettings settings;
  Labels groupLabels;
  std::set<std::uint64_t> members;     // fingerprints, into the dispatcher's alerts
  std::set<std::uint64_t> sentFiring;  // what the receiver believes is firing
  WallTime nextFlush;                  // group_wait, then every group_interval
  std::optional<WallTime> lastSent;    // for repeat_interval
  bool inFlight = false;               // a notification is with the sink right now
  int sinkFailures = 0;                // refusals in a row: logged at the first and at recovery
};

// The notification for `group` with these alerts (firing and resolved; sorted here).
// `id` is a new ULID; the idempotency key is the group key and a hash of the alerts'
// fingerprints and states, so the same content gives the same key.
notify::Notification buildNotification(const AlertGroup& group,
                                       std::vector<const TrackedAlert*> alerts,
                                       const std::string& externalUrl, WallTime now);

// 16 lowercase hex digits.
std::string fingerprintHex(std::uint64_t fingerprint);

}  // namespace pharos::alarms
