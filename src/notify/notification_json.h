#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "notify/notification.h"

namespace pharos::notify {

// "2026-12-05T06:19:11.123Z": what every channel and the API write for a time.
std::string formatRfc3339(WallTime t);

// The outbox's encoding of a Notification: every field, times in Unix milliseconds.
// notificationFromJson is its inverse; kInvalidArgument for a body that is not one.
nlohmann::json notificationToJson(const Notification& n);
Result<Notification> notificationFromJson(const nlohmann::json& j);

// The data templates see: Alertmanager's template data (Receiver, Status, Alerts with
// Status/Labels/Annotations/StartsAt/EndsAt/GeneratorURL/Fingerprint, GroupLabels,
// CommonLabels, CommonAnnotations, ExternalURL, GroupKey), so Alertmanager templates work.
nlohmann::json templateData(const Notification& n, std::string_view receiver);

// Alertmanager's webhook payload, version 4: the generic webhook's default body.
nlohmann::json alertmanagerWebhookPayload(const Notification& n, std::string_view receiver);

// Labels as a JSON object.
nlohmann::json labelsToJson(const Labels& labels);

}  // namespace pharos::notify
