#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/result.h"
#include "notify/circuit_breaker.h"
#include "notify/notification.h"
#include "notify/notification_log.h"
#include "notify/receiver_spec.h"
#include "notify/sender.h"
#include "store/store.h"

namespace pharos::notify {

// The config's `notify.retry`.
struct RetryOptions {
  int maxAttempts = 10;  // delivery attempts before a notification is dead
  // The bus's nack backoff: min(backoffMax, backoffBase * 2^(n-1)) with full jitter.
  Millis backoffBase{5'000};
  Millis backoffMax{300'000};
  // A received message not finished within this is delivered again; must exceed the longest
  // receiver timeout.
  Millis visibilityTimeout{180'000};
};

struct OutboxOptions {
  std::string queue = "notify.outbox";
  // Holds dead notifications: its dead-letter queue is the outbox's (see Outbox).
  std::string deadQueue = "notify.dead";
  RetryOptions retry;
  BreakerOptions breaker;
  int workers = 2;   // dispatcher threads
  size_t batch = 8;  // messages per receive
  Millis pollWait{1'000};
};

// The receiver definitions, by name, as they are now (the catalog's find()).
using ReceiverLookup = std::function<std::optional<ReceiverSpec>(const std::string& name)>;

// One dead notification: out of retries (or undecodable), waiting for a redrive.
struct DeadNotification {
  int64_t messageId = 0;
  std::optional<Notification> notification;  // empty when the body did not decode
  int attempts = 0;
  std::string lastError;
  WallTime deadSince;
};
nlohmann::json deadNotificationToJson(const DeadNotification& d);

// Notifications that are never lost. enqueue() returns once the notification is durable on
// the bus (queue `notify.outbox`); dispatcher threads receive, send through the Sender, and
// record every attempt in the store (NotificationLog). At least once: a message is acked only
// after its outcome is recorded; a redelivery whose idempotency key the receiver already took
// (a crash between send and ack) is not sent again, so a receiver sees a key twice only when
// it failed to answer.
//
// A failed attempt is nacked: the bus redelivers it after its backoff with jitter. A
// receiver's circuit breaker opens after consecutive failures; its messages are then
// re-enqueued with a delay until the cool-down ends, keeping their attempt count (the
// envelope carries it), so waiting does not burn the retry budget. After `maxAttempts` the
// notification is dead: it goes to the dead-letter queue (the bus's DLQ of `deadQueue`,
// listed by deadLetters() and moved back by redrive()), its row says dead, and when it names
// a fallback receiver a copy goes there.
//
// Thread-safety: all methods from any thread; start()/stop() from one.
class Outbox {
 public:
  static Result<std::unique_ptr<Outbox>> open(bus::Bus& bus, store::Store& store, Sender& sender,
                                              ReceiverLookup receivers, const Clock& clock,
                                              OutboxOptions options);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Durable on return. kInvalidArgument without an id or receiver; the idempotency key
  // defaults to the id.
  Status enqueue(Notification n);

  void start();
  // Stops the dispatchers after the message each is handling; what is left stays queued.
  void stop();
  // One receive-and-handle round on the caller's thread (for tests and the downtime bench,
  // which drive time themselves). Returns how many messages it handled.
  Result<size_t> processOnce(Millis wait);

  Result<std::vector<DeadNotification>> deadLetters(size_t limit);
  // Moves up to `limit` dead notifications back into the outbox with a fresh retry budget;
  // returns how many.
  Result<size_t> redrive(size_t limit);

  NotificationLog& log() { return log_; }
  std::vector<CircuitBreakers::State> breakers() const { return breakers_.states(); }

 private:
  Outbox(bus::Bus& bus, store::Store& store, Sender& sender, ReceiverLookup receivers,
         const Clock& clock, OutboxOptions options);
  void run();
  Status handle(const bus::Message& m);
  Status finishDead(const bus::Message& m, const Notification& n, int attempts,
                    const std::string& error);
  Status deadLetter(const nlohmann::json& envelope);
  Status settleDeadQueue();

  bus::Bus& bus_;
  Sender& sender_;
  ReceiverLookup receivers_;
  const Clock& clock_;
  OutboxOptions options_;
  NotificationLog log_;
  CircuitBreakers breakers_;
  logging::Logger logger_{"notify"};
  std::mutex deadMutex_;  // the dead queue's send-then-nack and redrive's receive-then-move
  std::atomic<bool> running_{false};
  std::vector<std::thread> workers_;
};

using OutboxPtr = std::unique_ptr<Outbox>;

}  // namespace pharos::notify
