#include "bus/nats/nats_support.h"

#include <fmt/format.h>

#include <charconv>
#include <string_view>

namespace pharos::bus::nats {

namespace {

bool isConnectivity(natsStatus s) {
  return s == NATS_TIMEOUT || s == NATS_NO_SERVER || s == NATS_CONNECTION_CLOSED ||
         s == NATS_CONNECTION_DISCONNECTED || s == NATS_NO_RESPONDERS ||
         s == NATS_STALE_CONNECTION || s == NATS_IO_ERROR || s == NATS_CONNECTION_AUTH_FAILED;
}

}  // namespace

Error natsError(natsStatus s, jsErrCode jerr, const std::string& what) {
  std::string text = natsStatus_GetText(s);
  if (const char* last = nats_GetLastError(nullptr); last != nullptr && *last != '\0') text = last;
  if (jerr == JSStreamNotFoundErr || jerr == JSConsumerNotFoundErr || s == NATS_NOT_FOUND)
    return makeError(ErrorCode::kNotFound, fmt::format("{}: {}", what, text));
  if (s == NATS_MAX_PAYLOAD)
    return makeError(ErrorCode::kInvalidArgument, fmt::format("{}: {}", what, text));
  if (isConnectivity(s))
    return retryableError(ErrorCode::kUnavailable, fmt::format("{}: {}", what, text));
  return makeError(ErrorCode::kInternal,
                   fmt::format("{}: {} (jetstream error {})", what, text, static_cast<int>(jerr)));
}

jsOptions apiOptions(Millis timeout) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = timeout.count();
  return o;
}

std::optional<int64_t> headerInt(natsMsg* msg, const char* key) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, key, &value) != NATS_OK || value == nullptr) return std::nullopt;
  int64_t out = 0;
  std::string_view text(value);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

std::string headerText(natsMsg* msg, const char* key) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, key, &value) != NATS_OK || value == nullptr) return {};
  return value;
}

std::string bodyOf(natsMsg* msg) {
  const char* data = natsMsg_GetData(msg);
  int len = natsMsg_GetDataLength(msg);
  return data == nullptr || len <= 0 ? std::string() : std::string(data, static_cast<size_t>(len));
}

}  // namespace pharos::bus::nats
