#include "notify/notification_log.h"

#include <fmt/format.h>

#include "notify/notification_json.h"

namespace pharos::notify {
namespace {

constexpr std::string_view kStatusNames[] = {"pending", "delivered", "dead", "skipped"};

constexpr std::string_view kUpsert =
    "INSERT INTO notify_notifications (id, receiver, idempotency_key, group_key, status, "
    "attempts, last_error, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9) ON CONFLICT (id) DO UPDATE SET status = $5, attempts = notify_notifications.attempts + "
    "$6, last_error = $7, updated_at_ms = $9";

constexpr std::string_view kRowColumns =
    "id, receiver, idempotency_key, group_key, status, attempts, last_error, created_at_ms, "
    "updated_at_ms";

NotificationRow toRow(const store::Row& r) {
  NotificationRow row;
  row.id = r.text(0);
  row.receiver = r.text(1);
  row.idempotencyKey = r.text(2);
  row.groupKey = r.text(3);
  row.status = parseNotificationStatus(r.text(4)).value_or(NotificationStatus::kPending);
  row.attempts = static_cast<int>(r.integer(5));
  row.lastError = r.text(6);
  row.createdAt = fromUnixMillis(r.integer(7));
  row.updatedAt = fromUnixMillis(r.integer(8));
  return row;
}

std::string statusText(NotificationStatus s) {
  return std::string(notificationStatusName(s));
}

}  // namespace

std::string_view notificationStatusName(NotificationStatus s) {
  return kStatusNames[static_cast<size_t>(s)];
}

std::optional<NotificationStatus> parseNotificationStatus(std::string_view name) {
  for (size_t i = 0; i < std::size(kStatusNames); ++i)
    if (kStatusNames[i] == name) return static_cast<NotificationStatus>(i);
  return std::nullopt;
}

Status NotificationLog::recordEnqueued(const Notification& n) {
  int64_t now = toUnixMillis(clock_.now());
  PHAROS_TRY(store_.execute(
      "INSERT INTO notify_notifications (id, receiver, idempotency_key, group_key, status, "
      "attempts, last_error, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, 'pending', 0, "
      "'', $5, $5) ON CONFLICT (id) DO NOTHING",
      {n.id, n.receiver, n.idempotencyKey, n.groupKey, now}));
  return okStatus();
}

Status NotificationLog::recordAttempt(const Notification& n, int attempt, const Attempt& a,
                                      NotificationStatus status) {
  int64_t now = toUnixMillis(clock_.now());
  std::string error = a.error;
  if (!a.templateError.empty()) {
    error += (error.empty() ? "" : "; ") + fmt::format(
                                               "template failed, sent the plain default "
                                               "text: {}",
                                               a.templateError);
  }
  return store_.transaction([&](store::Session& s) -> Status {
    PHAROS_ASSIGN_OR_RETURN(
        store::Rows seqRows,
        s.query("SELECT COALESCE(MAX(seq), 0) FROM notify_attempts WHERE notification_id = $1",
                {n.id}));
    int64_t seq = seqRows.empty() || seqRows[0].isNull(0) ? 1 : seqRows[0].integer(0) + 1;
    PHAROS_TRY(s.execute(
        "INSERT INTO notify_attempts (notification_id, seq, receiver, attempt, at_ms, outcome, "
        "http_status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {n.id, seq, n.receiver, int64_t{attempt}, now,
         std::string(a.delivered ? "delivered" : "failed"), int64_t{a.status}, error,
         static_cast<int64_t>(a.duration.count())}));
    PHAROS_TRY(s.execute(
        kUpsert, {n.id, n.receiver, n.idempotencyKey, n.groupKey, statusText(status), int64_t{1},
                  a.delivered ? a.templateError : error, toUnixMillis(n.createdAt), now}));
    if (a.delivered) {
      PHAROS_TRY(s.execute(
          "INSERT INTO notify_delivered (receiver, idempotency_key, notification_id, "
          "delivered_at_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (receiver, idempotency_key) DO "
          "NOTHING",
          {n.receiver, n.idempotencyKey, n.id, now}));
    }
    return okStatus();
  });
}

Status NotificationLog::setStatus(const Notification& n, NotificationStatus status,
                                  std::string_view lastError) {
  int64_t now = toUnixMillis(clock_.now());
  PHAROS_TRY(store_.execute(
      kUpsert, {n.id, n.receiver, n.idempotencyKey, n.groupKey, statusText(status), int64_t{0},
                std::string(lastError), toUnixMillis(n.createdAt), now}));
  return okStatus();
}

Result<bool> NotificationLog::isDelivered(std::string_view receiver,
                                          std::string_view idempotencyKey) {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query("SELECT 1 FROM notify_delivered WHERE receiver = $1 AND idempotency_key = $2",
                   {std::string(receiver), std::string(idempotencyKey)}));
  return !rows.empty();
}

Result<std::optional<NotificationRow>> NotificationLog::get(std::string_view id) {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query(fmt::format("SELECT {} FROM notify_notifications WHERE id = $1", kRowColumns),
                   {std::string(id)}));
  if (rows.empty()) return std::optional<NotificationRow>();
  return std::optional<NotificationRow>(toRow(rows[0]));
}

Result<std::vector<NotificationRow>> NotificationLog::list(const NotificationQuery& q) {
  std::string sql = fmt::format(
      "SELECT {} FROM notify_notifications WHERE ($1 = '' OR status = $1) AND ($2 = '' OR "
      "receiver = $2) AND created_at_ms < $3 ORDER BY created_at_ms DESC, id DESC LIMIT $4",
      kRowColumns);
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows, store_.query(sql, {q.status ? statusText(*q.status) : std::string(),
                                           q.receiver, q.beforeMs.value_or(INT64_MAX),
                                           static_cast<int64_t>(std::min<size_t>(q.limit, 1000))}));
  std::vector<NotificationRow> out;
  for (const store::Row& r : rows)
    out.push_back(toRow(r));
  return out;
}

Result<std::vector<AttemptRow>> NotificationLog::attempts(std::string_view id) {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query("SELECT notification_id, seq, receiver, attempt, at_ms, outcome, http_status, "
                   "error, duration_ms FROM notify_attempts WHERE notification_id = $1 ORDER BY "
                   "seq",
                   {std::string(id)}));
  std::vector<AttemptRow> out;
  for (const store::Row& r : rows) {
    AttemptRow a;
    a.notificationId = r.text(0);
    a.seq = static_cast<int>(r.integer(1));
    a.receiver = r.text(2);
    a.attempt = static_cast<int>(r.integer(3));
    a.at = fromUnixMillis(r.integer(4));
    a.outcome = r.text(5);
    a.httpStatus = static_cast<int>(r.integer(6));
    a.error = r.text(7);
    a.duration = Millis(r.integer(8));
    out.push_back(std::move(a));
  }
  return out;
}

Result<int64_t> NotificationLog::prune(WallTime before) {
  int64_t cutoff = toUnixMillis(before);
  int64_t removed = 0;
  PHAROS_TRY(store_.transaction([&](store::Session& s) -> Status {
    PHAROS_TRY(
        s.execute("DELETE FROM notify_attempts WHERE notification_id IN (SELECT id FROM "
                  "notify_notifications WHERE status <> 'pending' AND updated_at_ms < $1)",
                  {cutoff}));
    PHAROS_ASSIGN_OR_RETURN(
        removed, s.execute("DELETE FROM notify_notifications WHERE status <> 'pending' AND "
                           "updated_at_ms < $1",
                           {cutoff}));
    PHAROS_TRY(s.execute("DELETE FROM notify_delivered WHERE delivered_at_ms < $1", {cutoff}));
    return okStatus();
  }));
  return removed;
}

nlohmann::json notificationRowToJson(const NotificationRow& r) {
  return {{"id", r.id},
          {"receiver", r.receiver},
          {"idempotency_key", r.idempotencyKey},
          {"group_key", r.groupKey},
          {"status", notificationStatusName(r.status)},
          {"attempts", r.attempts},
          {"last_error", r.lastError},
          {"created_at", formatRfc3339(r.createdAt)},
          {"updated_at", formatRfc3339(r.updatedAt)},
          {"created_at_ms", toUnixMillis(r.createdAt)}};
}

nlohmann::json attemptRowToJson(const AttemptRow& a) {
  return {{"seq", a.seq},         {"receiver", a.receiver},
          {"attempt", a.attempt}, {"at", formatRfc3339(a.at)},
          {"outcome", a.outcome}, {"http_status", a.httpStatus},
          {"error", a.error},     {"duration_ms", a.duration.count()}};
}

}  // namespace pharos::notify
