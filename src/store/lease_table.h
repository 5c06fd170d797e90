#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace pharos::store {

// Who holds a named piece of work ("backup.schedule", "retention.audit", a shard of checks) and
// until when. `token` grows every time the lease changes hands: the fencing token.
struct Lease {
  std::string name;
  std::string holder;
  int64_t token = 0;
  WallTime expiresAt;
};

// Leases in a table of the store, so every process on a shared store (PostgreSQL) agrees on
// who runs the work that must happen once, and the embedded store behaves the same.
//
// A holder renews before `ttl` runs out; a holder that stops renewing (crashed, paused, cut off)
// loses the lease once it expires, and the next acquire() by anyone takes it with a higher
// token. A paused process that wakes up still believing it holds the lease is stopped by the
// fence: the work it protects writes through checkFence() in the same transaction, which
// refuses a token that is no longer current. Expiry is judged by the acquiring process's clock,
// so the processes' clocks must agree to well within the ttl (NTP does).
class LeaseTable {
 public:
  static Result<std::unique_ptr<LeaseTable>> open(Store& store, const Clock& clock);

  // Takes `name` for `holder` until now + ttl when it is free, expired or already this
  // holder's (a renewal: the token stays). kFailedPrecondition (retryable) naming the holder
  // and its expiry when someone else holds it.
  Result<Lease> acquire(std::string_view name, std::string_view holder, Millis ttl);
  // Gives the lease up early, if `token` is still current (otherwise there is nothing to do).
  Status release(std::string_view name, int64_t token);
  // Inside the transaction of the protected write: ok while `token` is the current token of
  // `name` and unexpired; kFailedPrecondition otherwise, and the caller's transaction must fail.
  Status checkFence(Session& session, std::string_view name, int64_t token) const;
  // Every lease, expired ones included (for /readyz and operators).
  Result<std::vector<Lease>> list();

 private:
  LeaseTable(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  Store& store_;
  const Clock& clock_;
};

}  // namespace pharos::store
