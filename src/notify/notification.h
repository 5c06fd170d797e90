#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/labels.h"

namespace pharos::notify {

// One alert as a receiver sees it, in Alertmanager's terms (its webhook payload has the same
// fields), so templates written for Alertmanager read the same data.
struct AlertInfo {
  Labels labels;       // identity: alertname, the rule's labels, the series' labels
  Labels annotations;  // summary, description, runbook_url, ...
  bool firing = true;  // false: resolved
  WallTime startsAt;
  std::optional<WallTime> endsAt;  // set when resolved
  std::string generatorUrl;        // the dashboard page of the rule
  std::string fingerprint;         // 16 hex digits of labels.hash()
};

// What one receiver is sent at once: a group of alerts that share the route's group_by
// labels. Serialised into the durable outbox, so everything a channel needs is in here.
struct Notification {
  std::string id;        // ULID, unique per enqueue
  std::string receiver;  // the receiver's name
  // The route's fallback receiver: when delivery to `receiver` runs out of retries, a copy
  // goes here instead of only into the dead-letter queue. Empty: none.
  std::string fallback;
  std::string groupKey;  // route path + group_by values: the same group keeps the same key
  // The same key means the same message: a redelivery after a crash between send and ack
  // carries it again, so a receiver that deduplicates (PagerDuty's dedup_key, the webhook's
  // Idempotency-Key header) sees one. groupKey plus a hash of the alerts' states.
  std::string idempotencyKey;
  bool firing = true;  // any alert in the group firing
  Labels groupLabels;
  Labels commonLabels;
  Labels commonAnnotations;
  std::vector<AlertInfo> alerts;
  std::string externalUrl;  // the dashboard's base URL, for links
  WallTime createdAt;
};

}  // namespace pharos::notify
