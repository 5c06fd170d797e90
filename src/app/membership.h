#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/log.h"
#include "core/periodic_task.h"
#include "core/result.h"
#include "health/check_sharding.h"
#include "store/lease_table.h"
#include "store/member_table.h"

namespace pharos::app {

// This process among the others on a shared store (PostgreSQL): its member row (which modules
// it runs), the leases of the modules that must run in one process only, and its share of the
// health checks. On the embedded store one process owns the data directory, so there is
// nothing to share: no row, no leases, no sharding.
class Membership {
 public:
  struct Options {
    std::string node;
    std::vector<std::string> modules;
    bool shared = false;  // the store is one other processes may use too
    Millis ttl{10'000};
    Millis refresh{2'000};
    // Called (from the renewal thread) when a module's lease was lost: another process holds
    // it now, so this one must stop running the module.
    std::function<void(const std::string& module)> onLost;
  };

  static Result<std::unique_ptr<Membership>> open(store::Store& store, store::LeaseTable& leases,
                                                  const Clock& clock, Options options);
  ~Membership();

  // Starts renewing every `refresh` (the first renewal before it returns).
  Status start();
  // Releases the module leases and leaves, so the others take over at once.
  void stop();

  // For a module that must run in one process (alerting, backups, scrapes): takes its lease,
  // or kFailedPrecondition naming the process that runs it. Renewed with the membership.
  Status holdSingleton(std::string_view module);
  // Whether this process may act for `module` now: it holds the module's lease and, by its
  // own clock, the lease has not run out since it was last renewed. A process that was
  // paused past the ttl (another may have taken the lease meanwhile) acts for nothing from the
  // moment it wakes up, before its renewal finds out and stops it. Always true when not
  // sharing (one process owns the data directory).
  bool holds(std::string_view module);

  // The checks' split between health processes; null when not sharing (or no health here).
  health::CheckSharding* sharding() { return sharding_.get(); }
  // For /readyz: the live health members and this one's share.
  nlohmann::json shardView();

 private:
  Membership(store::LeaseTable& leases, const Clock& clock, Options options)
      : leases_(leases), clock_(clock), options_(std::move(options)) {}
  void renew();

  store::LeaseTable& leases_;
  const Clock& clock_;
  Options options_;
  std::unique_ptr<store::MemberTable> members_;
  std::unique_ptr<health::CheckSharding> sharding_;
  std::unique_ptr<PeriodicTask> renewal_;
  std::mutex mutex_;
  struct Held {
    int64_t token = 0;
    // The time of the last successful acquire (taken before it was asked for), plus the ttl:
    // no other process takes the lease before then, by clocks that agree.
    WallTime until;
  };
  std::map<std::string, Held> singletons_;  // by module, guarded by mutex_
  logging::Logger log_{"app"};
};

// The name of the lease a singleton module runs under.
std::string moduleLease(std::string_view module);

}  // namespace pharos::app
