#pragma once

// Small adapters between libnats and the Bus types, shared by the nats_*.cpp files.

#include <nats/nats.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"

namespace pharos::bus::nats {

constexpr int64_t kNanosPerMilli = 1'000'000;

inline int64_t toNanos(Millis m) {
  return m.count() * kNanosPerMilli;
}

// Maps a libnats failure to a Bus error; `what` says which call on which name. Connection
// trouble (timeouts, no server, no responders while disconnected) is retryable kUnavailable;
// a missing stream or consumer is kNotFound.
Error natsError(natsStatus s, jsErrCode jerr, const std::string& what);

// JetStream API options that wait `timeout` for the server.
jsOptions apiOptions(Millis timeout);

// A header parsed as a decimal integer; nullopt when absent or not a number.
std::optional<int64_t> headerInt(natsMsg* msg, const char* key);
// A header's text, empty when absent.
std::string headerText(natsMsg* msg, const char* key);
std::string bodyOf(natsMsg* msg);

// RAII for the libnats objects that are freed with a *_Destroy call.
template <typename T, void (*Destroy)(T*)>
struct Owned {
  T* p = nullptr;
  Owned() = default;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() {
    if (p != nullptr) Destroy(p);
  }
};
using OwnedMsg = Owned<natsMsg, natsMsg_Destroy>;
using OwnedStreamInfo = Owned<jsStreamInfo, jsStreamInfo_Destroy>;
using OwnedConsumerInfo = Owned<jsConsumerInfo, jsConsumerInfo_Destroy>;
using OwnedPubAck = Owned<jsPubAck, jsPubAck_Destroy>;
using OwnedMeta = Owned<jsMsgMetaData, jsMsgMetaData_Destroy>;
using OwnedStreamList = Owned<jsStreamInfoList, jsStreamInfoList_Destroy>;

}  // namespace pharos::bus::nats
