#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/hash_ring.h"
#include "core/log.h"
#include "core/result.h"
#include "store/member_table.h"

namespace pharos::health {

// Which checks this process runs when several health processes share one store: each check
// belongs to one live member by consistent hashing of its name, so a member that joins takes
// about 1/n of the checks and one that leaves or dies gives its checks to the others, and the
// rest stay where they were.
//
// No check runs in two processes at once, given clocks that agree to well within the times
// below:
// - a member that loses a check (its ring changed) stops running it at once;
// - a member that gains one starts only `takeoverDelay` later, by which time the loser, which
//   re-reads the members every `refreshInterval` (shorter), has stopped; unless it is the only
//   live member, when no other can be running anything (see the next rule);
// - a member that could not renew its own registration within `memberTtl` (the store was out
//   of reach, the process was paused) runs nothing until it has: the others may have taken its
//   checks. It joins anew and waits out the takeover delay like a newcomer.
// A member that dies is dropped once its registration expires; its checks then run elsewhere
// from at most memberTtl + refreshInterval + takeoverDelay + one interval after its last
// renewal (without the takeover delay when one member is left).
class CheckSharding {
 public:
  struct Options {
    std::string node;                  // this process's node id
    std::vector<std::string> modules;  // what its member row says it runs (with "health")
    Millis memberTtl{10'000};
    Millis refreshInterval{2'000};  // well within memberTtl
    Millis takeoverDelay{3'000};    // longer than refreshInterval
  };

  CheckSharding(store::MemberTable& members, const Clock& clock, Options options);

  // Renews this member, re-reads the live health members and, when they changed, the owners.
  // Call every refreshInterval; on error this process keeps its checks until its own
  // registration would have expired, then runs none.
  Status refresh();
  // The checks there are (names), so that a member's gains are dated when the ring changes
  // rather than when each check's next slot asks.
  void setChecks(const std::vector<std::string>& names);
  // Called with the checks this member gains, from refresh() or setChecks() (on their thread,
  // outside this object's lock), before they may start here: the time to look up where their
  // state stood (HealthEngine::continueStatuses). An empty function removes
  // it, waiting for a call in progress.
  void setOnGained(std::function<void(const std::vector<std::string>& checks)> onGained);
  // Whether this process runs `check` now (HealthEngine::Options::runsHere).
  bool runsHere(std::string_view check);
  // Gives this member's checks away at once (a clean stop).
  void leave();

  struct View {
    std::vector<std::string> members;  // the live health members, by node id
    size_t owned = 0;                  // checks this member runs now
    size_t pending = 0;                // gained, waiting out the takeover delay
    bool registered = false;           // its own registration is current
  };
  View view();

 private:
  // Under mutex_: claims what the ring gives this member and drops what it gave away.
  void reassign(std::int64_t nowMs);
  // Under mutex_: what reassign() would newly claim.
  std::vector<std::string> wouldGain() const;
  void announce(const std::vector<std::string>& gained);
  bool registeredAt(std::int64_t nowMs) const { return nowMs < registeredUntilMs_; }

  store::MemberTable& members_;
  const Clock& clock_;
  Options options_;
  logging::Logger log_{"health"};

  std::mutex mutex_;
  HashRing ring_{{}};
  std::vector<std::string> checks_;
  // The checks this member owns, each with the time from which it may run it.
  std::unordered_map<std::string, std::int64_t> claimedFromMs_;
  std::int64_t registeredUntilMs_ = 0;
  std::int64_t joinedAtMs_ = -1;  // of the registration the claims were made under
  // Set and called under its own lock, so that once setOnGained({}) returns, the previous
  // callback runs no more and what it uses may go.
  std::mutex gainedMutex_;
  std::function<void(const std::vector<std::string>&)> onGained_;  // under gainedMutex_
};

}  // namespace pharos::health
