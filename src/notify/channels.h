#pragma once

#include <string>

#include "core/result.h"
#include "net/outbound_client.h"
#include "notify/message.h"
#include "notify/notification.h"
#include "notify/receiver_spec.h"

namespace pharos::notify {

// One HTTP request to a receiver, ready for the outbound client.
struct HttpCall {
  net::OutboundRequest request;
  // Not empty when a template failed and the plain default text was sent instead.
  std::string templateError;
};

// Builds the request that delivers `n` to an HTTP receiver (every type but email), in the
// receiver's own API: Alertmanager's webhook v4 (or the `body` template), Slack's and
// Discord's and Teams' incoming webhooks, PagerDuty Events v2, Opsgenie's alert API, ntfy,
// Telegram's sendMessage, Alertmanager's /api/v2/alerts. Every request carries
// `Idempotency-Key: <n.idempotencyKey>` and uses OutboundPurpose::kReceivers.
// kInvalidArgument for an email receiver.
Result<HttpCall> buildHttpCall(const ReceiverSpec& spec, const Notification& n);

// PagerDuty's dedup_key and Opsgenie's alias: the same for every notification of one alert
// group, so a resolve closes what the trigger opened and a repeat does not open another.
std::string groupIncidentKey(const Notification& n);

}  // namespace pharos::notify
