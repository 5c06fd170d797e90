#include <fmt/format.h>

#include "notify/channel_builders.h"
#include "notify/notification_json.h"

namespace pharos::notify::channel {
namespace {

using nlohmann::json;

std::pair<size_t, size_t> counts(const Notification& n) {
  size_t firing = 0;
  for (const AlertInfo& a : n.alerts)
    firing += a.firing ? 1 : 0;
  return {firing, n.alerts.size() - firing};
}

}  // namespace

void pagerduty(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
               HttpCall& call) {
  json body = {{"routing_key", spec.routingKey.reveal()},
               {"event_action", n.firing ? "trigger" : "resolve"},
               {"dedup_key", groupIncidentKey(n)}};
  if (n.firing) {
    auto [firing, resolved] = counts(n);
    json details = {{"firing", m.text},
                    {"num_firing", firing},
                    {"num_resolved", resolved},
                    {"group_labels", labelsToJson(n.groupLabels)}};
    // Events API v2: the summary is at most 1024 characters.
    body["payload"] = {{"summary", truncateUtf8(m.title, 1024)},
                       {"source", spec.source},
                       {"severity", spec.severity},
                       {"custom_details", std::move(details)}};
    body["client"] = "Pharos";
    if (!n.externalUrl.empty()) {
      body["client_url"] = n.externalUrl;
      body["links"] = json::array({{{"href", n.externalUrl}, {"text", "Pharos"}}});
    }
  }
  setJson(call, body);
}

void opsgenie(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
              HttpCall& call) {
  std::string alias = groupIncidentKey(n);
  call.request.headers.emplace_back("Authorization", "GenieKey " + spec.apiKey.reveal());
  if (!n.firing) {
    call.request.url =
        joinUrl(spec.url, fmt::format("v2/alerts/{}/close?identifierType=alias", alias));
    setJson(call, {{"source", "pharos"}, {"note", truncateUtf8(m.title, 25000)}});
    return;
  }
  call.request.url = joinUrl(spec.url, "v2/alerts");
  // Opsgenie's limits: message 130 characters, description 15000, alias 512.
  json body = {{"message", truncateUtf8(m.title, 130)},
               {"alias", alias},
               {"description", truncateUtf8(m.text, 15000)},
               {"source", "pharos"},
               {"tags", spec.tags},
               {"details", labelsToJson(n.commonLabels)}};
  if (!spec.priority.empty()) body["priority"] = spec.priority;
  setJson(call, body);
}

}  // namespace pharos::notify::channel
