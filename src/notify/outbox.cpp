#include "notify/outbox.h"

#include <fmt/format.h>

#include "core/ids.h"
#include "notify/notification_json.h"
#include "notify/schema.h"

namespace pharos::notify {
namespace {

using nlohmann::json;

// The message body: the notification and the attempts already made on it before this
// message (set when a deferral re-enqueues it), so the budget survives the re-enqueue.
json envelope(const Notification& n, int priorAttempts, std::string_view error = {}) {
  json j = {{"notification", notificationToJson(n)}, {"prior_attempts", priorAttempts}};
  if (!error.empty()) j["error"] = error;
  return j;
}

struct Envelope {
  Notification notification;
  int priorAttempts = 0;
  std::string error;
};

Result<Envelope> parseEnvelope(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("notification")) {
    return makeError(ErrorCode::kInvalidArgument, "not an outbox message");
  }
  Envelope e;
  PHAROS_ASSIGN_OR_RETURN(e.notification, notificationFromJson(j["notification"]));
  const json& prior = j.contains("prior_attempts") ? j["prior_attempts"] : json(0);
  e.priorAttempts = prior.is_number_integer() ? prior.get<int>() : 0;
  if (j.contains("error") && j["error"].is_string()) e.error = j["error"].get<std::string>();
  return e;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

nlohmann::json deadNotificationToJson(const DeadNotification& d) {
  json j = {{"message_id", d.messageId},
            {"attempts", d.attempts},
            {"last_error", d.lastError},
            {"dead_since", formatRfc3339(d.deadSince)}};
  if (d.notification) {
    j["id"] = d.notification->id;
    j["receiver"] = d.notification->receiver;
    j["idempotency_key"] = d.notification->idempotencyKey;
    j["group_key"] = d.notification->groupKey;
    j["firing"] = d.notification->firing;
    j["alerts"] = d.notification->alerts.size();
  }
  return j;
}

Outbox::Outbox(bus::Bus& bus, store::Store& store, Sender& sender, ReceiverLookup receivers,
               const Clock& clock, OutboxOptions options)
    : bus_(bus),
      sender_(sender),
      receivers_(std::move(receivers)),
      clock_(clock),
      options_(std::move(options)),
      log_(store, clock),
      breakers_(clock, options_.breaker) {}

Result<std::unique_ptr<Outbox>> Outbox::open(bus::Bus& bus, store::Store& store, Sender& sender,
                                             ReceiverLookup receivers, const Clock& clock,
                                             OutboxOptions options) {
  if (options.retry.maxAttempts < 1) {
    return makeError(ErrorCode::kInvalidArgument, "notify.retry.max_attempts must be at least 1");
  }
  PHAROS_TRY(store.migrate(migrations()));
  bus::QueueOptions q;
  q.visibilityTimeout = options.retry.visibilityTimeout;
  q.backoffBase = options.retry.backoffBase;
  q.backoffMax = options.retry.backoffMax;
  // The outbox dead-letters by itself after maxAttempts; the bus's own limit only catches a
  // message that keeps crashing its consumer (received, never acked nor nacked).
  q.maxReceives = options.retry.maxAttempts + 5;
  PHAROS_TRY(bus.declareQueue(options.queue, q));
  // Every message in the dead queue is nacked once on arrival, which moves it to that queue's
  // dead-letter queue: the bus keeps the dead notifications with their last error.
  bus::QueueOptions dead;
  dead.maxReceives = 1;
  dead.visibilityTimeout = Millis(30'000);
  PHAROS_TRY(bus.declareQueue(options.deadQueue, dead));
  return std::unique_ptr<Outbox>(
      new Outbox(bus, store, sender, std::move(receivers), clock, std::move(options)));
}

Outbox::~Outbox() {
  stop();
}

Status Outbox::enqueue(Notification n) {
  if (n.id.empty() || n.receiver.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "a notification needs an id and a receiver");
  }
  if (n.idempotencyKey.empty()) n.idempotencyKey = n.id;
  PHAROS_TRY(bus_.send(options_.queue, dump(envelope(n, 0))));
  // The message is durable now; the row is for the API, and the dispatcher writes it too.
  if (Status s = log_.recordEnqueued(n); !s.ok()) {
    logger_.warn("could not record an enqueued notification",
                 {{"id", n.id}, {"error", s.error().message}});
  }
  return okStatus();
}

void Outbox::start() {
  if (running_.exchange(true)) return;
  for (int i = 0; i < options_.workers; ++i)
    workers_.emplace_back([this] { run(); });
}

void Outbox::stop() {
  running_ = false;
  for (std::thread& t : workers_)
    t.join();
  workers_.clear();
}

void Outbox::run() {
  while (running_) {
    auto handled = processOnce(options_.pollWait);
    if (!handled.ok()) {
      logger_.warn("outbox round failed", {{"error", handled.error().message}});
      std::this_thread::sleep_for(Millis(200));
    }
  }
}

Result<size_t> Outbox::processOnce(Millis wait) {
  PHAROS_ASSIGN_OR_RETURN(std::vector<bus::Message> messages,
                          bus_.receive(options_.queue, options_.batch, wait));
  for (const bus::Message& m : messages) {
    if (Status s = handle(m); !s.ok()) {
      // Left unacked: the visibility timeout brings it back.
      logger_.warn("could not finish a notification", {{"error", s.error().message}});
    }
  }
  return messages.size();
}

Status Outbox::handle(const bus::Message& m) {
  auto parsed = parseEnvelope(m.body);
  if (!parsed.ok()) {
    std::string why = "undecodable outbox message: " + parsed.error().message;
    PHAROS_TRY(deadLetter(json{{"raw", m.body}, {"error", why}}));
    return bus_.ack(m.receipt);
  }
  Envelope& e = *parsed;
  const Notification& n = e.notification;

  PHAROS_ASSIGN_OR_RETURN(std::optional<NotificationRow> row, log_.get(n.id));
  if (row && row->status != NotificationStatus::kPending) {
    return bus_.ack(m.receipt);  // finished before a crash kept the ack from happening
  }
  PHAROS_ASSIGN_OR_RETURN(bool delivered, log_.isDelivered(n.receiver, n.idempotencyKey));
  if (delivered) {
    PHAROS_TRY(log_.setStatus(n, NotificationStatus::kDelivered, ""));
    return bus_.ack(m.receipt);
  }

  std::optional<ReceiverSpec> spec = receivers_(n.receiver);
  if (spec && !n.firing && !spec->sendResolved) {
    PHAROS_TRY(log_.setStatus(n, NotificationStatus::kSkipped, "send_resolved is false"));
    return bus_.ack(m.receipt);
  }
  int prior = e.priorAttempts + m.receiveCount - 1;  // attempts made before this one
  if (spec) {
    BreakerVerdict verdict = breakers_.check(n.receiver);
    if (!verdict.allowed) {
      // Delayed, not failed: a fresh message carries the attempts made so far.
      Millis jitter(static_cast<int64_t>(fastRandom() %
                                         static_cast<uint64_t>(verdict.retryIn.count() / 10 + 1)));
      PHAROS_TRY(bus_.send(options_.queue, dump(envelope(n, prior)), verdict.retryIn + jitter));
      return bus_.ack(m.receipt);
    }
  }

  int attempt = prior + 1;
  Attempt a;
  if (spec) {
    a = sender_.send(*spec, n);
  } else {
    a.error = fmt::format("no receiver named '{}'", n.receiver);
  }
  if (a.delivered) {
    breakers_.recordSuccess(n.receiver);
    PHAROS_TRY(log_.recordAttempt(n, attempt, a, NotificationStatus::kDelivered));
    return bus_.ack(m.receipt);
  }
  if (spec) breakers_.recordFailure(n.receiver);
  PHAROS_TRY(log_.recordAttempt(n, attempt, a, NotificationStatus::kPending));
  logger_.info("notification attempt failed",
               {{"id", n.id}, {"receiver", n.receiver}, {"attempt", attempt}, {"error", a.error}});
  if (attempt >= options_.retry.maxAttempts) return finishDead(m, n, attempt, a.error);
  return bus_.nack(m.receipt, a.error);
}

Status Outbox::finishDead(const bus::Message& m, const Notification& n, int attempts,
                          const std::string& error) {
  // The order keeps it from being lost: dead-lettered first, then the row, the fallback copy
  // and last the ack. A crash in between delivers the message again, which at worst
  // dead-letters it twice.
  PHAROS_TRY(deadLetter(envelope(n, attempts, error)));
  PHAROS_TRY(log_.setStatus(n, NotificationStatus::kDead, error));
  logger_.warn("notification dead after its retries",
               {{"id", n.id}, {"receiver", n.receiver}, {"attempts", attempts}});
  if (!n.fallback.empty() && n.fallback != n.receiver) {
    Notification copy = n;
    copy.id = n.id + "-fallback";  // the same id after a crash: one copy
    copy.receiver = n.fallback;
    copy.fallback.clear();  // no chains
    copy.createdAt = clock_.now();
    PHAROS_TRY(enqueue(std::move(copy)));
  }
  return bus_.ack(m.receipt);
}

Status Outbox::deadLetter(const json& body) {
  std::lock_guard lock(deadMutex_);
  PHAROS_TRY(bus_.send(options_.deadQueue, dump(body)));
  return settleDeadQueue();
}

// Nacks whatever waits in the dead queue, which (maxReceives 1) moves it to the dead-letter
// queue with its error as the reason. Also finishes a dead-lettering a crash interrupted.
// Called with deadMutex_ held.
Status Outbox::settleDeadQueue() {
  while (true) {
    PHAROS_ASSIGN_OR_RETURN(std::vector<bus::Message> waiting,
                            bus_.receive(options_.deadQueue, 64, Millis(0)));
    if (waiting.empty()) return okStatus();
    for (const bus::Message& d : waiting) {
      json j = json::parse(d.body, nullptr, false);
      std::string reason = j.is_object() && j.contains("error") && j["error"].is_string()
                               ? j["error"].get<std::string>()
                               : std::string("dead");
      PHAROS_TRY(bus_.nack(d.receipt, reason));
    }
  }
}

Result<std::vector<DeadNotification>> Outbox::deadLetters(size_t limit) {
  std::vector<bus::DeadLetter> letters;
  {
    std::lock_guard lock(deadMutex_);
    PHAROS_TRY(settleDeadQueue());
    PHAROS_ASSIGN_OR_RETURN(letters, bus_.deadLetters(options_.deadQueue, limit));
  }
  // Messages that kept crashing their consumer land in the outbox's own dead-letter queue.
  if (letters.size() < limit) {
    PHAROS_ASSIGN_OR_RETURN(std::vector<bus::DeadLetter> poison,
                            bus_.deadLetters(options_.queue, limit - letters.size()));
    letters.insert(letters.end(), poison.begin(), poison.end());
  }
  std::vector<DeadNotification> out;
  for (const bus::DeadLetter& l : letters) {
    DeadNotification d;
    d.messageId = l.id;
    d.lastError = l.lastError;
    d.deadSince = l.enqueuedAt;
    if (auto e = parseEnvelope(l.body); e.ok()) {
      d.notification = std::move(e->notification);
      d.attempts = e->priorAttempts;
    }
    out.push_back(std::move(d));
  }
  return out;
}

Result<size_t> Outbox::redrive(size_t limit) {
  size_t moved = 0;
  {
    std::lock_guard lock(deadMutex_);
    PHAROS_TRY(settleDeadQueue());
    PHAROS_ASSIGN_OR_RETURN(size_t back, bus_.redrive(options_.deadQueue, limit));
    // The redriven messages are back in the dead queue: move each into the outbox with a
    // fresh budget, the row pending again.
    while (moved < back) {
      PHAROS_ASSIGN_OR_RETURN(std::vector<bus::Message> batch,
                              bus_.receive(options_.deadQueue, 64, Millis(0)));
      if (batch.empty()) break;
      for (const bus::Message& d : batch) {
        auto e = parseEnvelope(d.body);
        if (!e.ok()) {
          // An undecodable body cannot be delivered: back to the dead-letter queue it goes.
          PHAROS_TRY(bus_.nack(d.receipt, "undecodable outbox message"));
          continue;
        }
        PHAROS_TRY(log_.setStatus(e->notification, NotificationStatus::kPending, ""));
        PHAROS_TRY(bus_.send(options_.queue, dump(envelope(e->notification, 0))));
        PHAROS_TRY(bus_.ack(d.receipt));
        ++moved;
      }
    }
  }
  if (moved < limit) {
    PHAROS_ASSIGN_OR_RETURN(size_t poison, bus_.redrive(options_.queue, limit - moved));
    moved += poison;
  }
  return moved;
}

}  // namespace pharos::notify
