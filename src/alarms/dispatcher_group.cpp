#include "alarms/dispatcher_group.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/ids.h"
#include "core/stable_hash.h"

namespace pharos::alarms {
namespace {

// The labels (or annotations) every alert has with the same value.
template <typename Get>
Labels common(const std::vector<const TrackedAlert*>& alerts, Get get) {
  if (alerts.empty()) return {};
  std::vector<Label> shared = get(*alerts.front()).items();
  for (std::size_t i = 1; i < alerts.size() && !shared.empty(); ++i) {
    const Labels& other = get(*alerts[i]);
    std::erase_if(shared, [&](const Label& l) { return other.get(l.name) != l.value; });
  }
  return Labels::fromUnsorted(std::move(shared));
}

}  // namespace

std::string fingerprintHex(std::uint64_t fingerprint) {
  return fmt::format("{:016x}", fingerprint);
}

notify::Notification buildNotification(const AlertGroup& group,
                                       std::vector<const TrackedAlert*> alerts,
                                       const std::string& externalUrl, WallTime now) {
  std::sort(alerts.begin(), alerts.end(), [](const TrackedAlert* a, const TrackedAlert* b) {
    return a->alert.labels < b->alert.labels;
  });
  notify::Notification n;
  n.id = newId(now);
  n.receiver = group.settings.receiver;
  n.fallback = group.settings.fallback;
  n.groupKey = group.key;
  n.groupLabels = group.groupLabels;
  n.commonLabels =
      common(alerts, [](const TrackedAlert& a) -> const Labels& { return a.alert.labels; });
  n.commonAnnotations =
      common(alerts, [](const TrackedAlert& a) -> const Labels& { return a.alert.annotations; });
  n.externalUrl = externalUrl;
  n.createdAt = now;
  n.firing = false;
  StableHash content;
  content.add(group.key);
  n.alerts.reserve(alerts.size());
  for (const TrackedAlert* a : alerts) {
    notify::AlertInfo info;
    info.labels = a->alert.labels;
    info.annotations = a->alert.annotations;
    info.firing = a->firing();
    info.startsAt = a->alert.startsAt;
    if (!info.firing) info.endsAt = a->alert.endsAt;
    info.generatorUrl = a->alert.generatorUrl;
    info.fingerprint = fingerprintHex(a->fingerprint);
    n.firing = n.firing || info.firing;
    content.add(info.fingerprint);
    content.add(info.firing ? "+" : "-");
    n.alerts.push_back(std::move(info));
  }
  n.idempotencyKey = fmt::format("{}/{:016x}", group.key, content.value());
  return n;
}

}  // namespace pharos::alarms
