#include "bus/embedded/embedded_bus.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "bus/backoff.h"
#include "bus/embedded/receipt.h"
#include "bus/embedded/schema.h"
#include "bus/embedded/transaction.h"
#include "bus/names.h"
#include "core/ids.h"

namespace pharos::bus {
namespace {

// Bounds that keep now + delay inside int64 milliseconds and reject settings that are
// certainly mistakes (a week-long visibility timeout hides a dead consumer for a week).
constexpr Millis kMaxDelay{7LL * 24 * 3600 * 1000};
constexpr int kMaxReceivesLimit = 1000;
constexpr size_t kMaxReasonBytes = 4096;

Error invalid(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message));
}

Status validateOptions(const QueueOptions& o) {
  if (o.visibilityTimeout < Millis(1) || o.visibilityTimeout > kMaxDelay) {
    return invalid(fmt::format("visibilityTimeout must be between 1 ms and {} ms, got {} ms",
                               kMaxDelay.count(), o.visibilityTimeout.count()));
  }
  if (o.maxReceives < 1 || o.maxReceives > kMaxReceivesLimit) {
    return invalid(fmt::format("maxReceives must be between 1 and {}, got {}", kMaxReceivesLimit,
                               o.maxReceives));
  }
  if (o.backoffBase < Millis(0) || o.backoffMax < o.backoffBase || o.backoffMax > kMaxDelay) {
    return invalid(
        fmt::format("backoff must satisfy 0 <= backoffBase ({} ms) <= backoffMax ({} ms) "
                    "<= {} ms",
                    o.backoffBase.count(), o.backoffMax.count(), kMaxDelay.count()));
  }
  return okStatus();
}

Error unknownQueue(std::string_view name) {
  return makeError(ErrorCode::kNotFound, "no such queue; declare it first", std::string(name));
}

// Cuts at a UTF-8 character boundary so the stored reason stays valid text.
std::string_view truncateReason(std::string_view reason) {
  if (reason.size() <= kMaxReasonBytes) return reason;
  size_t end = kMaxReasonBytes;
  while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80)
    --end;
  return reason.substr(0, end);
}

}  // namespace

Result<EmbeddedBusPtr> EmbeddedBus::open(const std::string& dbPath, Clock& clock,
                                         EmbeddedBusOptions opts) {
  if (dbPath.empty()) return invalid("bus database path is empty");
  if (opts.cacheSizeKiB < 64) return invalid("cacheSizeKiB must be at least 64");
  sqlite::OpenOptions connOpts;
  connOpts.synchronousFull = opts.synchronousFull;
  connOpts.cacheSizeKiB = opts.cacheSizeKiB;
  PHAROS_ASSIGN_OR_RETURN(auto conn, sqlite::Connection::open(dbPath, connOpts));
  // A large batch grows the WAL; cap what stays on disk after the next checkpoint.
  PHAROS_TRY(conn->exec("PRAGMA journal_size_limit=67108864"));
  PHAROS_TRY(ensureSchema(*conn));
  EmbeddedBusPtr bus(new EmbeddedBus(std::move(conn), clock, opts));
  {
    std::lock_guard lock(bus->mutex_);
    PHAROS_TRY(bus->loadQueues());
  }
  bus->log_.info("bus opened", {{"path", dbPath},
                                {"queues", bus->queues_.size()},
                                {"synchronous", opts.synchronousFull ? "full" : "normal"}});
  return bus;
}

EmbeddedBus::EmbeddedBus(sqlite::ConnectionPtr conn, Clock& clock, EmbeddedBusOptions opts)
    : conn_(std::move(conn)), clock_(clock), opts_(opts) {}

EmbeddedBus::~EmbeddedBus() = default;

Status EmbeddedBus::loadQueues() {
  PHAROS_ASSIGN_OR_RETURN(
      auto st, conn_->prepare("SELECT id, name, visibility_ms, max_receives, backoff_base_ms, "
                              "backoff_max_ms FROM queues"));
  for (;;) {
    PHAROS_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    QueueInfo q;
    q.id = st.int64(0);
    q.name = std::string(st.text(1));
    q.options.visibilityTimeout = Millis(st.int64(2));
    q.options.maxReceives = static_cast<int>(st.int64(3));
    q.options.backoffBase = Millis(st.int64(4));
    q.options.backoffMax = Millis(st.int64(5));
    queueIds_[q.name] = q.id;
    queues_[q.id] = std::move(q);
  }
  return okStatus();
}

Result<EmbeddedBus::QueueInfo> EmbeddedBus::queueByName(std::string_view name) {
  auto it = queueIds_.find(name);
  if (it == queueIds_.end()) {
    // Another process may have declared it since we loaded.
    PHAROS_TRY(loadQueues());
    it = queueIds_.find(name);
    if (it == queueIds_.end()) return unknownQueue(name);
  }
  return queues_.at(it->second);
}

Result<EmbeddedBus::QueueInfo> EmbeddedBus::queueById(int64_t id) {
  auto it = queues_.find(id);
  if (it == queues_.end()) {
    PHAROS_TRY(loadQueues());
    it = queues_.find(id);
    if (it == queues_.end()) {
      return makeError(ErrorCode::kInternal, fmt::format("message refers to queue id {}, which is "
                                                         "not in the queues table",
                                                         id));
    }
  }
  return it->second;
}

Status EmbeddedBus::validateBody(std::string_view body) const {
  if (body.size() > opts_.maxBodyBytes) {
    return invalid(fmt::format("message body is {} bytes, at most {} allowed", body.size(),
                               opts_.maxBodyBytes));
  }
  return okStatus();
}

Status EmbeddedBus::declareQueue(std::string_view queue, const QueueOptions& options) {
  PHAROS_TRY(validateName(queue, "queue"));
  PHAROS_TRY(validateOptions(options));
  std::lock_guard lock(mutex_);
  {
    PHAROS_ASSIGN_OR_RETURN(
        auto st,
        conn_->prepare("INSERT INTO queues(name, visibility_ms, max_receives, "
                       "backoff_base_ms, backoff_max_ms) VALUES (?1, ?2, ?3, ?4, ?5) "
                       "ON CONFLICT(name) DO UPDATE SET visibility_ms = excluded.visibility_ms, "
                       "max_receives = excluded.max_receives, backoff_base_ms = "
                       "excluded.backoff_base_ms, backoff_max_ms = excluded.backoff_max_ms"));
    st.bind(1, queue)
        .bind(2, static_cast<int64_t>(options.visibilityTimeout.count()))
        .bind(3, static_cast<int64_t>(options.maxReceives))
        .bind(4, static_cast<int64_t>(options.backoffBase.count()))
        .bind(5, static_cast<int64_t>(options.backoffMax.count()));
    PHAROS_TRY(st.run());
  }
  PHAROS_TRY(loadQueues());
  log_.debug("queue declared", {{"queue", queue},
                                {"visibility_ms", options.visibilityTimeout.count()},
                                {"max_receives", options.maxReceives}});
  return okStatus();
}

Status EmbeddedBus::subscribe(std::string_view topic, std::string_view queue) {
  PHAROS_TRY(validateName(topic, "topic"));
  PHAROS_TRY(validateName(queue, "queue"));
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(QueueInfo q, queueByName(queue));
  PHAROS_ASSIGN_OR_RETURN(
      auto st,
      conn_->prepare("INSERT OR IGNORE INTO subscriptions(topic, queue_id) VALUES (?1, ?2)"));
  st.bind(1, topic).bind(2, q.id);
  PHAROS_TRY(st.run());
  log_.debug("subscribed", {{"topic", topic}, {"queue", queue}});
  return okStatus();
}

Result<int64_t> EmbeddedBus::send(std::string_view queue, std::string_view body, Millis delay) {
  PHAROS_TRY(validateName(queue, "queue"));
  PHAROS_TRY(validateBody(body));
  if (delay < Millis(0) || delay > kMaxDelay) {
    return invalid(fmt::format("delay must be between 0 and {} ms, got {} ms", kMaxDelay.count(),
                               delay.count()));
  }
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(QueueInfo q, queueByName(queue));
  int64_t now = toUnixMillis(clock_.now());
  {
    PHAROS_ASSIGN_OR_RETURN(auto st,
                            conn_->prepare("INSERT INTO messages(queue_id, body, enqueued_at, "
                                           "visible_at) VALUES (?1, ?2, ?3, ?4)"));
    st.bind(1, q.id).bindBlob(2, body).bind(3, now).bind(4, now + delay.count());
    PHAROS_TRY(st.run());  // one statement in autocommit: committed and fsynced here
  }
  int64_t id = conn_->lastInsertRowId();
  if (delay == Millis(0)) sent_.notify_all();
  return id;
}

Status EmbeddedBus::sendBatch(std::string_view queue, std::span<const std::string> bodies) {
  PHAROS_TRY(validateName(queue, "queue"));
  if (bodies.size() > kMaxBatch) {
    return invalid(
        fmt::format("batch of {} messages, at most {} allowed", bodies.size(), kMaxBatch));
  }
  for (const std::string& body : bodies)
    PHAROS_TRY(validateBody(body));
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(QueueInfo q, queueByName(queue));
  if (bodies.empty()) return okStatus();
  int64_t now = toUnixMillis(clock_.now());
  PHAROS_ASSIGN_OR_RETURN(auto tx, Transaction::begin(*conn_));
  for (const std::string& body : bodies) {
    PHAROS_ASSIGN_OR_RETURN(auto st,
                            conn_->prepare("INSERT INTO messages(queue_id, body, enqueued_at, "
                                           "visible_at) VALUES (?1, ?2, ?3, ?4)"));
    st.bind(1, q.id).bindBlob(2, body).bind(3, now).bind(4, now);
    PHAROS_TRY(st.run());
  }
  PHAROS_TRY(tx.commit());
  sent_.notify_all();
  return okStatus();
}

Result<size_t> EmbeddedBus::publish(std::string_view topic, std::string_view body) {
  PHAROS_TRY(validateName(topic, "topic"));
  PHAROS_TRY(validateBody(body));
  std::lock_guard lock(mutex_);
  int64_t now = toUnixMillis(clock_.now());
  size_t copies = 0;
  {
    // One statement, so the copies commit together: every subscriber gets it or none does.
    PHAROS_ASSIGN_OR_RETURN(auto st,
                            conn_->prepare("INSERT INTO messages(queue_id, body, enqueued_at, "
                                           "visible_at) SELECT queue_id, ?2, ?3, ?3 FROM "
                                           "subscriptions WHERE topic = ?1 ORDER BY queue_id"));
    st.bind(1, topic).bindBlob(2, body).bind(3, now);
    PHAROS_TRY(st.run());
    copies = static_cast<size_t>(conn_->changes());
  }
  if (copies > 0) sent_.notify_all();
  return copies;
}

Result<std::vector<Message>> EmbeddedBus::receive(std::string_view queue, size_t max, Millis wait) {
  PHAROS_TRY(validateName(queue, "queue"));
  if (max == 0) return invalid("receive max must be at least 1");
  if (wait < Millis(0))
    return invalid(fmt::format("wait must not be negative, got {} ms", wait.count()));
  max = std::min(max, kMaxBatch);
  wait = std::min(wait, kMaxWait);
  auto deadline = std::chrono::steady_clock::now() + wait;

  std::unique_lock lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(QueueInfo q, queueByName(queue));
  for (;;) {
    PHAROS_ASSIGN_OR_RETURN(std::vector<Message> got, receiveOnce(q, max));
    auto now = std::chrono::steady_clock::now();
    if (!got.empty() || now >= deadline) return got;
    sent_.wait_until(lock, std::min(deadline, now + kPollSlice));
  }
}

Result<std::vector<Message>> EmbeddedBus::receiveOnce(const QueueInfo& q, size_t max) {
  struct Candidate {
    int64_t id;
    std::string body;
    int receiveCount;
    int64_t enqueuedAt;
  };
  const int64_t now = toUnixMillis(clock_.now());
  const int64_t token = newReceiptToken();
  std::vector<Message> out;
  std::vector<Candidate> candidates;
  size_t dead = 0;
  int64_t firstDead = 0;

  PHAROS_ASSIGN_OR_RETURN(auto tx, Transaction::begin(*conn_));
  while (out.size() < max) {
    candidates.clear();
    size_t want = max - out.size();
    {
      PHAROS_ASSIGN_OR_RETURN(
          auto st, conn_->prepare("SELECT id, body, receive_count, enqueued_at FROM messages "
                                  "WHERE queue_id = ?1 AND visible_at <= ?2 "
                                  "ORDER BY visible_at, id LIMIT ?3"));
      st.bind(1, q.id).bind(2, now).bind(3, static_cast<int64_t>(want));
      for (;;) {
        PHAROS_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        candidates.push_back(Candidate{st.int64(0), std::string(st.blob(1)),
                                       static_cast<int>(st.int64(2)), st.int64(3)});
      }
    }
    size_t deadBefore = dead;
    for (Candidate& c : candidates) {
      if (c.receiveCount >= q.options.maxReceives) {
        // Delivered maxReceives times and the visibility ran out again: the consumer keeps
        // dying on it. last_error keeps the reason of the last nack, if there was one.
        PHAROS_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE messages SET visible_at = NULL, "
                                                        "receipt_token = NULL WHERE id = ?1"));
        st.bind(1, c.id);
        PHAROS_TRY(st.run());
        if (dead++ == 0) firstDead = c.id;
        continue;
      }
      PHAROS_ASSIGN_OR_RETURN(
          auto st, conn_->prepare("UPDATE messages SET visible_at = ?2, receive_count = ?3, "
                                  "receipt_token = ?4 WHERE id = ?1"));
      st.bind(1, c.id)
          .bind(2, now + q.options.visibilityTimeout.count())
          .bind(3, static_cast<int64_t>(c.receiveCount + 1))
          .bind(4, token);
      PHAROS_TRY(st.run());
      Message m;
      m.id = c.id;
      m.queue = q.name;
      m.body = std::move(c.body);
      m.receipt = formatReceipt(Receipt{c.id, token});
      m.receiveCount = c.receiveCount + 1;
      m.enqueuedAt = fromUnixMillis(c.enqueuedAt);
      out.push_back(std::move(m));
    }
    // Fewer rows than asked for: the queue has nothing more visible. All delivered: done.
    if (candidates.size() < want || dead == deadBefore) break;
  }
  PHAROS_TRY(tx.commit());
  if (dead > 0) {
    log_.warn("moved to dead-letter queue after visibility expired",
              {{"queue", q.name},
               {"count", dead},
               {"first_id", firstDead},
               {"max_receives", q.options.maxReceives}});
  }
  return out;
}

Status EmbeddedBus::ack(std::span<const std::string> receipts) {
  if (receipts.empty()) return okStatus();
  if (receipts.size() > kMaxBatch) {
    return invalid(
        fmt::format("ack of {} receipts, at most {} allowed", receipts.size(), kMaxBatch));
  }
  std::vector<Receipt> parsed;
  parsed.reserve(receipts.size());
  for (const std::string& text : receipts) {
    PHAROS_ASSIGN_OR_RETURN(Receipt r, parseReceipt(text));
    parsed.push_back(r);
  }
  size_t stale = 0;
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(auto tx, Transaction::begin(*conn_));
  for (const Receipt& r : parsed) {
    PHAROS_ASSIGN_OR_RETURN(
        auto st, conn_->prepare("DELETE FROM messages WHERE id = ?1 AND receipt_token = ?2"));
    st.bind(1, r.id).bind(2, r.token);
    PHAROS_TRY(st.run());
    if (conn_->changes() == 0) ++stale;
  }
  PHAROS_TRY(tx.commit());
  if (stale > 0) {
    return makeError(ErrorCode::kNotFound,
                     fmt::format("{} of {} receipts are stale (redelivered, nacked or already "
                                 "acked); the others were acked",
                                 stale, parsed.size()));
  }
  return okStatus();
}

Status EmbeddedBus::nack(const std::string& receipt, std::string_view reason) {
  PHAROS_ASSIGN_OR_RETURN(Receipt r, parseReceipt(receipt));
  reason = truncateReason(reason);
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(auto tx, Transaction::begin(*conn_));
  int64_t queueId = 0;
  int receiveCount = 0;
  {
    PHAROS_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT queue_id, receive_count FROM messages "
                                                    "WHERE id = ?1 AND receipt_token = ?2"));
    st.bind(1, r.id).bind(2, r.token);
    PHAROS_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) {
      return makeError(ErrorCode::kNotFound, "stale receipt (redelivered, nacked or already acked)",
                       receipt);
    }
    queueId = st.int64(0);
    receiveCount = static_cast<int>(st.int64(1));
  }
  PHAROS_ASSIGN_OR_RETURN(QueueInfo q, queueById(queueId));
  bool toDead = receiveCount >= q.options.maxReceives;
  Millis delay{0};
  {
    PHAROS_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE messages SET visible_at = ?2, "
                                                    "receipt_token = NULL, last_error = ?3 "
                                                    "WHERE id = ?1"));
    st.bind(1, r.id).bind(3, reason);
    if (toDead) {
      st.bindNull(2);
    } else {
      delay = backoffDelay(q.options, receiveCount, fastRandom());
      st.bind(2, toUnixMillis(clock_.now()) + delay.count());
    }
    PHAROS_TRY(st.run());
  }
  PHAROS_TRY(tx.commit());
  if (toDead) {
    log_.warn(
        "moved to dead-letter queue after nack",
        {{"queue", q.name}, {"id", r.id}, {"receive_count", receiveCount}, {"reason", reason}});
  } else if (delay == Millis(0)) {
    sent_.notify_all();
  }
  return okStatus();
}

Result<std::vector<DeadLetter>> EmbeddedBus::deadLetters(std::string_view queue, size_t limit) {
  PHAROS_TRY(validateName(queue, "queue"));
  if (limit == 0) return invalid("deadLetters limit must be at least 1");
  limit = std::min(limit, kMaxBatch);
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(QueueInfo q, queueByName(queue));
  PHAROS_ASSIGN_OR_RETURN(
      auto st,
      conn_->prepare("SELECT id, body, receive_count, last_error, enqueued_at FROM messages "
                     "WHERE queue_id = ?1 AND visible_at IS NULL ORDER BY id LIMIT ?2"));
  st.bind(1, q.id).bind(2, static_cast<int64_t>(limit));
  std::vector<DeadLetter> out;
  for (;;) {
    PHAROS_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    DeadLetter d;
    d.id = st.int64(0);
    d.body = std::string(st.blob(1));
    d.receiveCount = static_cast<int>(st.int64(2));
    d.lastError = std::string(st.text(3));
    d.enqueuedAt = fromUnixMillis(st.int64(4));
    out.push_back(std::move(d));
  }
  return out;
}

Result<size_t> EmbeddedBus::redrive(std::string_view queue, size_t limit) {
  PHAROS_TRY(validateName(queue, "queue"));
  if (limit == 0) return invalid("redrive limit must be at least 1");
  limit = std::min(limit, kMaxBatch);
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(QueueInfo q, queueByName(queue));
  size_t moved = 0;
  {
    PHAROS_ASSIGN_OR_RETURN(
        auto st, conn_->prepare("UPDATE messages SET visible_at = ?3, receive_count = 0, "
                                "last_error = NULL WHERE id IN (SELECT id FROM messages WHERE "
                                "queue_id = ?1 AND visible_at IS NULL ORDER BY id LIMIT ?2)"));
    st.bind(1, q.id).bind(2, static_cast<int64_t>(limit)).bind(3, toUnixMillis(clock_.now()));
    PHAROS_TRY(st.run());
    moved = static_cast<size_t>(conn_->changes());
  }
  if (moved > 0) {
    log_.info("redrove dead letters", {{"queue", q.name}, {"count", moved}});
    sent_.notify_all();
  }
  return moved;
}

Result<std::vector<QueueStats>> EmbeddedBus::stats() {
  std::lock_guard lock(mutex_);
  PHAROS_TRY(loadQueues());  // include queues another process declared
  int64_t now = toUnixMillis(clock_.now());
  std::vector<QueueStats> out;
  for (const auto& [name, id] : queueIds_) {
    QueueStats s;
    s.queue = name;
    {
      PHAROS_ASSIGN_OR_RETURN(
          auto st, conn_->prepare("SELECT count(*) FROM messages WHERE queue_id = ?1 AND "
                                  "visible_at <= ?2"));
      st.bind(1, id).bind(2, now);
      PHAROS_TRY(st.step());
      s.ready = st.int64(0);
    }
    {
      // receipt_token is set by receive() and cleared by nack(): invisible rows that have one
      // are in flight, the others wait for a send delay or a nack backoff.
      PHAROS_ASSIGN_OR_RETURN(
          auto st, conn_->prepare("SELECT count(*), count(receipt_token) FROM messages WHERE "
                                  "queue_id = ?1 AND visible_at > ?2"));
      st.bind(1, id).bind(2, now);
      PHAROS_TRY(st.step());
      s.inFlight = st.int64(1);
      s.delayed = st.int64(0) - s.inFlight;
    }
    {
      PHAROS_ASSIGN_OR_RETURN(
          auto st, conn_->prepare("SELECT count(*) FROM messages WHERE queue_id = ?1 AND "
                                  "visible_at IS NULL"));
      st.bind(1, id);
      PHAROS_TRY(st.step());
      s.dead = st.int64(0);
    }
    out.push_back(std::move(s));
  }
  return out;
}

Status EmbeddedBus::ping() {
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT 1"));
  PHAROS_TRY(st.step());
  return okStatus();
}

}  // namespace pharos::bus
