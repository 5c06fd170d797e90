#include "app/membership.h"

#include <algorithm>

#include <fmt/format.h>

namespace pharos::app {

std::string moduleLease(std::string_view module) {
  return fmt::format("module.{}", module);
}

Result<std::unique_ptr<Membership>> Membership::open(store::Store& store, store::LeaseTable& leases,
                                                     const Clock& clock, Options options) {
  auto m = std::unique_ptr<Membership>(new Membership(leases, clock, std::move(options)));
  if (!m->options_.shared) return m;
  PHAROS_ASSIGN_OR_RETURN(m->members_, store::MemberTable::open(store, clock));
  const auto& modules = m->options_.modules;
  if (std::find(modules.begin(), modules.end(), "health") != modules.end()) {
    health::CheckSharding::Options o;
    o.node = m->options_.node;
    o.modules = modules;
    o.memberTtl = m->options_.ttl;
    o.refreshInterval = m->options_.refresh;
    o.takeoverDelay = m->options_.refresh + m->options_.refresh / 2;
    m->sharding_ = std::make_unique<health::CheckSharding>(*m->members_, clock, std::move(o));
  }
  return m;
}

Membership::~Membership() {
  stop();
}

Status Membership::start() {
  if (!options_.shared) return okStatus();
  // The first registration must work: a process that cannot say it is alive must not start
  // work the others cannot see.
  if (sharding_) {
    PHAROS_TRY(sharding_->refresh());
  } else {
    PHAROS_TRY(members_->heartbeat(options_.node, options_.modules, options_.ttl));
  }
  renewal_ = std::make_unique<PeriodicTask>(options_.refresh, [this] { renew(); });
  renewal_->start();
  log_.info(
      "joined the shared store's members",
      {{"node", options_.node}, {"modules", fmt::format("{}", fmt::join(options_.modules, ","))}});
  return okStatus();
}

void Membership::stop() {
  if (!renewal_) return;
  renewal_.reset();
  std::map<std::string, Held> held;
  {
    std::lock_guard lock(mutex_);
    held.swap(singletons_);
  }
  for (const auto& [module, h] : held) {
    if (Status s = leases_.release(moduleLease(module), h.token); !s.ok()) {
      log_.warn("cannot release a module lease; another process takes it when it expires",
                {{"module", module}, {"error", s.error().toString()}});
    }
  }
  if (sharding_) {
    sharding_->leave();
  } else if (Status s = members_->leave(options_.node); !s.ok()) {
    log_.warn("cannot leave the members", {{"error", s.error().toString()}});
  }
}

Status Membership::holdSingleton(std::string_view module) {
  if (!options_.shared) return okStatus();
  const WallTime asked = clock_.now();
  auto lease = leases_.acquire(moduleLease(module), options_.node, options_.ttl);
  if (!lease.ok()) {
    Error e = std::move(lease).error();
    if (e.code != ErrorCode::kFailedPrecondition) return e;
    return makeError(ErrorCode::kFailedPrecondition,
                     fmt::format("{} runs in one process only, and another runs it ({}); start "
                                 "this one with --modules without {}",
                                 module, e.message, module));
  }
  std::lock_guard lock(mutex_);
  singletons_[std::string(module)] = Held{lease->token, asked + options_.ttl};
  return okStatus();
}

bool Membership::holds(std::string_view module) {
  if (!options_.shared) return true;
  std::lock_guard lock(mutex_);
  auto it = singletons_.find(std::string(module));
  return it != singletons_.end() && clock_.now() < it->second.until;
}

void Membership::renew() {
  if (sharding_) {
    (void)sharding_->refresh();  // logs its own failure
  } else if (auto beat = members_->heartbeat(options_.node, options_.modules, options_.ttl);
             !beat.ok()) {
    log_.warn("cannot renew this process's membership", {{"error", beat.error().toString()}});
  }
  std::map<std::string, Held> held;
  {
    std::lock_guard lock(mutex_);
    held = singletons_;
  }
  for (const auto& [module, h] : held) {
    const WallTime asked = clock_.now();
    auto lease = leases_.acquire(moduleLease(module), options_.node, options_.ttl);
    if (lease.ok() && lease->token == h.token) {
      std::lock_guard lock(mutex_);
      if (auto it = singletons_.find(module); it != singletons_.end())
        it->second.until = asked + options_.ttl;
      continue;
    }
    if (!lease.ok() && lease.error().code != ErrorCode::kFailedPrecondition) {
      // The store did not answer: the lease may still be ours; the next round tries again,
      // and the holder check below catches a lease that expired meanwhile.
      log_.warn("cannot renew a module lease",
                {{"module", module}, {"error", lease.error().toString()}});
      continue;
    }
    // Taken by another process, or expired and taken back with a new token: someone else may
    // have run the module in between.
    log_.error("lost the lease of a module that runs in one process only",
               {{"module", module},
                {"error", lease.ok() ? "expired and retaken" : lease.error().message}});
    {
      std::lock_guard lock(mutex_);
      singletons_.erase(module);
    }
    if (options_.onLost) options_.onLost(module);
  }
}

nlohmann::json Membership::shardView() {
  if (!sharding_) return nullptr;
  health::CheckSharding::View v = sharding_->view();
  return {{"members", v.members},
          {"owned", v.owned},
          {"pending", v.pending},
          {"registered", v.registered}};
}

}  // namespace pharos::app
