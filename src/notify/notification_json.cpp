#include "notify/notification_json.h"

#include <ctime>

#include <fmt/format.h>

namespace pharos::notify {
namespace {

using nlohmann::json;

Result<Labels> labelsFromJson(const json& j, std::string_view what) {
  if (!j.is_object()) {
    return makeError(ErrorCode::kInvalidArgument, fmt::format("{}: expected an object", what));
  }
  std::vector<Label> out;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      return makeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}.{}: expected a string", what, k));
    }
    out.push_back({k, v.get<std::string>()});
  }
  return Labels::fromUnsorted(std::move(out));
}

std::string alertStatus(bool firing) {
  return firing ? "firing" : "resolved";
}

// Alertmanager writes the zero time for an alert that has not ended.
constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";

}  // namespace

std::string formatRfc3339(WallTime t) {
  int64_t ms = toUnixMillis(t);
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int millis = static_cast<int>(ms - secs * 1000);
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

json labelsToJson(const Labels& labels) {
  json j = json::object();
  for (const Label& l : labels)
    j[l.name] = l.value;
  return j;
}

json notificationToJson(const Notification& n) {
  json alerts = json::array();
  for (const AlertInfo& a : n.alerts) {
    json ja = {{"labels", labelsToJson(a.labels)},
               {"annotations", labelsToJson(a.annotations)},
               {"firing", a.firing},
               {"starts_at_ms", toUnixMillis(a.startsAt)},
               {"generator_url", a.generatorUrl},
               {"fingerprint", a.fingerprint}};
    if (a.endsAt) ja["ends_at_ms"] = toUnixMillis(*a.endsAt);
    alerts.push_back(std::move(ja));
  }
  return {{"id", n.id},
          {"receiver", n.receiver},
          {"fallback", n.fallback},
          {"group_key", n.groupKey},
          {"idempotency_key", n.idempotencyKey},
          {"firing", n.firing},
          {"group_labels", labelsToJson(n.groupLabels)},
          {"common_labels", labelsToJson(n.commonLabels)},
          {"common_annotations", labelsToJson(n.commonAnnotations)},
          {"alerts", std::move(alerts)},
          {"external_url", n.externalUrl},
          {"created_at_ms", toUnixMillis(n.createdAt)}};
}

Result<Notification> notificationFromJson(const json& j) {
  // nlohmann's typed getters throw on a wrong type; this is the boundary where they stop.
  try {
    if (!j.is_object()) return makeError(ErrorCode::kInvalidArgument, "expected an object");
    Notification n;
    n.id = j.at("id").get<std::string>();
    n.receiver = j.at("receiver").get<std::string>();
    n.fallback = j.value("fallback", "");
    n.groupKey = j.value("group_key", "");
    n.idempotencyKey = j.value("idempotency_key", "");
    n.firing = j.value("firing", true);
    PHAROS_ASSIGN_OR_RETURN(
        n.groupLabels, labelsFromJson(j.value("group_labels", json::object()), "group_labels"));
    PHAROS_ASSIGN_OR_RETURN(
        n.commonLabels, labelsFromJson(j.value("common_labels", json::object()), "common_labels"));
    PHAROS_ASSIGN_OR_RETURN(
        n.commonAnnotations,
        labelsFromJson(j.value("common_annotations", json::object()), "common_annotations"));
    for (const json& ja : j.value("alerts", json::array())) {
      AlertInfo a;
      PHAROS_ASSIGN_OR_RETURN(a.labels,
                              labelsFromJson(ja.value("labels", json::object()), "labels"));
      PHAROS_ASSIGN_OR_RETURN(
          a.annotations, labelsFromJson(ja.value("annotations", json::object()), "annotations"));
      a.firing = ja.value("firing", true);
      a.startsAt = fromUnixMillis(ja.value("starts_at_ms", int64_t{0}));
      if (ja.contains("ends_at_ms")) a.endsAt = fromUnixMillis(ja.at("ends_at_ms").get<int64_t>());
      a.generatorUrl = ja.value("generator_url", "");
      a.fingerprint = ja.value("fingerprint", "");
      n.alerts.push_back(std::move(a));
    }
    n.externalUrl = j.value("external_url", "");
    n.createdAt = fromUnixMillis(j.value("created_at_ms", int64_t{0}));
    return n;
  } catch (const json::exception& e) {
    return makeError(ErrorCode::kInvalidArgument, fmt::format("not a notification: {}", e.what()));
  }
}

json templateData(const Notification& n, std::string_view receiver) {
  json alerts = json::array();
  for (const AlertInfo& a : n.alerts) {
    alerts.push_back({{"Status", alertStatus(a.firing)},
                      {"Labels", labelsToJson(a.labels)},
                      {"Annotations", labelsToJson(a.annotations)},
                      {"StartsAt", formatRfc3339(a.startsAt)},
                      {"EndsAt", a.endsAt ? formatRfc3339(*a.endsAt) : std::string(kZeroTime)},
                      {"GeneratorURL", a.generatorUrl},
                      {"Fingerprint", a.fingerprint}});
  }
  return {{"Receiver", receiver},
          {"Status", alertStatus(n.firing)},
          {"Alerts", std::move(alerts)},
          {"GroupLabels", labelsToJson(n.groupLabels)},
          {"CommonLabels", labelsToJson(n.commonLabels)},
          {"CommonAnnotations", labelsToJson(n.commonAnnotations)},
          {"ExternalURL", n.externalUrl},
          {"GroupKey", n.groupKey}};
}

json alertmanagerWebhookPayload(const Notification& n, std::string_view receiver) {
  json alerts = json::array();
  for (const AlertInfo& a : n.alerts) {
    alerts.push_back({{"status", alertStatus(a.firing)},
                      {"labels", labelsToJson(a.labels)},
                      {"annotations", labelsToJson(a.annotations)},
                      {"startsAt", formatRfc3339(a.startsAt)},
                      {"endsAt", a.endsAt ? formatRfc3339(*a.endsAt) : std::string(kZeroTime)},
                      {"generatorURL", a.generatorUrl},
                      {"fingerprint", a.fingerprint}});
  }
  return {{"version", "4"},
          {"groupKey", n.groupKey},
          {"truncatedAlerts", 0},
          {"status", alertStatus(n.firing)},
          {"receiver", receiver},
          {"groupLabels", labelsToJson(n.groupLabels)},
          {"commonLabels", labelsToJson(n.commonLabels)},
          {"commonAnnotations", labelsToJson(n.commonAnnotations)},
          {"externalURL", n.externalUrl},
          {"alerts", std::move(alerts)}};
}

}  // namespace pharos::notify
