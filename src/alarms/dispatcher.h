#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "alarms/alert.h"
#include "alarms/dispatcher_group.h"
#include "alarms/inhibit.h"
#include "alarms/route.h"
#include "alarms/silence.h"
#include "core/clock.h"
#include "core/result.h"
#include "notify/notification.h"

namespace pharos::alarms {

struct DispatcherOptions {
  std::string externalUrl;  // copied into every notification, for links
  // A firing alert that is not put() again for this long is taken as resolved, as
  // Alertmanager's resolve_timeout: the rule engine re-puts firing alerts at every
  // evaluation, so silence from it means the rule is gone. Keeps memory bounded too.
  Millis resolveTimeout{std::chrono::minutes(5)};
};

// Counters since start, and the current sizes, for /metrics.
struct DispatcherStats {
  std::uint64_t alertsReceived = 0;     // put() calls
  std::uint64_t alertsTimedOut = 0;     // resolved by resolveTimeout
  std::uint64_t alertsSilenced = 0;     // alerts left out of a group's flush by a silence
  std::uint64_t alertsInhibited = 0;    // ... by an inhibition rule
  std::uint64_t notificationsSent = 0;  // accepted by the sink
  std::uint64_t sinkFailures = 0;       // refused by the sink; the group retries next tick
  std::size_t groups = 0;
  std::size_t alerts = 0;
};

// Turns the rule engine's alerts into notifications, as Alertmanager's dispatcher does:
// each alert goes down the routing tree into one group per matched route and group_by
// values; a new group is notified group_wait after it appears, changes to it at most every
// group_interval, and an unchanged firing group again after repeat_interval. Silenced and
// inhibited alerts are left out (and counted). A resolved alert is sent once, as resolved,
// to the groups whose receiver was told it fired, then forgotten; one that resolves before
// its group was notified is forgotten silently.
//
// No thread of its own: the app calls tick() every second (and put() from the rule engine's
// thread). Thread-safe. The sink is called outside the lock, one tick at a time; when it
// fails, the group keeps its state and the next tick retries, so nothing is dropped.
//
// State lives in memory only: after a restart the rule engine's re-puts rebuild the groups,
// and the same content produces the same idempotency key, so a deduplicating receiver is
// not paged twice. A resolve for an alert the restarted dispatcher never saw fire is
// dropped (Alertmanager keeps a notification log for this; we do not, yet).
class Dispatcher {
 public:
  using Sink = std::function<Status(notify::Notification)>;

  Dispatcher(RouteTree routes, std::vector<InhibitRule> inhibitRules, const Clock& clock,
             DispatcherOptions options, Sink sink);

  // A firing or resolved alert (pending and ok are ignored; ok counts as resolved). Repeats
  // are idempotent: a firing alert already known only has its annotations refreshed.
  void put(const Alert& alert);

  // Flushes the groups that are due at `now`.
  void tick(WallTime now);

  // The silences to apply from now on (SilenceStore::onChange hands them over).
  void setSilences(SilenceSetPtr silences);

  // A config reload: known alerts are routed again; a group that keeps its key keeps what
  // its receiver was told and its timers, the others start over with group_wait.
  void setRouting(RouteTree routes, std::vector<InhibitRule> inhibitRules);

  DispatcherStats stats() const;

 private:
  struct Flush;

  void addToGroups(TrackedAlert& tracked, WallTime now);
  void setState(TrackedAlert& tracked, AlertState state, std::optional<WallTime> endsAt);
  void expireStale(WallTime now);
  std::optional<Flush> planFlush(AlertGroup& group, WallTime now,
                                 const SilenceSet::Active& activeSilences);
  void commit(const Flush& flush, bool sent);
  // Drops `fingerprint` from `group` and forgets the alert once no group holds it.
  void removeMember(AlertGroup& group, std::uint64_t fingerprint);
  void eraseIfEmpty(const std::string& key);

  const Clock& clock_;
  const DispatcherOptions options_;
  const Sink sink_;

  std::mutex tickMutex_;  // one tick at a time, so one flush per group at a time
  mutable std::mutex mutex_;
  RouteTree routes_;
  Inhibitor inhibitor_;
  SilenceSetPtr silences_;
  std::unordered_map<std::uint64_t, TrackedAlert> alerts_;
  std::unordered_map<std::string, AlertGroup> groups_;
  DispatcherStats stats_;
};

}  // namespace pharos::alarms
