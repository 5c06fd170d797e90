#include "health/check_sharding.h"

#include <fmt/format.h>

namespace pharos::health {

CheckSharding::CheckSharding(store::MemberTable& members, const Clock& clock, Options options)
    : members_(members), clock_(clock), options_(std::move(options)) {}

Status CheckSharding::refresh() {
  auto renewed = members_.heartbeat(options_.node, options_.modules, options_.memberTtl);
  if (!renewed.ok()) {
    log_.warn("cannot renew this health member; its checks stop when its registration expires",
              {{"error", renewed.error().toString()}});
    return std::move(renewed).error();
  }
  auto live = members_.live("health");
  if (!live.ok()) return std::move(live).error();
  std::vector<std::string> nodes;
  for (const store::Member& m : *live)
    nodes.push_back(m.node);

  std::vector<std::string> gained;
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    const std::int64_t joined = toUnixMillis(renewed->joinedAt);
    registeredUntilMs_ = toUnixMillis(renewed->expiresAt);
    if (joined != joinedAtMs_) {
      // A new registration (the first, or after an expiry): whatever was claimed before may
      // be running elsewhere by now, so every claim waits the takeover delay again.
      claimedFromMs_.clear();
      joinedAtMs_ = joined;
      changed = true;
    }
    if (nodes != ring_.members()) {
      log_.info("health members changed", {{"members", fmt::format("{}", fmt::join(nodes, ","))}});
      ring_ = HashRing(std::move(nodes));
      changed = true;
    }
    // Owners move only with the members or the checks (setChecks), not every renewal.
    if (changed) gained = wouldGain();
  }
  // Told before the gains may run here, so their state is looked up before their first run.
  announce(gained);
  if (changed) {
    std::lock_guard lock(mutex_);
    reassign(toUnixMillis(clock_.now()));
  }
  return okStatus();
}

void CheckSharding::setChecks(const std::vector<std::string>& names) {
  std::vector<std::string> gained;
  {
    std::lock_guard lock(mutex_);
    checks_ = names;
    gained = wouldGain();
  }
  announce(gained);
  std::lock_guard lock(mutex_);
  reassign(toUnixMillis(clock_.now()));
}

std::vector<std::string> CheckSharding::wouldGain() const {
  std::vector<std::string> gained;
  for (const std::string& check : checks_) {
    if (ring_.owner(check) == options_.node && !claimedFromMs_.contains(check))
      gained.push_back(check);
  }
  return gained;
}

void CheckSharding::setOnGained(std::function<void(const std::vector<std::string>&)> onGained) {
  std::lock_guard lock(gainedMutex_);
  onGained_ = std::move(onGained);
}

void CheckSharding::announce(const std::vector<std::string>& gained) {
  if (gained.empty()) return;
  std::lock_guard lock(gainedMutex_);
  if (onGained_) onGained_(gained);
}

void CheckSharding::reassign(std::int64_t nowMs) {
  // Alone among the live members, this one may start what it gains at once: a member whose
  // registration expired runs nothing (it fences itself), and one joining now waits the delay,
  // by when this one has seen it and let its share go.
  const bool alone = ring_.members() == std::vector<std::string>{options_.node};
  const std::int64_t from = alone ? nowMs : nowMs + options_.takeoverDelay.count();
  std::unordered_map<std::string, std::int64_t> next;
  for (const std::string& check : checks_) {
    if (ring_.owner(check) != options_.node) continue;
    auto it = claimedFromMs_.find(check);
    next.emplace(check, it != claimedFromMs_.end() ? std::min(it->second, from) : from);
  }
  claimedFromMs_ = std::move(next);
}

bool CheckSharding::runsHere(std::string_view check) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = toUnixMillis(clock_.now());
  if (!registeredAt(now)) return false;
  auto it = claimedFromMs_.find(std::string(check));
  return it != claimedFromMs_.end() && it->second <= now;
}

void CheckSharding::leave() {
  {
    std::lock_guard lock(mutex_);
    claimedFromMs_.clear();
    registeredUntilMs_ = 0;
  }
  if (Status s = members_.leave(options_.node); !s.ok()) {
    log_.warn("cannot leave the health members; the others take over when this one expires",
              {{"error", s.error().toString()}});
  }
}

CheckSharding::View CheckSharding::view() {
  std::lock_guard lock(mutex_);
  const std::int64_t now = toUnixMillis(clock_.now());
  View v;
  v.members = ring_.members();
  v.registered = registeredAt(now);
  for (const auto& [check, from] : claimedFromMs_)
    ++(from <= now ? v.owned : v.pending);
  return v;
}

}  // namespace pharos::health
