#include "notify/sender.h"

#include <fmt/format.h>

#include "core/ids.h"
#include "notify/channels.h"
#include "notify/email_message.h"
#include "notify/smtp_sender.h"

namespace pharos::notify {
namespace {

Millis since(const Clock& clock, MonoTime start) {
  return std::chrono::duration_cast<Millis>(clock.monotonic() - start);
}

bool isCredentialHeader(std::string_view name) {
  std::string lower;
  for (char c : name)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "authorization" || lower.find("key") != std::string::npos ||
         lower.find("token") != std::string::npos || lower.find("secret") != std::string::npos;
}

}  // namespace

Attempt ChannelSender::send(const ReceiverSpec& spec, const Notification& n) {
  Attempt a;
  MonoTime start = clock_.monotonic();
  if (spec.type == ReceiverType::kEmail) {
    RenderedMessage m = renderMessage(spec, n);
    a.templateError = m.templateError;
    auto sent = sendEmail(client_, spec, buildEmailMessage(spec, n, m, clock_.now()));
    a.duration = since(clock_, start);
    if (sent.ok()) {
      a.delivered = a.answered = true;
      a.status = *sent;
    } else {
      a.error = sent.error().message;
    }
    return a;
  }
  auto call = buildHttpCall(spec, n);
  if (!call.ok()) {
    a.error = call.error().message;
    return a;
  }
  a.templateError = call->templateError;
  auto response = client_.fetch(std::move(call->request));
  a.duration = since(clock_, start);
  if (!response.ok()) {
    a.error = redactSecrets(spec, response.error().message);
    return a;
  }
  a.answered = true;
  a.status = response->status;
  a.delivered = a.status >= 200 && a.status < 300;
  if (!a.delivered) a.error = fmt::format("the receiver answered HTTP {}", a.status);
  return a;
}

Notification sampleNotification(const std::string& receiver, const std::string& externalUrl,
                                WallTime now) {
  Notification n;
  n.id = newId(now);
  n.receiver = receiver;
  n.groupKey = "{}:{alertname=\"PharosTestNotification\"}";
  n.idempotencyKey = "test-" + n.id;
  n.firing = true;
  n.groupLabels = Labels{{"alertname", "PharosTestNotification"}};
  n.commonLabels = Labels{{"alertname", "PharosTestNotification"}, {"severity", "info"}};
  n.commonAnnotations = Labels{{"summary", "A test notification from Pharos"}};
  AlertInfo a;
  a.labels = n.commonLabels.with("instance", "pharos");
  a.annotations = n.commonAnnotations;
  a.firing = true;
  a.startsAt = now;
  a.generatorUrl = externalUrl;
  a.fingerprint = fmt::format("{:016x}", a.labels.hash());
  n.alerts.push_back(std::move(a));
  n.externalUrl = externalUrl;
  n.createdAt = now;
  return n;
}

nlohmann::json attemptToJson(const Attempt& a) {
  nlohmann::json j = {{"delivered", a.delivered},
                      {"answered", a.answered},
                      {"status", a.status},
                      {"duration_ms", a.duration.count()}};
  if (!a.error.empty()) j["error"] = a.error;
  if (!a.templateError.empty()) j["template_error"] = a.templateError;
  return j;
}

nlohmann::json preview(const ReceiverSpec& spec, const Notification& n, Sender* sender,
                       WallTime now) {
  nlohmann::json j = {{"receiver", spec.name}, {"type", receiverTypeName(spec.type)}};
  std::string templateError;
  if (spec.type == ReceiverType::kEmail) {
    RenderedMessage m = renderMessage(spec, n);
    templateError = m.templateError;
    j["email"] = redactSecrets(spec, buildEmailMessage(spec, n, m, now));
  } else {
    auto call = buildHttpCall(spec, n);
    if (call.ok()) {
      templateError = call->templateError;
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [k, v] : call->request.headers)
        headers[k] = isCredentialHeader(k) ? std::string(Secret::kRedacted) : v;
      j["request"] = {{"method", call->request.method},
                      {"url", redactSecrets(spec, call->request.url)},
                      {"headers", std::move(headers)},
                      {"body", redactSecrets(spec, call->request.body)}};
    } else {
      templateError = call.error().message;
    }
  }
  if (!templateError.empty()) j["template_error"] = templateError;
  if (sender != nullptr) j["attempt"] = attemptToJson(sender->send(spec, n));
  return j;
}

}  // namespace pharos::notify
