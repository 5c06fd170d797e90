#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bus/bus.h"
#include "bus/nats/nats_names.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"

// libnats types, kept out of every includer's namespace.
struct __natsConnection;
struct __natsSubscription;
struct __natsMsg;
struct __jsCtx;

namespace pharos::bus {

struct NatsBusOptions {
  // nats:// URLs; the client fails over between them.
  std::vector<std::string> servers{"nats://127.0.0.1:4222"};
  // JetStream replicas of every stream (1 for a single server, 3 for a cluster).
  int replicas = 1;
  // Namespaces the streams and subjects, so several buses share one server: [A-Za-z0-9_]{1,32}.
  std::string prefix = "pharos";
  // How long open() tries to reach a server; also how long a send waits for the server's
  // acknowledgement (the durability point) and any JetStream API call waits.
  Millis connectTimeout{2'000};
  // Larger bodies are refused with kInvalidArgument. The server's max_payload must exceed it by
  // the headers (~200 bytes): nats-server's default max_payload is exactly 1 MiB, so a server
  // for this default needs `max_payload: 2MB` (or a lower maxBodyBytes).
  size_t maxBodyBytes = 1 << 20;
  // Topic streams keep a message this long; queues have their own copy (sourced), so this only
  // bounds how long a lagging source can still catch up.
  Millis topicMaxAge{7LL * 24 * 3600 * 1000};
  // Who this client is: a user and password, or a NATS credentials (.creds) file; neither for
  // a server without authorization.
  std::string user;
  Secret password;
  std::string credentialsFile;
  // TLS: on with a CA file (which verifies the servers) or `tls://` URLs (the system's CAs);
  // a client certificate when both cert and key are given.
  std::string tlsCaFile, tlsCertFile, tlsKeyFile;
};

// The Bus on NATS JetStream. Per queue: a work-queue stream <PREFIX>_Q_<queue> on subject
// <prefix>.q.<queue>, one durable pull consumer (AckWait = visibilityTimeout) and a dead-letter
// stream <PREFIX>_D_<queue>. A topic is a stream <PREFIX>_T_<topic> that subscribed queue
// streams list as a JetStream *source*; the server copies each published message into them.
//
// Differences from EmbeddedBus, all forced by JetStream 2.9:
// - sendBatch is not all-or-none: the publishes are pipelined and all acks awaited; on an
//   error some bodies may have been stored (consumers are idempotent by contract).
// - publish() returns once the topic stream has the message; the copies into the queues are
//   made by the server right after (receive a moment later, not in the same commit). The
//   returned count comes from the queue streams' sources, cached for kTopicCacheTtl, so a
//   subscription made by another process may be missing from the count (never from the
//   delivery) for that long.
// - redrive gives the message a new id (a new stream sequence); enqueuedAt is kept.
// - receiveCount is JetStream's NumDelivered minus the early deliveries of a delayed send that
//   this process fetched and gave back (NakWithDelay until the due time). That tally is in
//   memory: a message fetched early by one process and received by another (or after a
//   restart) counts one more receive per early delivery - normally at most one, since the
//   message is given back until exactly its due time. It errs towards dead-lettering sooner.
// - A message redelivered after its visibility timeout expired on its last allowed receive is
//   dead-lettered by the receive() that fetches it, with reason "visibility timeout expired".
// - Queue options are read back from the durable consumer (AckWait, Description) the first
//   time this process uses a queue. A re-declare by another process changes the visibility
//   timeout on the server at once; maxReceives and backoff here only after a reopen.
// - Term, Nak and NakWithDelay are fire-and-forget (AckSync is not): if one is lost the message
//   comes back after its visibility timeout, possibly dead-lettered twice - never lost.
// - Real time only: waits, visibility and delays run on the server's clock; pass systemClock().
//   The Clock stamps Pharos-Not-Before and measures receipt expiry.
// - A send is durable once the server acknowledged it; nats-server 2.9 fsyncs its file store
//   every 2 minutes (sync_interval), so this survives a server process crash or restart but
//   not a power loss of a single-replica server.
class NatsBus final : public Bus {
 public:
  // Connects and checks JetStream is enabled. kUnavailable (retryable) naming the servers when
  // none answers; kInvalidArgument for a bad prefix; kFailedPrecondition without JetStream.
  static Result<std::unique_ptr<NatsBus>> open(const NatsBusOptions& options, Clock& clock);
  ~NatsBus() override;
  NatsBus(const NatsBus&) = delete;
  NatsBus& operator=(const NatsBus&) = delete;

  Status declareQueue(std::string_view queue, const QueueOptions& options) override;
  Status subscribe(std::string_view topic, std::string_view queue) override;
  Result<int64_t> send(std::string_view queue, std::string_view body,
                       Millis delay = Millis(0)) override;
  Status sendBatch(std::string_view queue, std::span<const std::string> bodies) override;
  Result<size_t> publish(std::string_view topic, std::string_view body) override;
  // `max` is capped at kMaxBatch, `wait` at kMaxWait. Takes at least kPeek unless `max`
  // messages are ready.
  Result<std::vector<Message>> receive(std::string_view queue, size_t max, Millis wait) override;
  using Bus::ack;
  Status ack(std::span<const std::string> receipts) override;
  Status nack(const std::string& receipt, std::string_view reason) override;
  Result<std::vector<DeadLetter>> deadLetters(std::string_view queue, size_t limit) override;
  Result<size_t> redrive(std::string_view queue, size_t limit) override;
  // delayed = messages this process gave back with a delay (nack backoff, early delivery of a
  // delayed send) that are not due yet; the server counts them as ack-pending, so they are
  // subtracted from inFlight. A delayed send nobody has fetched yet still counts as ready.
  Result<std::vector<QueueStats>> stats() override;
  Status ping() override;

  static constexpr size_t kMaxBatch = 256;
  static constexpr Millis kMaxWait{60'000};
  static constexpr Millis kTopicCacheTtl{2'000};
  // How long receive() lingers for more messages once it has some (or with a zero wait).
  static constexpr Millis kPeek{50};
  static constexpr size_t kMaxTrackedEarly = 100'000;

  // Header names, public for tests and tools that read the streams directly.
  static constexpr const char* kNotBeforeHeader = "Pharos-Not-Before";    // unix ms
  static constexpr const char* kEnqueuedAtHeader = "Pharos-Enqueued-At";  // unix ms
  static constexpr const char* kReasonHeader = "Pharos-Reason";
  static constexpr const char* kReceiveCountHeader = "Pharos-Receive-Count";
  static constexpr const char* kOriginalIdHeader = "Pharos-Original-Id";

 private:
  struct QueueState;
  struct Delivery;

  NatsBus(const NatsBusOptions& options, Clock& clock, __natsConnection* conn, __jsCtx* js);

  Result<QueueState*> queueState(std::string_view queue);
  Status ensureStream(const std::string& name, const std::string& subject, bool workQueue,
                      Millis maxAge);
  Status checkConnected() const;
  Status checkBody(std::string_view body) const;
  Result<int64_t> publishMessage(__natsMsg* msg, const std::string& what);
  Status deadLetter(const Delivery& d, std::string_view reason);
  // The queues subscribed to `topic`, from a cache at most kTopicCacheTtl old (or fresh).
  Result<std::set<std::string>> subscribersOf(const std::string& topic, bool refresh);
  Result<std::vector<std::pair<uint64_t, DeadLetter>>> listDead(std::string_view queue,
                                                                size_t limit,
                                                                std::vector<std::string>* bodies);
  std::string serversText() const;
  void dropExpiredDeliveries();

  NatsBusOptions options_;
  Clock& clock_;
  nats::NatsNaming naming_;
  __natsConnection* conn_;
  __jsCtx* js_;

  std::mutex mutex_;  // guards everything below
  std::map<std::string, std::unique_ptr<QueueState>, std::less<>> queues_;
  std::map<std::string, Delivery> deliveries_;    // receipt -> delivery held for ack/nack
  std::map<std::string, std::string> receiptOf_;  // "<queue>/<seq>" -> its current receipt
  std::map<std::string, int> earlyDeliveries_;    // "<queue>/<seq>" -> deliveries before due
  std::map<std::string, MonoTime> delayedUntil_;  // "<queue>/<seq>" -> due time
  std::map<std::string, std::set<std::string>> topicSubscribers_;
  MonoTime topicCacheAt_{};
  uint64_t nextReceipt_ = 0;
};

using NatsBusPtr = std::unique_ptr<NatsBus>;

}  // namespace pharos::bus
