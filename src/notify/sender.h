#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "net/outbound_client.h"
#include "notify/notification.h"
#include "notify/receiver_spec.h"

namespace pharos::notify {

// The outcome of one delivery attempt, as the attempt log records it.
struct Attempt {
  bool delivered = false;
  // The receiver answered (any HTTP status, an SMTP reply): a failure it answered was
  // certainly not delivered; one it did not answer (timeout, reset) may have been.
  bool answered = false;
  int status = 0;             // HTTP status, or the SMTP server's last reply code; 0 when none
  std::string error;          // empty when delivered; never holds a secret or a response body
  std::string templateError;  // a template failed and the plain default text was sent
  Millis duration{0};
};

// Delivers one notification to one receiver, once (retries are the outbox's). An interface
// so the outbox's tests can script outcomes; thread-safe.
class Sender {
 public:
  virtual ~Sender() = default;
  virtual Attempt send(const ReceiverSpec& spec, const Notification& n) = 0;
};

// The real channels: HTTP ones through the outbound client, email through libcurl's SMTP.
// A 2xx answer is delivered; anything else (and every transport error) is a failure.
class ChannelSender final : public Sender {
 public:
  ChannelSender(net::OutboundClient& client, const Clock& clock) : client_(client), clock_(clock) {}
  Attempt send(const ReceiverSpec& spec, const Notification& n) override;

 private:
  net::OutboundClient& client_;
  const Clock& clock_;
};

// A notification with one firing alert, for POST /api/v1/receivers/{name}/test.
Notification sampleNotification(const std::string& receiver, const std::string& externalUrl,
                                WallTime now);

// What `spec` would send for `n`: {"receiver", "type", "request": {"method", "url", "headers",
// "body"}} for HTTP channels, {"receiver", "type", "email": "<the message>"} for email, plus
// "template_error" when a template failed. Secrets are "[redacted]". With `sender`, the
// message is also sent and "attempt" says how it went (see attemptToJson).
nlohmann::json preview(const ReceiverSpec& spec, const Notification& n, Sender* sender,
                       WallTime now);

nlohmann::json attemptToJson(const Attempt& a);

}  // namespace pharos::notify
