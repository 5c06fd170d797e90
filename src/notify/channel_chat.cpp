#include <fmt/format.h>

#include "core/text.h"
#include "notify/channel_builders.h"

namespace pharos::notify::channel {
namespace {

using nlohmann::json;

// A header value cannot hold a line break; ntfy shows the title on one line anyway.
std::string oneLine(std::string_view s) {
  std::string out;
  for (char c : s)
    out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

}  // namespace

void slack(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
           HttpCall& call) {
  json body = json::object();
  if (!spec.channel.empty()) body["channel"] = spec.channel;
  if (!spec.username.empty()) body["username"] = spec.username;
  if (spec.format == "blocks") {
    // Block Kit limits: a header's text to 150 characters, a section's to 3000.
    body["text"] = truncateUtf8(m.title, 3000);  // notifications and clients without blocks
    json blocks = json::array();
    blocks.push_back({{"type", "header"},
                      {"text", {{"type", "plain_text"}, {"text", truncateUtf8(m.title, 150)}}}});
    blocks.push_back(
        {{"type", "section"},
         {"text",
          {{"type", "mrkdwn"}, {"text", truncateUtf8(m.text.empty() ? " " : m.text, 3000)}}}});
    if (!n.externalUrl.empty()) {
      blocks.push_back(
          {{"type", "context"},
           {"elements",
            json::array({{{"type", "mrkdwn"},
                          {"text", fmt::format("<{}|Open in Pharos>", n.externalUrl)}}})}});
    }
    body["blocks"] = std::move(blocks);
  } else {
    json attachment = {{"color", n.firing ? "danger" : "good"},
                       {"title", m.title},
                       {"text", m.text},
                       {"fallback", m.title},
                       {"mrkdwn_in", json::array({"text"})}};
    if (!n.externalUrl.empty()) attachment["title_link"] = n.externalUrl;
    body["attachments"] = json::array({std::move(attachment)});
  }
  setJson(call, body);
}

void discord(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
             HttpCall& call) {
  // Discord's limits: an embed title 256 characters, its description 4096.
  json embed = {{"title", truncateUtf8(m.title, 256)},
                {"description", truncateUtf8(m.text, 4096)},
                {"color", n.firing ? 0xE01E5A : 0x2EB67D}};
  if (!n.externalUrl.empty()) embed["url"] = n.externalUrl;
  json body = {{"content", ""}, {"embeds", json::array({std::move(embed)})}};
  if (!spec.username.empty()) body["username"] = spec.username;
  setJson(call, body);
}

void teams(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
           HttpCall& call) {
  if (spec.card == "adaptive") {
    json items = json::array({{{"type", "TextBlock"},
                               {"text", m.title},
                               {"weight", "Bolder"},
                               {"size", "Medium"},
                               {"wrap", true}},
                              {{"type", "TextBlock"}, {"text", m.text}, {"wrap", true}}});
    json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                 {"type", "AdaptiveCard"},
                 {"version", "1.4"},
                 {"body", std::move(items)}};
    if (!n.externalUrl.empty()) {
      card["actions"] = json::array(
          {{{"type", "Action.OpenUrl"}, {"title", "Open in Pharos"}, {"url", n.externalUrl}}});
    }
    setJson(call, {{"type", "message"},
                   {"attachments",
                    json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                  {"content", std::move(card)}}})}});
    return;
  }
  json card = {{"@type", "MessageCard"},
               {"@context", "https://schema.org/extensions"},
               {"themeColor", n.firing ? "E01E5A" : "2EB67D"},
               {"summary", m.title},
               {"title", m.title},
               {"text", m.text}};
  if (!n.externalUrl.empty()) {
    card["potentialAction"] =
        json::array({{{"@type", "OpenUri"},
                      {"name", "Open in Pharos"},
                      {"targets", json::array({{{"os", "default"}, {"uri", n.externalUrl}}})}}});
  }
  setJson(call, card);
}

void telegram(const ReceiverSpec& spec, const RenderedMessage& m, const Notification&,
              HttpCall& call) {
  call.request.url = joinUrl(spec.url, "bot" + spec.botToken.reveal() + "/sendMessage");
  // parse_mode HTML: the title is escaped; a custom text template writes HTML itself (and
  // escapes values with `| html`), the default text is escaped here.
  std::string text =
      "<b>" + htmlEscape(m.title) + "</b>\n" + (spec.text ? m.text : htmlEscape(m.text));
  setJson(call, {{"chat_id", spec.chatId},
                 {"text", truncateUtf8(text, 4096)},
                 {"parse_mode", "HTML"},
                 {"disable_web_page_preview", true}});
}

void ntfy(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
          HttpCall& call) {
  call.request.body = m.text;
  auto& h = call.request.headers;
  h.emplace_back("Content-Type", "text/plain; charset=utf-8");
  h.emplace_back("Title", oneLine(m.title));
  if (!spec.priority.empty()) h.emplace_back("Priority", spec.priority);
  std::string tags = n.firing ? "rotating_light" : "white_check_mark";
  for (const std::string& t : spec.tags)
    tags += "," + t;
  h.emplace_back("Tags", tags);
  if (!n.externalUrl.empty()) h.emplace_back("Click", n.externalUrl);
  if (!spec.bearerToken.empty()) {
    h.emplace_back("Authorization", "Bearer " + spec.bearerToken.reveal());
  }
}

}  // namespace pharos::notify::channel
