#include "notify/receiver_spec.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "core/text.h"
#include "net/http.h"
#include "net/outbound_url.h"

namespace pharos::notify {
namespace {

using config::Node;

constexpr std::string_view kFields[] = {
    "name",      "type",     "url",     "headers",  "bearer_token", "routing_key", "api_key",
    "bot_token", "chat_id",  "channel", "username", "format",       "card",        "severity",
    "source",    "priority", "tags",    "to",       "from",         "smarthost",   "starttls",
    "tls",       "password", "title",   "text",     "html",         "body",        "send_resolved",
    "timeout",   "ca_file",  "token"};

constexpr std::string_view kTypeNames[] = {"webhook",      "slack",    "discord", "teams",
                                           "pagerduty",    "opsgenie", "ntfy",    "telegram",
                                           "alertmanager", "email"};

// Which fields each type reads; the common ones (name, type, send_resolved, timeout) apply
// to all.
bool fieldAppliesTo(std::string_view key, ReceiverType t) {
  using enum ReceiverType;
  if (key == "name" || key == "type" || key == "send_resolved" || key == "timeout" ||
      key == "ca_file") {
    return true;
  }
  if (key == "url") return t != kEmail;
  if (key == "headers" || key == "body") return t == kWebhook;
  if (key == "bearer_token") return t == kWebhook || t == kAlertmanager;
  if (key == "token") return t == kNtfy;
  if (key == "routing_key" || key == "severity" || key == "source") return t == kPagerDuty;
  if (key == "api_key") return t == kOpsgenie;
  if (key == "priority" || key == "tags") return t == kOpsgenie || t == kNtfy;
  if (key == "bot_token" || key == "chat_id") return t == kTelegram;
  if (key == "channel" || key == "format") return t == kSlack;
  if (key == "username") return t == kSlack || t == kDiscord || t == kEmail;
  if (key == "card") return t == kTeams;
  if (key == "to" || key == "from" || key == "smarthost" || key == "starttls" || key == "tls" ||
      key == "password" || key == "html") {
    return t == kEmail;
  }
  if (key == "title" || key == "text") return t != kWebhook && t != kAlertmanager;
  return false;
}

bool urlIsSecret(ReceiverType t) {
  return t == ReceiverType::kSlack || t == ReceiverType::kDiscord || t == ReceiverType::kTeams;
}

bool isCredentialHeader(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), asciiLower);
  return lower == "authorization" || lower == "proxy-authorization" || lower == "cookie" ||
         lower.find("key") != std::string::npos || lower.find("token") != std::string::npos ||
         lower.find("secret") != std::string::npos;
}

class Reader : public config::NodeReader {
 public:
  using NodeReader::NodeReader;

  void secret(const Node& v, const std::string& f, Secret& out) {
    std::string s;
    if (string(v, f, s)) out = Secret(std::move(s));
  }

  void oneOf(const Node& v, const std::string& f, std::string& out,
             std::initializer_list<std::string_view> allowed) {
    std::string s;
    if (!string(v, f, s)) return;
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed)
        list += (list.empty() ? "" : ", ") + std::string(a);
      problem(v, f, fmt::format("{}: '{}' is not one of {}", f, v.shown(), list));
      return;
    }
    out = std::move(s);
  }

  void templ(const Node& v, const std::string& f, std::optional<Template>& out) {
    std::string text;
    if (!string(v, f, text)) return;
    auto parsed = Template::parse(text);
    if (auto* t = std::get_if<Template>(&parsed)) {
      out = std::move(*t);
      return;
    }
    const auto& e = std::get<TemplateError>(parsed);
    auto [line, column] = lineColumnOf(text, e.offset);
    Node at = v;
    if (text.find('\n') == std::string::npos) {
      std::tie(at.line, at.column) = v.positionOf(e.offset);
    } else if (at.line > 0) {
      at.line += line - 1;  // a block scalar: its text starts below the key
      at.column = column;
    }
    problem(at, f, fmt::format("{}: template line {}, column {}: {}", f, line, column, e.message));
  }

  void url(const Node& v, const std::string& f, std::string& out, bool secretUrl) {
    std::string s;
    if (!string(v, f, s)) return;
    auto parsed = net::parseOutboundUrl(s);
    if (!parsed.ok()) {
      // The message of a secret URL must not repeat it.
      problem(v, f,
              secretUrl ? fmt::format("{}: not an http:// or https:// URL", f)
                        : fmt::format("{}: {}", f, parsed.error().message));
      return;
    }
    out = std::move(s);
  }
};

void readField(Reader& r, std::string_view key, const Node& v, ReceiverSpec& s) {
  std::string f = r.field(key);
  if (key == "name") {
    r.name(v, f, s.name);
  } else if (key == "url") {
    r.url(v, f, s.url, urlIsSecret(s.type));
  } else if (key == "headers") {
    r.map(v, f, [&](const std::string& name, const Node& value) {
      std::string hf = fmt::format("{}.{}", f, name);
      std::string text;
      r.string(value, hf, text);
      if (!net::isHttpToken(name)) r.problem(value, hf, fmt::format("{}: not a header name", hf));
      if (!net::isHttpFieldValue(text))
        r.problem(value, hf, fmt::format("{}: not a header value", hf));
      s.headers.emplace_back(name, std::move(text));
    });
  } else if (key == "bearer_token" || key == "token") {
    r.secret(v, f, s.bearerToken);
  } else if (key == "routing_key") {
    r.secret(v, f, s.routingKey);
  } else if (key == "api_key") {
    r.secret(v, f, s.apiKey);
  } else if (key == "bot_token") {
    r.secret(v, f, s.botToken);
  } else if (key == "password") {
    r.secret(v, f, s.password);
  } else if (key == "chat_id") {
    r.string(v, f, s.chatId);
  } else if (key == "channel") {
    r.string(v, f, s.channel);
  } else if (key == "username") {
    r.string(v, f, s.username);
  } else if (key == "format") {
    r.oneOf(v, f, s.format, {"attachments", "blocks"});
  } else if (key == "card") {
    r.oneOf(v, f, s.card, {"messagecard", "adaptive"});
  } else if (key == "severity") {
    r.oneOf(v, f, s.severity, {"critical", "error", "warning", "info"});
  } else if (key == "source") {
    r.string(v, f, s.source);
  } else if (key == "priority") {
    if (s.type == ReceiverType::kOpsgenie) {
      r.oneOf(v, f, s.priority, {"P1", "P2", "P3", "P4", "P5"});
    } else {
      r.oneOf(v, f, s.priority,
              {"1", "2", "3", "4", "5", "min", "low", "default", "high", "max", "urgent"});
    }
  } else if (key == "tags") {
    r.strings(v, f, s.tags);
  } else if (key == "to") {
    if (v.isScalar()) {
      // "a@x, b@y" as Alertmanager writes it.
      std::string all = v.scalar;
      size_t start = 0;
      while (start <= all.size()) {
        size_t comma = all.find(',', start);
        std::string_view one = trimSpaces(std::string_view(all).substr(
            start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!one.empty()) s.to.emplace_back(one);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      r.strings(v, f, s.to);
    }
  } else if (key == "from") {
    r.string(v, f, s.from);
  } else if (key == "smarthost") {
    r.string(v, f, s.smarthost);
    auto target = net::parseOutboundTarget(s.smarthost);
    if (!s.smarthost.empty() && (!target.ok() || s.smarthost.find("://") != std::string::npos ||
                                 s.smarthost.rfind(':') == std::string::npos)) {
      r.problem(v, f, fmt::format("{}: expected host:port, got '{}'", f, v.shown()));
    }
  } else if (key == "starttls") {
    r.boolean(v, f, s.starttls);
  } else if (key == "tls") {
    r.boolean(v, f, s.implicitTls);
  } else if (key == "title") {
    r.templ(v, f, s.title);
  } else if (key == "text") {
    r.templ(v, f, s.text);
  } else if (key == "html") {
    r.templ(v, f, s.html);
  } else if (key == "body") {
    r.templ(v, f, s.body);
  } else if (key == "send_resolved") {
    r.boolean(v, f, s.sendResolved);
  } else if (key == "timeout") {
    r.duration(v, f, s.timeout, Millis(100), Millis(120'000));
  } else if (key == "ca_file") {
    r.string(v, f, s.caFile);
  }
}

void checkRequired(Reader& r, const Node& node, const ReceiverSpec& s) {
  auto require = [&](bool present, std::string_view key, std::string_view what) {
    if (!present) {
      r.problem(
          node, r.field(key),
          fmt::format("{}: a {} receiver needs {}", r.field(key), receiverTypeName(s.type), what));
    }
  };
  using enum ReceiverType;
  switch (s.type) {
    case kWebhook:
    case kSlack:
    case kDiscord:
    case kTeams:
    case kNtfy:
    case kAlertmanager:
      require(node.find("url") != nullptr, "url", "a url");
      break;
    case kPagerDuty:
      require(!s.routingKey.empty(), "routing_key", "a routing_key (Events API v2)");
      break;
    case kOpsgenie:
      require(!s.apiKey.empty(), "api_key", "an api_key");
      break;
    case kTelegram:
      require(!s.botToken.empty(), "bot_token", "a bot_token");
      require(!s.chatId.empty(), "chat_id", "a chat_id");
      break;
    case kEmail:
      require(!s.to.empty(), "to", "at least one address in to");
      require(!s.from.empty(), "from", "a from address");
      require(!s.smarthost.empty(), "smarthost", "a smarthost (host:port)");
      if (s.implicitTls && node.find("starttls") && s.starttls) {
        r.problem(node, r.field("tls"),
                  fmt::format("{}: tls (smtps) and starttls exclude each other", r.field("tls")));
      }
      break;
  }
}

}  // namespace

std::string_view receiverTypeName(ReceiverType type) {
  return kTypeNames[static_cast<size_t>(type)];
}

std::optional<ReceiverType> parseReceiverType(std::string_view name) {
  for (size_t i = 0; i < std::size(kTypeNames); ++i)
    if (kTypeNames[i] == name) return static_cast<ReceiverType>(i);
  return std::nullopt;
}

ParsedReceiver parseReceiverSpec(const Node& node, std::string_view path) {
  Reader r(path);
  ReceiverSpec s;
  if (!node.isMap()) {
    r.problem(node, std::string(path),
              fmt::format("{}: expected a receiver definition (a mapping)",
                          path.empty() ? "body" : path));
    return r.take();
  }
  // The type first: which fields apply, and whether the URL is a secret, depend on it.
  bool typed = false;
  if (const Node* type = node.find("type")) {
    std::string text;
    r.string(*type, r.field("type"), text);
    if (auto t = parseReceiverType(text)) {
      s.type = *t;
      typed = true;
    } else if (type->isScalar()) {
      r.problem(*type, r.field("type"),
                fmt::format("{}: unknown type '{}' (expected webhook, slack, discord, teams, "
                            "pagerduty, opsgenie, ntfy, telegram, alertmanager or email)",
                            r.field("type"), type->shown()));
    }
  } else {
    r.problem(node, r.field("type"), fmt::format("{}: a receiver needs a type", r.field("type")));
  }
  for (const auto& [key, value] : node.members) {
    if (!r.knownField(key, value, kFields) || key == "type") continue;
    if (typed && !fieldAppliesTo(key, s.type)) {
      r.problem(
          value, r.field(key),
          fmt::format("{}: not a field of a {} receiver", r.field(key), receiverTypeName(s.type)));
      continue;
    }
    readField(r, key, value, s);
  }
  if (!node.find("name")) {
    r.problem(node, r.field("name"), fmt::format("{}: a receiver needs a name", r.field("name")));
  }
  if (typed) checkRequired(r, node, s);
  if (s.implicitTls && !node.find("starttls")) s.starttls = false;
  if (!r.ok()) return r.take();
  using enum ReceiverType;
  if (s.url.empty()) {
    if (s.type == kPagerDuty) s.url = "https://events.pagerduty.com/v2/enqueue";
    if (s.type == kOpsgenie) s.url = "https://api.opsgenie.com";
    if (s.type == kTelegram) s.url = "https://api.telegram.org";
  }
  return s;
}

nlohmann::json receiverToJson(const ReceiverSpec& s, bool withSecrets) {
  using enum ReceiverType;
  auto secret = [&](const Secret& v) -> std::string {
    return withSecrets ? v.reveal() : std::string(Secret::kRedacted);
  };
  nlohmann::json j;
  j["name"] = s.name;
  j["type"] = receiverTypeName(s.type);
  if (s.type != kEmail) {
    j["url"] = urlIsSecret(s.type) && !withSecrets ? std::string(Secret::kRedacted) : s.url;
  }
  auto tmpl = [&](std::string_view key, const std::optional<Template>& t) {
    if (t) j[key] = t->source();
  };
  switch (s.type) {
    case kWebhook: {
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [k, v] : s.headers)
        headers[k] = isCredentialHeader(k) && !withSecrets ? std::string(Secret::kRedacted) : v;
      j["headers"] = headers;
      if (!s.bearerToken.empty()) j["bearer_token"] = secret(s.bearerToken);
      tmpl("body", s.body);
      break;
    }
    case kAlertmanager:
      if (!s.bearerToken.empty()) j["bearer_token"] = secret(s.bearerToken);
      break;
    case kSlack:
      if (!s.channel.empty()) j["channel"] = s.channel;
      if (!s.username.empty()) j["username"] = s.username;
      j["format"] = s.format;
      break;
    case kDiscord:
      if (!s.username.empty()) j["username"] = s.username;
      break;
    case kTeams:
      j["card"] = s.card;
      break;
    case kPagerDuty:
      j["routing_key"] = secret(s.routingKey);
      j["severity"] = s.severity;
      j["source"] = s.source;
      break;
    case kOpsgenie:
      j["api_key"] = secret(s.apiKey);
      if (!s.priority.empty()) j["priority"] = s.priority;
      j["tags"] = s.tags;
      break;
    case kNtfy:
      if (!s.bearerToken.empty()) j["token"] = secret(s.bearerToken);
      if (!s.priority.empty()) j["priority"] = s.priority;
      j["tags"] = s.tags;
      break;
    case kTelegram:
      j["bot_token"] = secret(s.botToken);
      j["chat_id"] = s.chatId;
      break;
    case kEmail:
      j["to"] = s.to;
      j["from"] = s.from;
      j["smarthost"] = s.smarthost;
      j["starttls"] = s.starttls;
      j["tls"] = s.implicitTls;
      if (!s.username.empty()) j["username"] = s.username;
      if (!s.password.empty()) j["password"] = secret(s.password);
      tmpl("html", s.html);
      break;
  }
  tmpl("title", s.title);
  tmpl("text", s.text);
  j["send_resolved"] = s.sendResolved;
  j["timeout"] = config::formatDuration(s.timeout);
  if (!s.caFile.empty()) j["ca_file"] = s.caFile;
  return j;
}

KeptSecrets keepRedactedSecrets(nlohmann::json body, const ReceiverSpec& stored) {
  using nlohmann::json;
  KeptSecrets out;
  auto redacted = [](const json& v) {
    return v.is_string() && v.get_ref<const std::string&>() == Secret::kRedacted;
  };
  auto type = body.is_object() ? body.find("type") : body.end();
  bool sameType = body.is_object() && type != body.end() && type->is_string() &&
                  type->get<std::string>() == receiverTypeName(stored.type);
  // Where the stored definition shows "[redacted]", its value is a secret: that one is kept.
  json shown = sameType ? receiverToJson(stored) : json::object();
  json full = sameType ? receiverToJson(stored, /*withSecrets=*/true) : json::object();
  auto keep = [&](json& value, const json& shownFields, const json& fullFields,
                  const std::string& key, std::string field) {
    if (!redacted(value)) return;
    if (shownFields.contains(key) && redacted(shownFields[key])) {
      value = fullFields[key];
    } else {
      out.unresolved.push_back(std::move(field));
    }
  };
  if (body.is_object()) {
    for (auto& [key, value] : body.items()) {
      if (key == "headers" && value.is_object()) {
        json shownHeaders = shown.value("headers", json::object());
        json fullHeaders = full.value("headers", json::object());
        for (auto& [name, header] : value.items())
          keep(header, shownHeaders, fullHeaders, name, "headers." + name);
      } else {
        keep(value, shown, full, key, key);
      }
    }
  }
  out.body = std::move(body);
  return out;
}

std::vector<std::string> secretValues(const ReceiverSpec& s) {
  std::vector<std::string> out;
  for (const Secret* v : {&s.bearerToken, &s.routingKey, &s.apiKey, &s.botToken, &s.password})
    if (!v->empty()) out.push_back(v->reveal());
  if (urlIsSecret(s.type) && !s.url.empty()) out.push_back(s.url);
  for (const auto& [k, v] : s.headers)
    if (isCredentialHeader(k) && !v.empty()) out.push_back(v);
  // Longest first, so a URL is replaced whole before a token inside it.
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

std::string redactSecrets(const ReceiverSpec& spec, std::string text) {
  for (const std::string& secret : secretValues(spec)) {
    size_t at = 0;
    while ((at = text.find(secret, at)) != std::string::npos) {
      text.replace(at, secret.size(), Secret::kRedacted);
      at += Secret::kRedacted.size();
    }
  }
  return text;
}

}  // namespace pharos::notify
