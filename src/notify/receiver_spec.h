#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/config/node.h"
#include "core/config/node_reader.h"
#include "core/secret.h"
#include "notify/template.h"

namespace pharos::notify {

enum class ReceiverType {
  kWebhook,
  kSlack,
  kDiscord,
  kTeams,
  kPagerDuty,
  kOpsgenie,
  kNtfy,
  kTelegram,
  kAlertmanager,
  kEmail,
};

std::string_view receiverTypeName(ReceiverType type);
std::optional<ReceiverType> parseReceiverType(std::string_view name);

// One receiver as defined, in the config's `receivers:` list or a /api/v1/receivers body:
// the same fields in both, read by parseReceiverSpec. Fields a type does not use are refused
// when given. Credentials are Secrets (see receiverToJson); for Slack, Discord and Teams the
// webhook URL itself is the credential and is treated as one.
struct ReceiverSpec {
  std::string name;  // [A-Za-z0-9._-], 1 to 128 characters
  ReceiverType type = ReceiverType::kWebhook;

  // The endpoint. webhook, ntfy (the topic URL), alertmanager (its base URL), slack, discord
  // and teams (the incoming-webhook URL) need one; pagerduty, opsgenie and telegram default to
  // the public API (so tests and proxies can point them elsewhere).
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // webhook
  Secret bearerToken;    // webhook, alertmanager: "Authorization: Bearer"; ntfy: `token`
  Secret routingKey;     // pagerduty
  Secret apiKey;         // opsgenie: "Authorization: GenieKey"
  Secret botToken;       // telegram
  std::string chatId;    // telegram
  std::string channel;   // slack: overrides the webhook's channel
  std::string username;  // slack, discord: the poster's name; email: the SMTP AUTH user
  std::string format = "attachments";  // slack: attachments | blocks
  std::string card = "messagecard";    // teams: messagecard | adaptive
  std::string severity = "critical";   // pagerduty: critical | error | warning | info
  std::string source = "pharos";       // pagerduty: payload.source
  std::string priority;                // opsgenie: P1..P5; ntfy: 1..5 or min..urgent
  std::vector<std::string> tags;       // opsgenie, ntfy

  // email
  std::vector<std::string> to;
  std::string from;
  std::string smarthost;     // host:port
  bool starttls = true;      // smtp:// upgraded with STARTTLS, required (refused without)
  bool implicitTls = false;  // `tls: true`: smtps://, TLS from the first byte
  Secret password;

  // Message templates (see template.h); absent: the built-in defaults (message.h).
  std::optional<Template> title;  // email: the Subject
  std::optional<Template> text;
  std::optional<Template> html;  // email
  std::optional<Template> body;  // webhook: the whole JSON body; default Alertmanager's v4

  bool sendResolved = true;
  Millis timeout{10'000};
  std::string caFile;  // PEM bundle to trust instead of the system's, for HTTPS and SMTP TLS

  // Whether the type posts over HTTP (everything but email).
  bool isHttp() const { return type != ReceiverType::kEmail; }
};

using ParsedReceiver = std::variant<ReceiverSpec, std::vector<config::FieldProblem>>;

// Reads one definition. `path` prefixes field names in problems ("notify.receivers[2]"); a
// template that does not parse is reported at its line and column.
ParsedReceiver parseReceiverSpec(const config::Node& node, std::string_view path = {});

// The definition with the field names the parser reads. Secrets (passwords, tokens, routing
// and API keys, the URLs of Slack, Discord and Teams) are "[redacted]" unless
// `withSecrets` (for storing it), so the API never shows them.
nlohmann::json receiverToJson(const ReceiverSpec& spec, bool withSecrets = false);

// A replacement body (PUT) with its secrets as a GET shows them, "[redacted]", made whole:
// each field that is a secret of `stored` (a password, token or key, a secret URL, a
// credential header) and is "[redacted]" in `body` takes the stored value, so a client can
// GET a receiver, change one field and PUT it back without resending credentials (the API
// never returns them). Only when `body` keeps the stored type: a secret is never carried over
// to another kind of receiver. `unresolved` names the fields still "[redacted]" afterwards
// (no stored secret to keep): the caller refuses them rather than store the placeholder as a
// credential.
struct KeptSecrets {
  nlohmann::json body;
  std::vector<std::string> unresolved;  // "password", "headers.X-Api-Key", ...
};
KeptSecrets keepRedactedSecrets(nlohmann::json body, const ReceiverSpec& stored);

// The strings of `spec` that must never appear in a log line or an attempt's error (the
// secret URL, the bot token, ...), for redactSecrets.
std::vector<std::string> secretValues(const ReceiverSpec& spec);
// `text` with every secret of `spec` replaced by "[redacted]".
std::string redactSecrets(const ReceiverSpec& spec, std::string text);

}  // namespace pharos::notify
