// NatsBus: the dead-letter stream of each queue (<PREFIX>_D_<queue>): writing a dead letter,
// listing them without removing, and redriving them back into the queue.

#include <fmt/format.h>
#include <nats/nats.h>

#include <string>
#include <vector>

#include "bus/names.h"
#include "bus/nats/nats_bus.h"
#include "bus/nats/nats_bus_state.h"
#include "bus/nats/nats_support.h"

namespace pharos::bus {

using nats::apiOptions;
using nats::bodyOf;
using nats::headerInt;
using nats::headerText;
using nats::natsError;
using nats::OwnedMsg;
using nats::OwnedStreamInfo;

Status NatsBus::deadLetter(const Delivery& d, std::string_view reason) {
  OwnedMsg dead;
  const std::string subject = naming_.deadSubject(d.queue);
  const char* data = natsMsg_GetData(d.msg);
  if (natsMsg_Create(&dead.p, subject.c_str(), nullptr, data, natsMsg_GetDataLength(d.msg)) !=
      NATS_OK)
    return makeError(ErrorCode::kInternal, "natsMsg_Create failed");
  const std::string why(reason);
  const std::string count = std::to_string(d.receiveCount);
  const std::string enqueued = std::to_string(toUnixMillis(d.enqueuedAt));
  const std::string original = std::to_string(d.seq);
  natsMsgHeader_Set(dead.p, kReasonHeader, why.c_str());
  natsMsgHeader_Set(dead.p, kReceiveCountHeader, count.c_str());
  natsMsgHeader_Set(dead.p, kEnqueuedAtHeader, enqueued.c_str());
  natsMsgHeader_Set(dead.p, kOriginalIdHeader, original.c_str());
  auto published = publishMessage(dead.p, "dead-letter from " + d.queue);
  if (!published.ok()) return std::move(published).error();
  return okStatus();
}

Result<std::vector<std::pair<uint64_t, DeadLetter>>> NatsBus::listDead(
    std::string_view queue, size_t limit, std::vector<std::string>* enqueuedHeaders) {
  PHAROS_TRY(validateName(queue, "queue"));
  PHAROS_TRY(checkConnected());
  const std::string stream = naming_.deadStream(queue);
  jsOptions jo = apiOptions(options_.connectTimeout);
  OwnedStreamInfo info;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info.p, js_, stream.c_str(), &jo, &jerr);
  if (s != NATS_OK) {
    Error e = natsError(s, jerr, "dead letters of " + std::string(queue));
    if (e.code == ErrorCode::kNotFound) e.message = "no such queue";
    return e;
  }
  std::vector<std::pair<uint64_t, DeadLetter>> out;
  uint64_t seen = 0;
  const uint64_t stored = info.p->State.Msgs;
  for (uint64_t seq = info.p->State.FirstSeq;
       seq != 0 && seq <= info.p->State.LastSeq && out.size() < limit && seen < stored; ++seq) {
    OwnedMsg m;
    jerr = static_cast<jsErrCode>(0);
    s = js_GetMsg(&m.p, js_, stream.c_str(), seq, &jo, &jerr);
    if (s != NATS_OK) {
      if (jerr == JSNoMessageFoundErr || s == NATS_NOT_FOUND) continue;  // deleted (redriven)
      return natsError(s, jerr, "read dead letter");
    }
    ++seen;
    DeadLetter dl;
    dl.id = headerInt(m.p, kOriginalIdHeader).value_or(static_cast<int64_t>(seq));
    dl.body = bodyOf(m.p);
    dl.receiveCount = static_cast<int>(headerInt(m.p, kReceiveCountHeader).value_or(0));
    dl.lastError = headerText(m.p, kReasonHeader);
    dl.enqueuedAt = fromUnixMillis(headerInt(m.p, kEnqueuedAtHeader).value_or(0));
    if (enqueuedHeaders != nullptr) enqueuedHeaders->push_back(headerText(m.p, kEnqueuedAtHeader));
    out.emplace_back(seq, std::move(dl));
  }
  return out;
}

Result<std::vector<DeadLetter>> NatsBus::deadLetters(std::string_view queue, size_t limit) {
  PHAROS_ASSIGN_OR_RETURN(auto listed, listDead(queue, limit, nullptr));
  std::vector<DeadLetter> out;
  for (auto& [seq, dl] : listed)
    out.push_back(std::move(dl));
  return out;
}

Result<size_t> NatsBus::redrive(std::string_view queue, size_t limit) {
  std::vector<std::string> enqueued;
  PHAROS_ASSIGN_OR_RETURN(auto listed, listDead(queue, limit, &enqueued));
  const std::string stream = naming_.deadStream(queue);
  const std::string subject = naming_.queueSubject(queue);
  size_t moved = 0;
  for (size_t i = 0; i < listed.size(); ++i) {
    const DeadLetter& dl = listed[i].second;
    OwnedMsg m;
    if (natsMsg_Create(&m.p, subject.c_str(), nullptr, dl.body.data(),
                       static_cast<int>(dl.body.size())) != NATS_OK)
      return makeError(ErrorCode::kInternal, "natsMsg_Create failed");
    if (!enqueued[i].empty()) natsMsgHeader_Set(m.p, kEnqueuedAtHeader, enqueued[i].c_str());
    // Publish before delete: a failure in between duplicates, never loses.
    PHAROS_TRY(publishMessage(m.p, "redrive to " + std::string(queue)));
    jsOptions jo = apiOptions(options_.connectTimeout);
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_DeleteMsg(js_, stream.c_str(), listed[i].first, &jo, &jerr);
    if (s != NATS_OK) return natsError(s, jerr, "delete redriven dead letter");
    ++moved;
  }
  return moved;
}

}  // namespace pharos::bus
