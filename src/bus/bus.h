#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace pharos::bus {

// Per-queue delivery policy, SQS-like.
struct QueueOptions {
  // A received message stays invisible this long; if it is not acked by then it is delivered
  // again (the consumer is presumed dead).
  Millis visibilityTimeout{30'000};
  // After this many receives without an ack, the message moves to the queue's dead-letter
  // queue instead of being delivered again.
  int maxReceives = 5;
  // nack() delays redelivery by min(backoffMax, backoffBase * 2^(receiveCount-1)), with full
  // jitter, so a failing dependency is not hammered.
  Millis backoffBase{1'000};
  Millis backoffMax{300'000};
};

struct Message {
  int64_t id = 0;
  std::string queue;
  std::string body;
  // Opaque handle for ack()/nack(); valid for this delivery only (a redelivery gets a new one).
  std::string receipt;
  int receiveCount = 0;  // 1 on first delivery
  WallTime enqueuedAt;
};

struct DeadLetter {
  int64_t id = 0;
  std::string body;
  int receiveCount = 0;
  std::string lastError;  // the reason given to the last nack(), if any
  WallTime enqueuedAt;
};

struct QueueStats {
  std::string queue;
  int64_t ready = 0;     // visible now
  int64_t inFlight = 0;  // received, not yet acked, visibility not expired
  int64_t delayed = 0;   // waiting for a delay or backoff to pass
  int64_t dead = 0;      // in the dead-letter queue
};

// Durable queues and topics. At-least-once: a message is delivered until acked, so consumers
// must be idempotent. A send returns only after the message is durable (fsynced). All methods
// are thread-safe. Queue and topic names: [A-Za-z0-9_.-]{1,128}.
class Bus {
 public:
  virtual ~Bus() = default;

  // Creates the queue (and its dead-letter queue) or updates its options. Idempotent.
  virtual Status declareQueue(std::string_view queue, const QueueOptions& options) = 0;
  // Every message published to `topic` from now on is copied into `queue`. Idempotent.
  virtual Status subscribe(std::string_view topic, std::string_view queue) = 0;

  // Enqueues one message, visible after `delay`. Returns its id.
  virtual Result<int64_t> send(std::string_view queue, std::string_view body,
                               Millis delay = Millis(0)) = 0;
  // Enqueues many messages in one durable commit: all or none.
  virtual Status sendBatch(std::string_view queue, std::span<const std::string> bodies) = 0;
  // Copies the message into every subscribed queue in one commit; returns how many.
  virtual Result<size_t> publish(std::string_view topic, std::string_view body) = 0;

  // Up to `max` visible messages; waits up to `wait` for the first one to arrive.
  virtual Result<std::vector<Message>> receive(std::string_view queue, size_t max, Millis wait) = 0;
  // Deletes delivered messages. A stale receipt (visibility expired and redelivered) is
  // kNotFound for that message; the others are still acked.
  virtual Status ack(std::span<const std::string> receipts) = 0;
  Status ack(const std::string& receipt) { return ack(std::span<const std::string>(&receipt, 1)); }
  // Gives a message back for redelivery after the queue's backoff; after maxReceives it moves
  // to the dead-letter queue with `reason`.
  virtual Status nack(const std::string& receipt, std::string_view reason) = 0;

  virtual Result<std::vector<DeadLetter>> deadLetters(std::string_view queue, size_t limit) = 0;
  // Moves up to `limit` dead letters back to the queue with a fresh receive count.
  virtual Result<size_t> redrive(std::string_view queue, size_t limit) = 0;

  virtual Result<std::vector<QueueStats>> stats() = 0;
  // Cheap liveness check for /readyz.
  virtual Status ping() = 0;
};

using BusPtr = std::unique_ptr<Bus>;

}  // namespace pharos::bus
