#include "notify/channels.h"

#include "notify/channel_builders.h"

namespace pharos::notify {

namespace channel {

std::string joinUrl(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/')
    base.remove_suffix(1);
  while (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  return std::string(base) + "/" + std::string(path);
}

void setJson(HttpCall& call, const nlohmann::json& body) {
  call.request.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  call.request.headers.emplace_back("Content-Type", "application/json");
}

}  // namespace channel

std::string groupIncidentKey(const Notification& n) {
  return "pharos-" + stableHex(n.groupKey.empty() ? n.id : n.groupKey);
}

Result<HttpCall> buildHttpCall(const ReceiverSpec& spec, const Notification& n) {
  HttpCall call;
  call.request.method = "POST";
  call.request.url = spec.url;
  using enum ReceiverType;
  if (spec.type == kEmail) {
    return makeError(ErrorCode::kInvalidArgument, "an email receiver is not sent over HTTP");
  }
  if (spec.type == kWebhook) {
    channel::webhook(spec, n, call);
  } else if (spec.type == kAlertmanager) {
    channel::alertmanager(spec, n, call);
  } else {
    RenderedMessage m = renderMessage(spec, n);
    call.templateError = m.templateError;
    switch (spec.type) {
      case kSlack:
        channel::slack(spec, m, n, call);
        break;
      case kDiscord:
        channel::discord(spec, m, n, call);
        break;
      case kTeams:
        channel::teams(spec, m, n, call);
        break;
      case kTelegram:
        channel::telegram(spec, m, n, call);
        break;
      case kNtfy:
        channel::ntfy(spec, m, n, call);
        break;
      case kPagerDuty:
        channel::pagerduty(spec, m, n, call);
        break;
      case kOpsgenie:
        channel::opsgenie(spec, m, n, call);
        break;
      default:
        break;
    }
  }
  net::OutboundRequest& r = call.request;
  if (!n.idempotencyKey.empty()) r.headers.emplace_back("Idempotency-Key", n.idempotencyKey);
  r.headers.emplace_back("User-Agent", "Pharos-Notify/1");
  r.purpose = net::OutboundPurpose::kReceivers;
  r.timeout = spec.timeout;
  // A receiver answers where it was asked; following a redirect could carry the payload (and
  // its credentials) somewhere nobody configured.
  r.maxRedirects = 0;
  r.maxBodyBytes = 64 * 1024;
  r.tls.caFile = spec.caFile;
  return call;
}

}  // namespace pharos::notify
