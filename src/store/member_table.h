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

// A process that says it is alive on a shared store, and which modules it runs.
struct Member {
  std::string node;
  std::vector<std::string> modules;
  WallTime joinedAt;  // the start of its current unbroken registration
  WallTime expiresAt;
};

// Who is alive among the processes on one store: each renews its row well within `ttl`;
// a row not renewed by then (crashed, paused, cut off) no longer counts. Work spread over
// the live members (health checks by consistent hashing) is decided from this list, so every
// process that reads it at the same moment agrees. As with leases, expiry is judged by the
// reading process's clock: the processes' clocks must agree to well within the ttl.
class MemberTable {
 public:
  static Result<std::unique_ptr<MemberTable>> open(Store& store, const Clock& clock);

  // Registers `node` running `modules`, or renews it, until now + ttl. A registration that
  // had expired starts again (a new joinedAt): the others may have given its work away.
  Result<Member> heartbeat(std::string_view node, const std::vector<std::string>& modules,
                           Millis ttl);
  // Leaves at once (a clean stop), so the others take over without waiting for the ttl.
  Status leave(std::string_view node);
  // The members alive now, by node id; with `module`, only those running it.
  Result<std::vector<Member>> live(std::string_view module = {});

 private:
  MemberTable(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  Store& store_;
  const Clock& clock_;
};

}  // namespace pharos::store
