#include <fmt/format.h>

#include "notify/channel_builders.h"
#include "notify/notification_json.h"

namespace pharos::notify::channel {

void webhook(const ReceiverSpec& spec, const Notification& n, HttpCall& call) {
  nlohmann::json payload = alertmanagerWebhookPayload(n, spec.name);
  std::string body;
  if (spec.body) {
    auto rendered = spec.body->render(templateData(n, spec.name));
    if (!rendered.ok()) {
      call.templateError = fmt::format("body: {}", rendered.error().message);
    } else if (!nlohmann::json::accept(*rendered)) {
      // A body template that does not give JSON would be refused by the receiver every time.
      call.templateError = "body: the template's output is not JSON";
    } else {
      body = std::move(rendered).value();
    }
  }
  if (body.empty()) {
    setJson(call, payload);
  } else {
    call.request.body = std::move(body);
    call.request.headers.emplace_back("Content-Type", "application/json");
  }
  for (const auto& [k, v] : spec.headers)
    call.request.headers.emplace_back(k, v);
  if (!spec.bearerToken.empty()) {
    call.request.headers.emplace_back("Authorization", "Bearer " + spec.bearerToken.reveal());
  }
}

void alertmanager(const ReceiverSpec& spec, const Notification& n, HttpCall& call) {
  // Alertmanager's postable alerts: it takes over grouping, routing and silencing. A firing
  // alert is sent without endsAt, so Alertmanager applies its resolve_timeout.
  nlohmann::json alerts = nlohmann::json::array();
  for (const AlertInfo& a : n.alerts) {
    nlohmann::json ja = {{"labels", labelsToJson(a.labels)},
                         {"annotations", labelsToJson(a.annotations)},
                         {"startsAt", formatRfc3339(a.startsAt)},
                         {"generatorURL", a.generatorUrl}};
    if (!a.firing) ja["endsAt"] = formatRfc3339(a.endsAt.value_or(n.createdAt));
    alerts.push_back(std::move(ja));
  }
  call.request.url = joinUrl(spec.url, "api/v2/alerts");
  setJson(call, alerts);
  if (!spec.bearerToken.empty()) {
    call.request.headers.emplace_back("Authorization", "Bearer " + spec.bearerToken.reveal());
  }
}

}  // namespace pharos::notify::channel
