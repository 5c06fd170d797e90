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

  // The checks' split between health processes; null when not sharing (or no health here).
  health::CheckSharding* sharding() { return sharding_.get(); }
  // For /readyz: the live health members and this one's share.
  nlohmann::json shardView();

 private:
  Membership(store::LeaseTable& leases, Options options)
      : leases_(leases), options_(std::move(options)) {}
  void renew();

  store::LeaseTable& leases_;
  Options options_;
  std::unique_ptr<store::MemberTable> members_;
  std::unique_ptr<health::CheckSharding> sharding_;
  std::unique_ptr<PeriodicTask> renewal_;
  std::mutex mutex_;
  std::map<std::string, int64_t> singletons_;  // module -> fencing token, guarded by mutex_
  logging::Logger log_{"app"};
};

// The name of the lease a singleton module runs under.
std::string moduleLease(std::string_view module);

}  // namespace pharos::app
