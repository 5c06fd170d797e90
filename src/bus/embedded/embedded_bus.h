#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/result.h"
#include "sqlite/connection.h"

namespace pharos::bus {

struct EmbeddedBusOptions {
  // FULL: a send or ack has been fsynced when it returns (survives power loss). NORMAL only
  // survives a process crash; for tests and throw-away setups.
  bool synchronousFull = true;
  // SQLite page cache; bounded so memory stays flat however long the queues grow.
  int cacheSizeKiB = 8192;
  // Larger bodies are refused with kInvalidArgument: a bus carries events, not blobs (put those
  // in `objects` and send the key).
  size_t maxBodyBytes = 1 << 20;
};

// The embedded Bus: queues, dead letters and topic subscriptions in one SQLite file (WAL).
//
// Every message is one row; receive() is a range scan over (queue, visible_at), so its cost does
// not depend on the queue's length. Each call is one transaction, so a batch costs one fsync.
// One connection behind a mutex: SQLite serialises writers anyway, and the fsync dominates.
//
// One process should own the file. A second process that opens it (a crashed consumer's
// successor, a CLI) is safe, since every call takes SQLite's write lock, but it does not wake
// the first process's long-polls, and queue options declared by one are seen by the other only
// for queues it has not looked up yet.
class EmbeddedBus final : public Bus {
 public:
  // Opens or creates the file and its schema. kFailedPrecondition if the file was written by a
  // newer schema version, kDataLoss if it is not a database, kIo if it cannot be opened.
  static Result<std::unique_ptr<EmbeddedBus>> open(const std::string& dbPath, Clock& clock,
                                                   EmbeddedBusOptions opts = {});
  ~EmbeddedBus() override;

  Status declareQueue(std::string_view queue, const QueueOptions& options) override;
  Status subscribe(std::string_view topic, std::string_view queue) override;
  Result<int64_t> send(std::string_view queue, std::string_view body,
                       Millis delay = Millis(0)) override;
  Status sendBatch(std::string_view queue, std::span<const std::string> bodies) override;
  Result<size_t> publish(std::string_view topic, std::string_view body) override;
  // `max` above kMaxBatch is lowered to it; `wait` above kMaxWait likewise. `wait` is real time
  // (it blocks a thread), while visibility and delays follow the injected Clock; the wait
  // re-checks at least every kPollSlice so a delay that ends mid-wait is noticed.
  Result<std::vector<Message>> receive(std::string_view queue, size_t max, Millis wait) override;
  using Bus::ack;
  Status ack(std::span<const std::string> receipts) override;
  Status nack(const std::string& receipt, std::string_view reason) override;
  Result<std::vector<DeadLetter>> deadLetters(std::string_view queue, size_t limit) override;
  Result<size_t> redrive(std::string_view queue, size_t limit) override;
  Result<std::vector<QueueStats>> stats() override;
  Status ping() override;

  static constexpr size_t kMaxBatch = 10'000;
  static constexpr Millis kMaxWait{60'000};
  static constexpr Millis kPollSlice{100};

 private:
  struct QueueInfo {
    int64_t id = 0;
    std::string name;
    QueueOptions options;
  };

  EmbeddedBus(sqlite::ConnectionPtr conn, Clock& clock, EmbeddedBusOptions opts);

  // These run under mutex_.
  Status loadQueues();
  Result<QueueInfo> queueByName(std::string_view name);
  Result<QueueInfo> queueById(int64_t id);
  Result<std::vector<Message>> receiveOnce(const QueueInfo& queue, size_t max);
  Status validateBody(std::string_view body) const;

  std::mutex mutex_;
  std::condition_variable sent_;  // notified whenever messages may have become visible
  sqlite::ConnectionPtr conn_;
  Clock& clock_;
  EmbeddedBusOptions opts_;
  // A cache of the queues table, which is small and read on every call.
  std::map<int64_t, QueueInfo> queues_;
  std::map<std::string, int64_t, std::less<>> queueIds_;
  logging::Logger log_{"bus"};
};

using EmbeddedBusPtr = std::unique_ptr<EmbeddedBus>;

}  // namespace pharos::bus
