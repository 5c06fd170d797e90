#pragma once

// Notifications and parsed receivers for the notify tests.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/config/node_json.h"
#include "notify/notification.h"
#include "notify/receiver_spec.h"

namespace pharos::notify::testing {

inline AlertInfo alert(std::string name, std::string severity, bool firing, WallTime at) {
  AlertInfo a;
  a.labels = Labels{{"alertname", name}, {"severity", severity}, {"instance", "web-1"}};
  a.annotations = Labels{{"summary", name + " on web-1"}};
  a.firing = firing;
  a.startsAt = at;
  if (!firing) a.endsAt = at + Millis(60'000);
  a.generatorUrl = "http://pharos.example/alerts/" + name;
  a.fingerprint = "0123456789abcdef";
  return a;
}

inline Notification notification(std::string id, std::string receiver, bool firing = true,
                                 WallTime at = fromUnixMillis(1'700'000'000'000)) {
  Notification n;
  n.id = std::move(id);
  n.receiver = std::move(receiver);
  n.groupKey = "{}:{alertname=\"HighLatency\"}";
  n.idempotencyKey = n.id + "-key";
  n.firing = firing;
  n.groupLabels = Labels{{"alertname", "HighLatency"}};
  n.commonLabels = Labels{{"alertname", "HighLatency"}, {"severity", "critical"}};
  n.commonAnnotations = Labels{{"summary", "HighLatency on web-1"}};
  n.alerts.push_back(alert("HighLatency", "critical", firing, at));
  n.externalUrl = "http://pharos.example";
  n.createdAt = at;
  return n;
}

inline ParsedReceiver parseJson(std::string_view text) {
  return parseReceiverSpec(config::nodeFromJson(nlohmann::json::parse(text)));
}

inline ReceiverSpec receiver(std::string_view text) {
  ParsedReceiver parsed = parseJson(text);
  if (auto* problems = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
    ADD_FAILURE() << (problems->empty() ? "?" : problems->front().message);
    return {};
  }
  return std::get<ReceiverSpec>(std::move(parsed));
}

}  // namespace pharos::notify::testing
