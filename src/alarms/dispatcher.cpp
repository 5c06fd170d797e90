#include "alarms/dispatcher.h"

#include <algorithm>
#include <exception>
#include <set>

#include "core/log.h"

namespace pharos::alarms {
namespace {

const logging::Logger& logger() {
  static const logging::Logger log("alarms");
  return log;
}

// The group's flush after the one due at `due`, on the same grid (due + k * interval), the
// first after `now`: ticks that came late, or a sink that refused for a while, do not shift
// the group's rhythm, and repeat_interval is met at the flush it falls on.
WallTime nextOnGrid(WallTime due, Millis interval, WallTime now) {
  WallTime next = due + interval;
  if (next <= now) next += ((now - next) / interval + 1) * interval;
  return next;
}

}  // namespace

// One group's notification on its way to the sink, and what to record once it is accepted.
struct Dispatcher::Flush {
  std::string key;
  WallTime at;
  notify::Notification notification;
  std::set<std::uint64_t> firing;    // sent as firing
  std::set<std::uint64_t> resolved;  // sent as resolved: forgotten once accepted
  // Muted now, but the receiver was told they fire: it still believes so, and should hear
  // when they resolve.
  std::set<std::uint64_t> mutedBelieved;
  int failuresBefore = 0;  // the sink's refusals of this group in a row, before this one
};

Dispatcher::Dispatcher(RouteTree routes, std::vector<InhibitRule> inhibitRules, const Clock& clock,
                       DispatcherOptions options, Sink sink)
    : clock_(clock),
      options_(std::move(options)),
      sink_(std::move(sink)),
      routes_(std::move(routes)),
      inhibitor_(std::move(inhibitRules)) {}

void Dispatcher::put(const Alert& alert) {
  std::lock_guard lock(mutex_);
  ++stats_.alertsReceived;
  if (alert.state == AlertState::kPending) return;
  bool firing = alert.state == AlertState::kFiring;
  WallTime now = clock_.now();
  std::uint64_t fp = alert.labels.hash();
  auto it = alerts_.find(fp);
  if (it == alerts_.end()) {
    // Resolved without having fired here: no receiver was told, so nobody needs telling.
    // No routes (no receivers): nobody to tell at all.
    if (!firing || routes_.empty()) return;
    TrackedAlert& tracked = alerts_.emplace(fp, TrackedAlert{alert, fp, now, {}}).first->second;
    tracked.alert.endsAt.reset();
    inhibitor_.setFiring(fp, tracked.alert.labels, true);
    addToGroups(tracked, now);
    return;
  }
  TrackedAlert& tracked = it->second;
  tracked.lastSeen = now;
  tracked.alert.annotations = alert.annotations;
  tracked.alert.generatorUrl = alert.generatorUrl;
  if (firing && !tracked.firing()) {
    tracked.alert.startsAt = alert.startsAt;
    setState(tracked, AlertState::kFiring, std::nullopt);
  } else if (!firing && tracked.firing()) {
    setState(tracked, AlertState::kResolved, alert.endsAt.value_or(now));
  }
}

void Dispatcher::setState(TrackedAlert& tracked, AlertState state, std::optional<WallTime> endsAt) {
  tracked.alert.state = state;
  tracked.alert.endsAt = endsAt;
  inhibitor_.setFiring(tracked.fingerprint, tracked.alert.labels, state == AlertState::kFiring);
}

void Dispatcher::addToGroups(TrackedAlert& tracked, WallTime now) {
  for (const Route* route : routes_.match(tracked.alert.labels)) {
    Labels groupLabels = groupLabelsFor(route->settings, tracked.alert.labels);
    std::string key = route->path + ":" + groupLabels.str();
    auto [it, inserted] = groups_.try_emplace(key);
    AlertGroup& group = it->second;
    if (inserted) {
      group.key = key;
      group.settings = route->settings;
      group.groupLabels = std::move(groupLabels);
      group.nextFlush = now + route->settings.groupWait;
    }
    group.members.insert(tracked.fingerprint);
    tracked.groupKeys.push_back(std::move(key));
  }
}

void Dispatcher::expireStale(WallTime now) {
  for (auto& [fp, tracked] : alerts_) {
    if (tracked.firing() && now - tracked.lastSeen >= options_.resolveTimeout) {
      setState(tracked, AlertState::kResolved, tracked.lastSeen + options_.resolveTimeout);
      ++stats_.alertsTimedOut;
    }
  }
}

std::optional<Dispatcher::Flush> Dispatcher::planFlush(AlertGroup& group, WallTime now,
                                                       const SilenceSet::Active& activeSilences) {
  std::vector<const TrackedAlert*> firing, resolvedToSend;
  std::vector<std::uint64_t> resolvedUnsent;
  Flush flush;
  for (std::uint64_t fp : group.members) {
    const TrackedAlert& a = alerts_.at(fp);
    if (a.firing()) {
      bool silenced = activeSilences.firstMatching(a.alert.labels) != nullptr;
      bool inhibited = !silenced && inhibitor_.isInhibited(fp, a.alert.labels);
      if (silenced || inhibited) {
        ++(silenced ? stats_.alertsSilenced : stats_.alertsInhibited);
        if (group.sentFiring.contains(fp)) flush.mutedBelieved.insert(fp);
        continue;
      }
      firing.push_back(&a);
      flush.firing.insert(fp);
    } else if (group.sentFiring.contains(fp)) {
      resolvedToSend.push_back(&a);
      flush.resolved.insert(fp);
    } else {
      resolvedUnsent.push_back(fp);
    }
  }
  bool send = !resolvedToSend.empty();
  if (!firing.empty()) {
    bool newFiring = !std::includes(group.sentFiring.begin(), group.sentFiring.end(),
                                    flush.firing.begin(), flush.firing.end());
    bool repeatDue = !group.lastSent || now - *group.lastSent >= group.settings.repeatInterval;
    send = send || newFiring || repeatDue;
  }
  // Resolved before the receiver heard of them: nothing to say, ever.
  for (std::uint64_t fp : resolvedUnsent)
    removeMember(group, fp);
  if (!send) {
    group.nextFlush = nextOnGrid(group.nextFlush, group.settings.groupInterval, now);
    return std::nullopt;
  }
  firing.insert(firing.end(), resolvedToSend.begin(), resolvedToSend.end());
  flush.key = group.key;
  flush.at = now;
  flush.failuresBefore = group.sinkFailures;
  flush.notification = buildNotification(group, std::move(firing), options_.externalUrl, now);
  group.inFlight = true;
  return flush;
}

void Dispatcher::commit(const Flush& flush, bool sent) {
  auto it = groups_.find(flush.key);
  if (sent) {
    ++stats_.notificationsSent;
  } else {
    ++stats_.sinkFailures;
  }
  if (it == groups_.end()) return;  // a reload dropped the group meanwhile
  AlertGroup& group = it->second;
  group.inFlight = false;
  // Not sent: nextFlush stays due, so the next tick tries again with what is then current.
  if (!sent) {
    ++group.sinkFailures;
    return;
  }
  group.sinkFailures = 0;
  group.lastSent = flush.at;
  group.nextFlush = nextOnGrid(group.nextFlush, group.settings.groupInterval, flush.at);
  group.sentFiring = flush.firing;
  group.sentFiring.insert(flush.mutedBelieved.begin(), flush.mutedBelieved.end());
  for (std::uint64_t fp : flush.resolved) {
    auto a = alerts_.find(fp);
    // One that fired again meanwhile stays: the next flush reports it firing.
    if (a != alerts_.end() && !a->second.firing() && group.members.contains(fp)) {
      removeMember(group, fp);
    }
  }
  std::erase_if(group.sentFiring, [&](std::uint64_t fp) { return !group.members.contains(fp); });
  eraseIfEmpty(flush.key);
}

void Dispatcher::removeMember(AlertGroup& group, std::uint64_t fingerprint) {
  group.members.erase(fingerprint);
  group.sentFiring.erase(fingerprint);
  auto it = alerts_.find(fingerprint);
  if (it == alerts_.end()) return;
  std::erase(it->second.groupKeys, group.key);
  if (it->second.groupKeys.empty()) {
    inhibitor_.setFiring(fingerprint, it->second.alert.labels, false);
    alerts_.erase(it);
  }
}

void Dispatcher::eraseIfEmpty(const std::string& key) {
  auto it = groups_.find(key);
  if (it != groups_.end() && it->second.members.empty() && !it->second.inFlight) groups_.erase(it);
}

void Dispatcher::tick(WallTime now) {
  std::lock_guard tickLock(tickMutex_);
  std::vector<Flush> flushes;
  {
    std::lock_guard lock(mutex_);
    expireStale(now);
    std::vector<std::string> due;
    for (const auto& [key, group] : groups_) {
      if (!group.inFlight && group.nextFlush <= now) due.push_back(key);
    }
    std::sort(due.begin(), due.end());  // a stable order for receivers and tests
    SilenceSet::Active active;
    if (silences_ && !due.empty()) active = silences_->activeAt(now);
    for (const std::string& key : due) {
      if (auto flush = planFlush(groups_.at(key), now, active))
        flushes.push_back(std::move(*flush));
      eraseIfEmpty(key);
    }
  }
  std::vector<bool> sent(flushes.size(), false);
  for (std::size_t i = 0; i < flushes.size(); ++i) {
    Status status = okStatus();
    try {
      status = sink_(flushes[i].notification);
    } catch (const std::exception& e) {
      status = makeError(ErrorCode::kInternal, e.what());
    }
    sent[i] = status.ok();
    if (!status.ok() && flushes[i].failuresBefore == 0) {
      logger().warn("notification not queued; retrying every tick",
                    {{"group", flushes[i].key},
                     {"receiver", flushes[i].notification.receiver},
                     {"error", status.error().message}});
    } else if (status.ok() && flushes[i].failuresBefore > 0) {
      logger().info("notification queued after retries",
                    {{"group", flushes[i].key}, {"attempts", flushes[i].failuresBefore + 1}});
    }
  }
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < flushes.size(); ++i)
    commit(flushes[i], sent[i]);
}

void Dispatcher::setSilences(SilenceSetPtr silences) {
  std::lock_guard lock(mutex_);
  silences_ = std::move(silences);
}

void Dispatcher::setRouting(RouteTree routes, std::vector<InhibitRule> inhibitRules) {
  std::lock_guard lock(mutex_);
  routes_ = std::move(routes);
  inhibitor_ = Inhibitor(std::move(inhibitRules));
  std::unordered_map<std::string, AlertGroup> old = std::move(groups_);
  groups_.clear();
  WallTime now = clock_.now();
  for (auto& [fp, tracked] : alerts_) {
    if (tracked.firing()) inhibitor_.setFiring(fp, tracked.alert.labels, true);
    tracked.groupKeys.clear();
    addToGroups(tracked, now);
  }
  std::erase_if(alerts_, [](const auto& entry) { return entry.second.groupKeys.empty(); });
  for (auto& [key, group] : groups_) {
    auto it = old.find(key);
    if (it == old.end()) continue;
    const AlertGroup& before = it->second;
    for (std::uint64_t fp : before.sentFiring) {
      if (group.members.contains(fp)) group.sentFiring.insert(fp);
    }
    group.lastSent = before.lastSent;
    group.nextFlush = before.nextFlush;
    group.inFlight = before.inFlight;
  }
}

DispatcherStats Dispatcher::stats() const {
  std::lock_guard lock(mutex_);
  DispatcherStats s = stats_;
  s.groups = groups_.size();
  s.alerts = alerts_.size();
  return s;
}

}  // namespace pharos::alarms
