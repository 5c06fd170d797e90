#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "notify/notification.h"
#include "notify/sender.h"
#include "store/store.h"

namespace pharos::notify {

// pending: in the outbox; delivered: a receiver took it (or an earlier copy with the same
// idempotency key); dead: out of retries, in the dead-letter queue; skipped: a resolved
// notification for a receiver with send_resolved: false.
enum class NotificationStatus { kPending, kDelivered, kDead, kSkipped };
std::string_view notificationStatusName(NotificationStatus s);
std::optional<NotificationStatus> parseNotificationStatus(std::string_view name);

struct NotificationRow {
  std::string id;
  std::string receiver;
  std::string idempotencyKey;
  std::string groupKey;
  NotificationStatus status = NotificationStatus::kPending;
  int attempts = 0;
  std::string lastError;
  WallTime createdAt;
  WallTime updatedAt;
};

struct AttemptRow {
  std::string notificationId;
  int seq = 0;  // 1, 2, ... over the notification's life (a redrive does not restart it)
  std::string receiver;
  int attempt = 0;  // within the current retry budget
  WallTime at;
  std::string outcome;  // delivered | failed
  int httpStatus = 0;
  std::string error;
  Millis duration{0};
};

// For GET /api/v1/notifications: newest first, optionally one status and/or one receiver,
// `limit` rows created before `beforeMs` (the previous page's last created_at_ms).
struct NotificationQuery {
  std::optional<NotificationStatus> status;
  std::string receiver;
  size_t limit = 100;
  std::optional<int64_t> beforeMs;
};

// The store's record of notifications and their attempts (tables in schema.h), written by the
// outbox and read by the API. Thread-safe (the store is).
class NotificationLog {
 public:
  NotificationLog(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // A pending row, unless the notification has one already.
  Status recordEnqueued(const Notification& n);
  // One attempt: its row, and the notification's new state (and the delivered key when
  // delivered), in one transaction. `attempt` is the number within the retry budget.
  Status recordAttempt(const Notification& n, int attempt, const Attempt& a,
                       NotificationStatus status);
  Status setStatus(const Notification& n, NotificationStatus status, std::string_view lastError);
  // Whether `receiver` already took a notification with this key.
  Result<bool> isDelivered(std::string_view receiver, std::string_view idempotencyKey);

  Result<std::optional<NotificationRow>> get(std::string_view id);
  Result<std::vector<NotificationRow>> list(const NotificationQuery& q);
  Result<std::vector<AttemptRow>> attempts(std::string_view id);
  // Deletes finished notifications (delivered, dead, skipped), their attempts and delivered
  // keys older than `before`; returns how many notifications.
  Result<int64_t> prune(WallTime before);

 private:
  store::Store& store_;
  const Clock& clock_;
};

nlohmann::json notificationRowToJson(const NotificationRow& row);
nlohmann::json attemptRowToJson(const AttemptRow& row);

}  // namespace pharos::notify
