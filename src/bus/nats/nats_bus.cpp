#include "bus/nats/nats_bus.h"

#include <fmt/format.h>
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "bus/backoff.h"
#include "bus/names.h"
#include "bus/nats/nats_bus_state.h"
#include "bus/nats/nats_queue_description.h"
#include "bus/nats/nats_support.h"
#include "core/ids.h"

namespace pharos::bus {

namespace {

std::string deliveryKey(std::string_view queue, uint64_t seq) {
  return fmt::format("{}/{}", queue, seq);
}

using nats::apiOptions;
using nats::bodyOf;
using nats::headerInt;
using nats::headerText;
using nats::kNanosPerMilli;
using nats::natsError;
using nats::OwnedConsumerInfo;
using nats::OwnedMeta;
using nats::OwnedMsg;
using nats::OwnedPubAck;
using nats::OwnedStreamInfo;
using nats::OwnedStreamList;
using nats::toNanos;

}  // namespace

Result<std::unique_ptr<NatsBus>> NatsBus::open(const NatsBusOptions& options, Clock& clock) {
  if (!nats::validPrefix(options.prefix)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "NATS bus prefix must be 1-32 characters of [A-Za-z0-9_]", options.prefix);
  }
  if (options.servers.empty())
    return makeError(ErrorCode::kInvalidArgument, "NATS bus needs at least one server URL");
  std::string urls;
  for (const std::string& s : options.servers)
    urls += (urls.empty() ? "" : ",") + s;

  natsOptions* opts = nullptr;
  if (natsOptions_Create(&opts) != NATS_OK)
    return makeError(ErrorCode::kInternal, "natsOptions_Create failed");
  std::vector<const char*> servers;
  for (const std::string& s : options.servers)
    servers.push_back(s.c_str());
  natsStatus s = natsOptions_SetServers(opts, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, options.connectTimeout.count());
  // Reconnect for ever, quickly: a restarted server is picked up again within ~100 ms, and while
  // it is away every call fails fast with kUnavailable (checkConnected) instead of hanging.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 100);
  if (s == NATS_OK && !options.user.empty()) {
    s = natsOptions_SetUserInfo(opts, options.user.c_str(), options.password.reveal().c_str());
  }
  if (s == NATS_OK && !options.credentialsFile.empty()) {
    s = natsOptions_SetUserCredentialsFromFiles(opts, options.credentialsFile.c_str(), nullptr);
  }
  if (s == NATS_OK && !options.tlsCaFile.empty()) {
    s = natsOptions_SetSecure(opts, true);
    if (s == NATS_OK) s = natsOptions_LoadCATrustedCertificates(opts, options.tlsCaFile.c_str());
  }
  if (s == NATS_OK && !options.tlsCertFile.empty()) {
    s = natsOptions_LoadCertificatesChain(opts, options.tlsCertFile.c_str(),
                                          options.tlsKeyFile.c_str());
  }
  if (s != NATS_OK) {
    natsOptions_Destroy(opts);
    // The last error names the file or setting (a CA file that does not load, …).
    const char* detail = nats_GetLastError(nullptr);
    return makeError(
        ErrorCode::kInvalidArgument,
        fmt::format("NATS options: {}",
                    detail != nullptr && *detail != '\0' ? detail : natsStatus_GetText(s)),
        urls);
  }
  natsConnection* conn = nullptr;
  s = natsConnection_Connect(&conn, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    return retryableError(
        ErrorCode::kUnavailable,
        fmt::format("cannot connect to NATS server {}: {}", urls, natsStatus_GetText(s)), urls);
  }
  jsCtx* js = nullptr;
  jsOptions jo = apiOptions(options.connectTimeout);
  if (natsConnection_JetStream(&js, conn, &jo) != NATS_OK) {
    natsConnection_Destroy(conn);
    return makeError(ErrorCode::kInternal, "cannot create a JetStream context", urls);
  }
  jsAccountInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_GetAccountInfo(&info, js, nullptr, &jerr);
  if (s != NATS_OK) {
    jsCtx_Destroy(js);
    natsConnection_Destroy(conn);
    return makeError(ErrorCode::kFailedPrecondition,
                     fmt::format("NATS server {} has no JetStream (start it with -js): {}", urls,
                                 natsStatus_GetText(s)),
                     urls);
  }
  jsAccountInfo_Destroy(info);
  return std::unique_ptr<NatsBus>(new NatsBus(options, clock, conn, js));
}

NatsBus::NatsBus(const NatsBusOptions& options, Clock& clock, natsConnection* conn, jsCtx* js)
    : options_(options), clock_(clock), naming_(options.prefix), conn_(conn), js_(js) {}

NatsBus::~NatsBus() {
  // Unacked deliveries are simply dropped: the server redelivers them after their AckWait.
  for (auto& [receipt, d] : deliveries_)
    natsMsg_Destroy(d.msg);
  for (auto& [name, q] : queues_) {
    // Destroy, not Unsubscribe: the durable consumer (and its state) must outlive this process.
    if (q->sub != nullptr) natsSubscription_Destroy(q->sub);
  }
  jsCtx_Destroy(js_);
  natsConnection_Destroy(conn_);
}

std::string NatsBus::serversText() const {
  std::string urls;
  for (const std::string& s : options_.servers)
    urls += (urls.empty() ? "" : ",") + s;
  return urls;
}

Status NatsBus::checkConnected() const {
  if (natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED) return okStatus();
  return retryableError(ErrorCode::kUnavailable,
                        fmt::format("NATS server {} is not reachable", serversText()),
                        serversText());
}

Status NatsBus::checkBody(std::string_view body) const {
  if (body.size() <= options_.maxBodyBytes) return okStatus();
  return makeError(ErrorCode::kInvalidArgument, fmt::format("body is {} bytes, at most {} allowed",
                                                            body.size(), options_.maxBodyBytes));
}

Status NatsBus::ensureStream(const std::string& name, const std::string& subject, bool workQueue,
                             Millis maxAge) {
  jsOptions jo = apiOptions(options_.connectTimeout);
  OwnedStreamInfo existing;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&existing.p, js_, name.c_str(), &jo, &jerr);
  if (s == NATS_OK) return okStatus();  // exists: keep its sources and settings
  if (jerr != JSStreamNotFoundErr && s != NATS_NOT_FOUND)
    return natsError(s, jerr, "stream info " + name);

  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char* subjects[] = {subject.c_str()};
  cfg.Name = name.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Retention = workQueue ? js_WorkQueuePolicy : js_LimitsPolicy;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = options_.replicas;
  cfg.MaxAge = maxAge.count() > 0 ? toNanos(maxAge) : 0;
  // Bodies are bounded by maxBodyBytes; headers add a little.
  cfg.MaxMsgSize = static_cast<int32_t>(options_.maxBodyBytes + 4096);
  OwnedStreamInfo created;
  jerr = static_cast<jsErrCode>(0);
  s = js_AddStream(&created.p, js_, &cfg, &jo, &jerr);
  if (s != NATS_OK && jerr != JSStreamNameExistErr)  // lost a race with another process: fine
    return natsError(s, jerr, "create stream " + name);
  return okStatus();
}

Status NatsBus::declareQueue(std::string_view queue, const QueueOptions& options) {
  PHAROS_TRY(validateName(queue, "queue"));
  if (options.maxReceives < 1 || options.visibilityTimeout.count() < 1)
    return makeError(ErrorCode::kInvalidArgument,
                     "maxReceives and visibilityTimeout must be positive", std::string(queue));
  PHAROS_TRY(checkConnected());
  PHAROS_TRY(
      ensureStream(naming_.queueStream(queue), naming_.queueSubject(queue), true, Millis(0)));
  PHAROS_TRY(ensureStream(naming_.deadStream(queue), naming_.deadSubject(queue), false, Millis(0)));

  const std::string stream = naming_.queueStream(queue);
  const std::string durable = naming_.consumer(queue);
  const std::string description = nats::formatQueueDescription(options);
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  cc.Durable = durable.c_str();
  cc.Description = description.c_str();
  cc.AckPolicy = js_AckExplicit;
  cc.AckWait = toNanos(options.visibilityTimeout);
  cc.MaxDeliver = -1;          // maxReceives is enforced here, with a dead-letter stream
  cc.MaxAckPending = 100'000;  // in flight across all consumers; the default 1000 is too low
  jsOptions jo = apiOptions(options_.connectTimeout);
  OwnedConsumerInfo existing;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetConsumerInfo(&existing.p, js_, stream.c_str(), durable.c_str(), &jo, &jerr);
  OwnedConsumerInfo info;
  if (s == NATS_OK) {
    jerr = static_cast<jsErrCode>(0);
    s = js_UpdateConsumer(&info.p, js_, stream.c_str(), &cc, &jo, &jerr);
    if (s != NATS_OK) return natsError(s, jerr, "update consumer " + durable);
  } else if (jerr == JSConsumerNotFoundErr || s == NATS_NOT_FOUND) {
    jerr = static_cast<jsErrCode>(0);
    s = js_AddConsumer(&info.p, js_, stream.c_str(), &cc, &jo, &jerr);
    if (s != NATS_OK) return natsError(s, jerr, "create consumer " + durable);
  } else {
    return natsError(s, jerr, "consumer info " + durable);
  }
  std::lock_guard lock(mutex_);
  auto it = queues_.find(queue);
  if (it != queues_.end()) it->second->options = options;
  return okStatus();
}

Result<NatsBus::QueueState*> NatsBus::queueState(std::string_view queue) {
  {
    std::lock_guard lock(mutex_);
    auto it = queues_.find(queue);
    if (it != queues_.end()) return it->second.get();
  }
  PHAROS_TRY(checkConnected());
  // Another process may have declared it: the consumer holds the options.
  const std::string stream = naming_.queueStream(queue);
  const std::string durable = naming_.consumer(queue);
  jsOptions jo = apiOptions(options_.connectTimeout);
  OwnedConsumerInfo info;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetConsumerInfo(&info.p, js_, stream.c_str(), durable.c_str(), &jo, &jerr);
  if (s != NATS_OK) {
    Error e = natsError(s, jerr, "queue " + std::string(queue));
    if (e.code == ErrorCode::kNotFound) e.message = "no such queue (declare it first)";
    e.context = std::string(queue);
    return e;
  }
  auto state = std::make_unique<QueueState>();
  state->name = std::string(queue);
  state->options.visibilityTimeout = Millis(info.p->Config->AckWait / kNanosPerMilli);
  const char* description = info.p->Config->Description;
  auto parsed = nats::parseQueueDescription(description ? description : "", state->options);
  if (!parsed) {
    return makeError(
        ErrorCode::kFailedPrecondition,
        "consumer was not created by a Pharos bus (no queue options in its description)",
        std::string(queue));
  }
  state->options = *parsed;

  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Consumer = durable.c_str();
  so.ManualAck = true;
  const std::string subject = naming_.queueSubject(queue);
  jerr = static_cast<jsErrCode>(0);
  s = js_PullSubscribe(&state->sub, js_, subject.c_str(), durable.c_str(), &jo, &so, &jerr);
  if (s != NATS_OK) return natsError(s, jerr, "pull subscribe " + std::string(queue));

  std::lock_guard lock(mutex_);
  // try_emplace leaves `state` alone when another thread won the race: keep theirs.
  auto [it, inserted] = queues_.try_emplace(std::string(queue), std::move(state));
  if (!inserted) natsSubscription_Destroy(state->sub);
  return it->second.get();
}

Result<int64_t> NatsBus::publishMessage(natsMsg* msg, const std::string& what) {
  PHAROS_TRY(checkConnected());
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = options_.connectTimeout.count();
  OwnedPubAck ack;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_PublishMsg(&ack.p, js_, msg, &po, &jerr);
  if (s != NATS_OK) {
    Error e = natsError(s, jerr, what);
    if (s == NATS_NO_RESPONDERS && natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED) {
      // Connected, but no stream listens on the subject.
      e = makeError(ErrorCode::kNotFound, what + ": no such queue (declare it first)");
    }
    return e;
  }
  return static_cast<int64_t>(ack.p->Sequence);
}

Result<int64_t> NatsBus::send(std::string_view queue, std::string_view body, Millis delay) {
  PHAROS_TRY(validateName(queue, "queue"));
  PHAROS_TRY(checkBody(body));
  OwnedMsg msg;
  const std::string subject = naming_.queueSubject(queue);
  if (natsMsg_Create(&msg.p, subject.c_str(), nullptr, body.data(),
                     static_cast<int>(body.size())) != NATS_OK)
    return makeError(ErrorCode::kInternal, "natsMsg_Create failed");
  if (delay.count() > 0) {
    std::string notBefore = std::to_string(toUnixMillis(clock_.now() + delay));
    natsMsgHeader_Set(msg.p, kNotBeforeHeader, notBefore.c_str());
  }
  return publishMessage(msg.p, "send to " + std::string(queue));
}

namespace {

// Counts asynchronous publish failures of one sendBatch (its own JetStream context, so
// concurrent batches do not see each other's errors).
struct BatchErrors {
  std::atomic<int> failed{0};
  std::mutex mutex;
  std::string first;
};

void onBatchError(jsCtx*, jsPubAckErr* pae, void* closure) {
  auto* errors = static_cast<BatchErrors*>(closure);
  errors->failed.fetch_add(1);
  std::lock_guard lock(errors->mutex);
  if (errors->first.empty())
    errors->first = pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err);
}

}  // namespace

Status NatsBus::sendBatch(std::string_view queue, std::span<const std::string> bodies) {
  PHAROS_TRY(validateName(queue, "queue"));
  for (const std::string& body : bodies)
    PHAROS_TRY(checkBody(body));
  if (bodies.empty()) return okStatus();
  PHAROS_TRY(checkConnected());
  PHAROS_TRY(queueState(queue));  // a batch to an undeclared queue fails up front

  BatchErrors errors;
  jsOptions jo = apiOptions(options_.connectTimeout);
  jo.PublishAsync.ErrHandler = onBatchError;
  jo.PublishAsync.ErrHandlerClosure = &errors;
  jo.PublishAsync.MaxPending = 4096;
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, conn_, &jo) != NATS_OK)
    return makeError(ErrorCode::kInternal, "cannot create a JetStream context");
  const std::string subject = naming_.queueSubject(queue);
  natsStatus s = NATS_OK;
  size_t sent = 0;
  for (const std::string& body : bodies) {
    s = js_PublishAsync(js, subject.c_str(), body.data(), static_cast<int>(body.size()), nullptr);
    if (s != NATS_OK) break;
    ++sent;
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = options_.connectTimeout.count();
  natsStatus done = js_PublishAsyncComplete(js, &po);
  int unacked = 0;
  if (done != NATS_OK) {
    // Whatever is still pending gets no callback any more once taken out of the list.
    natsMsgList pending{};
    if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK) {
      unacked = pending.Count;
      natsMsgList_Destroy(&pending);
    }
  }
  jsCtx_Destroy(js);
  const int failed = errors.failed.load() + unacked;
  if (s == NATS_OK && done == NATS_OK && failed == 0) return okStatus();
  // Not all-or-none: JetStream 2.9 has no multi-message commit. Some bodies may be stored.
  const std::string why = s != NATS_OK                          ? natsStatus_GetText(s)
                          : failed > 0 && !errors.first.empty() ? errors.first
                                                                : natsStatus_GetText(done);
  return retryableError(
      ErrorCode::kUnavailable,
      fmt::format("batch of {} to {}: {} not stored or not confirmed ({}); the others may be "
                  "stored, so a retry can duplicate them",
                  bodies.size(), queue, failed + static_cast<int>(bodies.size() - sent), why),
      std::string(queue));
}

Result<std::set<std::string>> NatsBus::subscribersOf(const std::string& topic, bool refresh) {
  if (!refresh) {
    std::lock_guard lock(mutex_);
    if (clock_.monotonic() - topicCacheAt_ < kTopicCacheTtl) {
      auto it = topicSubscribers_.find(topic);
      return it == topicSubscribers_.end() ? std::set<std::string>() : it->second;
    }
  }
  // Refresh from the queue streams' configs: their sources are the subscriptions.
  jsOptions jo = apiOptions(options_.connectTimeout);
  OwnedStreamList list;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_Streams(&list.p, js_, &jo, &jerr);
  std::map<std::string, std::set<std::string>> fresh;
  if (s == NATS_OK) {
    for (int i = 0; i < list.p->Count; ++i) {
      jsStreamInfo* si = list.p->List[i];
      auto queue = naming_.queueOfStream(si->Config->Name);
      if (!queue) continue;
      for (int j = 0; j < si->Config->SourcesLen; ++j) {
        auto t = naming_.topicOfStream(si->Config->Sources[j]->Name);
        if (t) fresh[*t].insert(*queue);
      }
    }
  } else if (s != NATS_NOT_FOUND) {
    return natsError(s, jerr, "list streams");
  }
  std::lock_guard lock(mutex_);
  topicSubscribers_ = std::move(fresh);
  topicCacheAt_ = clock_.monotonic();
  auto it = topicSubscribers_.find(topic);
  return it == topicSubscribers_.end() ? std::set<std::string>() : it->second;
}

Status NatsBus::subscribe(std::string_view topic, std::string_view queue) {
  PHAROS_TRY(validateName(topic, "topic"));
  PHAROS_TRY(validateName(queue, "queue"));
  PHAROS_TRY(checkConnected());
  PHAROS_TRY(queueState(queue));
  const std::string topicStream = naming_.topicStream(topic);
  PHAROS_TRY(ensureStream(topicStream, naming_.topicSubject(topic), false, options_.topicMaxAge));

  jsOptions jo = apiOptions(options_.connectTimeout);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  OwnedStreamInfo topicInfo;
  natsStatus s = js_GetStreamInfo(&topicInfo.p, js_, topicStream.c_str(), &jo, &jerr);
  if (s != NATS_OK) return natsError(s, jerr, "stream info " + topicStream);
  const std::string queueStream = naming_.queueStream(queue);
  OwnedStreamInfo queueInfo;
  jerr = static_cast<jsErrCode>(0);
  s = js_GetStreamInfo(&queueInfo.p, js_, queueStream.c_str(), &jo, &jerr);
  if (s != NATS_OK) return natsError(s, jerr, "stream info " + queueStream);

  jsStreamConfig cfg = *queueInfo.p->Config;
  std::vector<jsStreamSource*> sources(cfg.Sources, cfg.Sources + cfg.SourcesLen);
  for (jsStreamSource* src : sources) {
    if (src->Name != nullptr && topicStream == src->Name) return okStatus();  // idempotent
  }
  // "From now on": start after the topic's current last message, not at its beginning.
  jsStreamSource added{};
  added.Name = topicStream.c_str();
  added.OptStartSeq = topicInfo.p->State.LastSeq + 1;
  sources.push_back(&added);
  cfg.Sources = sources.data();
  cfg.SourcesLen = static_cast<int>(sources.size());
  OwnedStreamInfo updated;
  jerr = static_cast<jsErrCode>(0);
  s = js_UpdateStream(&updated.p, js_, &cfg, &jo, &jerr);
  if (s != NATS_OK) return natsError(s, jerr, "add source " + topicStream + " to " + queueStream);
  std::lock_guard lock(mutex_);
  topicSubscribers_[std::string(topic)].insert(std::string(queue));
  return okStatus();
}

Result<size_t> NatsBus::publish(std::string_view topic, std::string_view body) {
  PHAROS_TRY(validateName(topic, "topic"));
  PHAROS_TRY(checkBody(body));
  PHAROS_TRY(checkConnected());
  OwnedMsg msg;
  const std::string subject = naming_.topicSubject(topic);
  if (natsMsg_Create(&msg.p, subject.c_str(), nullptr, body.data(),
                     static_cast<int>(body.size())) != NATS_OK)
    return makeError(ErrorCode::kInternal, "natsMsg_Create failed");
  // Always published when the topic stream exists, whatever the cached count says: a
  // subscription made by another process moments ago must not lose the message.
  auto stored = publishMessage(msg.p, "publish to " + std::string(topic));
  if (!stored.ok()) {
    // No topic stream: nobody ever subscribed (subscribe() creates it).
    if (stored.error().code == ErrorCode::kNotFound) return size_t{0};
    return std::move(stored).error();
  }
  PHAROS_ASSIGN_OR_RETURN(std::set<std::string> queues,
                          subscribersOf(std::string(topic), /*refresh=*/false));
  if (queues.empty()) {
    // The cache predates the first subscription: the stream exists, so someone subscribed.
    PHAROS_ASSIGN_OR_RETURN(queues, subscribersOf(std::string(topic), /*refresh=*/true));
  }
  return queues.size();
}

void NatsBus::dropExpiredDeliveries() {
  const MonoTime now = clock_.monotonic();
  for (auto it = deliveries_.begin(); it != deliveries_.end();) {
    if (it->second.expiresAt <= now) {
      receiptOf_.erase(it->second.key);
      natsMsg_Destroy(it->second.msg);
      it = deliveries_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = delayedUntil_.begin(); it != delayedUntil_.end();)
    it = it->second <= now ? delayedUntil_.erase(it) : std::next(it);
}

Result<std::vector<Message>> NatsBus::receive(std::string_view queue, size_t max, Millis wait) {
  PHAROS_TRY(validateName(queue, "queue"));
  PHAROS_ASSIGN_OR_RETURN(QueueState * q, queueState(queue));
  max = std::clamp<size_t>(max, 1, kMaxBatch);
  wait = std::clamp(wait, Millis(0), kMaxWait);
  const MonoTime deadline = clock_.monotonic() + wait;
  std::vector<Message> out;
  std::lock_guard fetchLock(q->fetchMutex);
  QueueOptions options;
  {
    std::lock_guard lock(mutex_);
    options = q->options;
    dropExpiredDeliveries();
  }
  // One pull request; the messages it brings are processed into `out`.
  auto fetch = [&](int batch, Millis expires) -> Status {
    PHAROS_TRY(checkConnected());
    jsFetchRequest req;
    jsFetchRequest_Init(&req);
    req.Batch = batch;
    req.Expires = toNanos(expires);
    natsMsgList list{};
    natsStatus s = natsSubscription_FetchRequest(&list, q->sub, &req);
    if (s != NATS_OK && s != NATS_TIMEOUT && s != NATS_NOT_FOUND) {
      natsMsgList_Destroy(&list);
      return natsError(s, static_cast<jsErrCode>(0), "fetch from " + std::string(queue));
    }
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* m = list.Msgs[i];
      list.Msgs[i] = nullptr;  // ours now
      OwnedMeta meta;
      if (natsMsg_GetMetaData(&meta.p, m) != NATS_OK) {
        natsMsg_Destroy(m);
        continue;
      }
      const uint64_t seq = meta.p->Sequence.Stream;
      const std::string key = deliveryKey(queue, seq);
      const int64_t nowMs = toUnixMillis(clock_.now());
      auto notBefore = headerInt(m, kNotBeforeHeader);
      std::lock_guard lock(mutex_);
      if (notBefore && *notBefore > nowMs) {
        // Delivered before its delay ended: give it back for the rest of the delay. This
        // delivery is not a receive, so it is remembered and subtracted from NumDelivered.
        natsMsg_NakWithDelay(m, *notBefore - nowMs, nullptr);  // milliseconds
        natsMsg_Destroy(m);
        // Bounded: an entry whose message another process acked is never erased here. Dropping
        // the oldest only makes a later receive count one higher (conservative).
        if (earlyDeliveries_.size() >= kMaxTrackedEarly)
          earlyDeliveries_.erase(earlyDeliveries_.begin());
        ++earlyDeliveries_[key];
        delayedUntil_[key] = clock_.monotonic() + Millis(*notBefore - nowMs);
        continue;
      }
      delayedUntil_.erase(key);
      auto early = earlyDeliveries_.find(key);
      const int earlyCount = early == earlyDeliveries_.end() ? 0 : early->second;
      Delivery d;
      d.msg = m;
      d.queue = std::string(queue);
      d.key = key;
      d.seq = seq;
      d.receiveCount = std::max(1, static_cast<int>(meta.p->NumDelivered) - earlyCount);
      auto enqueued = headerInt(m, kEnqueuedAtHeader);
      d.enqueuedAt = enqueued ? fromUnixMillis(*enqueued)
                              : WallTime(std::chrono::duration_cast<WallTime::duration>(
                                    std::chrono::nanoseconds(meta.p->Timestamp)));
      d.expiresAt = clock_.monotonic() + options.visibilityTimeout;
      d.options = options;
      if (d.receiveCount > options.maxReceives) {
        // Redelivered because the visibility timeout expired on its last allowed receive: the
        // consumer died on it every time. Dead-letter it instead of handing it out again.
        Status moved = deadLetter(d, "visibility timeout expired");
        if (moved.ok()) {
          natsMsg_Term(m, nullptr);
          earlyDeliveries_.erase(key);
        }
        natsMsg_Destroy(m);
        continue;
      }
      // A redelivery makes this process's older receipt for the same message stale.
      if (auto old = receiptOf_.find(key); old != receiptOf_.end()) {
        auto od = deliveries_.find(old->second);
        if (od != deliveries_.end()) {
          natsMsg_Destroy(od->second.msg);
          deliveries_.erase(od);
        }
      }
      std::string receipt =
          fmt::format("{}/{}/{}/{}", queue, seq, meta.p->NumDelivered, ++nextReceipt_);
      Message msg;
      msg.id = static_cast<int64_t>(seq);
      msg.queue = std::string(queue);
      msg.body = bodyOf(m);
      msg.receipt = receipt;
      msg.receiveCount = d.receiveCount;
      msg.enqueuedAt = d.enqueuedAt;
      receiptOf_[key] = receipt;
      deliveries_.emplace(std::move(receipt), std::move(d));
      out.push_back(std::move(msg));
    }
    natsMsgList_Destroy(&list);
    return okStatus();
  };
  // First whatever is ready now: a short request for up to `max` (the server sends what it has
  // at once and holds the request until the batch is full or kPeek passes). Not a no-wait
  // request: nats-server 2.9 parks those (until expiry, or for ever without one) whenever
  // messages are in flight, instead of answering "no messages". Only when that brought nothing,
  // wait for ONE message: a batch request is held until full, and a message whose ack wait
  // passed meanwhile would come twice into it.
  for (;;) {
    PHAROS_TRY(fetch(static_cast<int>(max - out.size()), kPeek));
    const Millis left = std::chrono::duration_cast<Millis>(deadline - clock_.monotonic());
    if (!out.empty() || left.count() <= 0) return out;
    PHAROS_TRY(fetch(1, std::max(left, kPeek)));
    if (out.size() >= max) return out;
  }
}

Status NatsBus::ack(std::span<const std::string> receipts) {
  size_t unknown = 0;
  for (const std::string& receipt : receipts) {
    Delivery d;
    {
      std::lock_guard lock(mutex_);
      auto it = deliveries_.find(receipt);
      if (it == deliveries_.end() || it->second.expiresAt <= clock_.monotonic()) {
        ++unknown;
        continue;
      }
      d = std::move(it->second);
      deliveries_.erase(it);
      receiptOf_.erase(d.key);
      earlyDeliveries_.erase(d.key);
    }
    jsOptions jo = apiOptions(options_.connectTimeout);
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = natsMsg_AckSync(d.msg, &jo, &jerr);
    natsMsg_Destroy(d.msg);
    if (s != NATS_OK) return natsError(s, jerr, "ack on " + d.queue);
  }
  if (unknown == 0) return okStatus();
  return makeError(ErrorCode::kNotFound,
                   fmt::format("{} of {} receipts unknown or expired (visibility timeout passed, "
                               "redelivered)",
                               unknown, receipts.size()));
}

Status NatsBus::nack(const std::string& receipt, std::string_view reason) {
  Delivery d;
  {
    std::lock_guard lock(mutex_);
    auto it = deliveries_.find(receipt);
    if (it == deliveries_.end() || it->second.expiresAt <= clock_.monotonic())
      return makeError(ErrorCode::kNotFound, "receipt unknown or expired");
    d = std::move(it->second);
    deliveries_.erase(it);
    receiptOf_.erase(d.key);
  }
  Status result = okStatus();
  if (d.receiveCount >= d.options.maxReceives) {
    // Dead letter first, then Term: a crash between the two leaves a duplicate in the dead
    // stream rather than a lost message.
    result = deadLetter(d, reason);
    if (result.ok()) {
      natsStatus s = natsMsg_Term(d.msg, nullptr);
      if (s != NATS_OK) result = natsError(s, static_cast<jsErrCode>(0), "term on " + d.queue);
      std::lock_guard lock(mutex_);
      earlyDeliveries_.erase(d.key);
    }
  } else {
    Millis delay = backoffDelay(d.options, d.receiveCount, fastRandom());
    natsStatus s = natsMsg_NakWithDelay(d.msg, delay.count(), nullptr);  // milliseconds
    if (s != NATS_OK) {
      result = natsError(s, static_cast<jsErrCode>(0), "nak on " + d.queue);
    } else {
      std::lock_guard lock(mutex_);
      delayedUntil_[d.key] = clock_.monotonic() + delay;
    }
  }
  natsMsg_Destroy(d.msg);
  return result;
}

Result<std::vector<QueueStats>> NatsBus::stats() {
  PHAROS_TRY(checkConnected());
  jsOptions jo = apiOptions(options_.connectTimeout);
  OwnedStreamList list;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_Streams(&list.p, js_, &jo, &jerr);
  std::vector<QueueStats> out;
  if (s == NATS_NOT_FOUND) return out;
  if (s != NATS_OK) return natsError(s, jerr, "list streams");
  std::map<std::string, uint64_t> dead;
  for (int i = 0; i < list.p->Count; ++i) {
    const char* name = list.p->List[i]->Config->Name;
    if (auto q = naming_.queueOfStream(name)) {
      out.push_back(QueueStats{.queue = *q});
    } else if (std::string_view(name).substr(0, naming_.deadStream("").size()) ==
               naming_.deadStream("")) {
      dead[name] = list.p->List[i]->State.Msgs;
    }
  }
  for (QueueStats& qs : out) {
    OwnedConsumerInfo ci;
    jerr = static_cast<jsErrCode>(0);
    const std::string stream = naming_.queueStream(qs.queue);
    const std::string durable = naming_.consumer(qs.queue);
    s = js_GetConsumerInfo(&ci.p, js_, stream.c_str(), durable.c_str(), &jo, &jerr);
    if (s == NATS_OK) {
      qs.ready = static_cast<int64_t>(ci.p->NumPending);
      qs.inFlight = ci.p->NumAckPending;
    } else if (jerr != JSConsumerNotFoundErr && s != NATS_NOT_FOUND) {
      return natsError(s, jerr, "consumer info " + durable);
    }
    qs.dead = static_cast<int64_t>(dead[naming_.deadStream(qs.queue)]);
  }
  std::lock_guard lock(mutex_);
  const MonoTime now = clock_.monotonic();
  for (QueueStats& qs : out) {
    const std::string head = qs.queue + "/";
    for (const auto& [key, due] : delayedUntil_) {
      if (due > now && key.size() > head.size() && key.compare(0, head.size(), head) == 0 &&
          key.find('/', head.size()) == std::string::npos)
        ++qs.delayed;
    }
    qs.inFlight = std::max<int64_t>(0, qs.inFlight - qs.delayed);
  }
  std::sort(out.begin(), out.end(),
            [](const QueueStats& a, const QueueStats& b) { return a.queue < b.queue; });
  return out;
}

Status NatsBus::ping() {
  natsStatus s = natsConnection_FlushTimeout(conn_, options_.connectTimeout.count());
  if (s == NATS_OK) return okStatus();
  return retryableError(
      ErrorCode::kUnavailable,
      fmt::format("NATS server {} did not answer: {}", serversText(), natsStatus_GetText(s)),
      serversText());
}

}  // namespace pharos::bus
