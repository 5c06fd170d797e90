#include "notify/channels.h"

#include <gtest/gtest.h>

#include "notify_test_util.h"

namespace pharos::notify {
namespace {

using nlohmann::json;
using testing::notification;
using testing::receiver;

std::string header(const net::OutboundRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

HttpCall build(const ReceiverSpec& spec, const Notification& n) {
  auto call = buildHttpCall(spec, n);
  EXPECT_TRUE(call.ok());
  return call.ok() ? *call : HttpCall{};
}

TEST(ChannelsTest, WebhookDefaultIsAlertmanagerV4) {
  Notification n = notification("n1", "hook");
  HttpCall c = build(receiver(R"({"name":"hook","type":"webhook","url":"http://127.0.0.1:9/in",
                                   "bearer_token":"tok","headers":{"X-Team":"ops"}})"),
                     n);
  EXPECT_EQ(c.request.method, "POST");
  EXPECT_EQ(c.request.url, "http://127.0.0.1:9/in");
  EXPECT_EQ(c.request.purpose, net::OutboundPurpose::kReceivers);
  EXPECT_EQ(c.request.maxRedirects, 0);
  EXPECT_EQ(header(c.request, "Idempotency-Key"), "n1-key");
  EXPECT_EQ(header(c.request, "Authorization"), "Bearer tok");
  EXPECT_EQ(header(c.request, "X-Team"), "ops");
  json body = json::parse(c.request.body);
  EXPECT_EQ(body["version"], "4");
  EXPECT_EQ(body["status"], "firing");
  EXPECT_EQ(body["receiver"], "hook");
  EXPECT_EQ(body["groupKey"], n.groupKey);
  EXPECT_EQ(body["commonLabels"]["severity"], "critical");
  EXPECT_EQ(body["externalURL"], "http://pharos.example");
  ASSERT_EQ(body["alerts"].size(), 1u);
  const json& a = body["alerts"][0];
  EXPECT_EQ(a["status"], "firing");
  EXPECT_EQ(a["labels"]["alertname"], "HighLatency");
  EXPECT_EQ(a["startsAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(a["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(a["fingerprint"], "0123456789abcdef");
  EXPECT_EQ(a["generatorURL"], "http://pharos.example/alerts/HighLatency");
}

TEST(ChannelsTest, WebhookBodyTemplateAndItsFallback) {
  Notification n = notification("n1", "hook");
  HttpCall c = build(receiver(R"({"name":"hook","type":"webhook","url":"http://x/in",
      "body":"{\"msg\": {{ .CommonLabels.alertname | json }}, \"n\": {{ len .Alerts }}}"})"),
                     n);
  EXPECT_EQ(json::parse(c.request.body), json::parse(R"({"msg":"HighLatency","n":1})"));
  EXPECT_TRUE(c.templateError.empty());

  HttpCall bad = build(
      receiver(
          R"({"name":"hook","type":"webhook","url":"http://x/in","body":"not json {{ .Status }}"})"),
      n);
  EXPECT_EQ(json::parse(bad.request.body)["version"], "4");
  EXPECT_NE(bad.templateError.find("not JSON"), std::string::npos);
}

TEST(ChannelsTest, SlackAttachmentsAndBlocks) {
  Notification n = notification("n1", "s");
  json a = json::parse(
      build(receiver(R"({"name":"s","type":"slack","url":"http://x/hook","channel":"#ops"})"), n)
          .request.body);
  EXPECT_EQ(a["channel"], "#ops");
  EXPECT_EQ(a["attachments"][0]["color"], "danger");
  EXPECT_EQ(a["attachments"][0]["title"], "[FIRING:1] HighLatency (HighLatency)");
  EXPECT_EQ(a["attachments"][0]["title_link"], "http://pharos.example");

  json b = json::parse(
      build(receiver(R"({"name":"s","type":"slack","url":"http://x/hook","format":"blocks"})"), n)
          .request.body);
  EXPECT_EQ(b["blocks"][0]["type"], "header");
  EXPECT_EQ(b["blocks"][1]["text"]["type"], "mrkdwn");
  EXPECT_TRUE(b["text"].is_string());
}

TEST(ChannelsTest, DiscordAndTeams) {
  Notification n = notification("n1", "d");
  json d = json::parse(
      build(receiver(R"({"name":"d","type":"discord","url":"http://x/api/webhooks/1/t"})"), n)
          .request.body);
  EXPECT_EQ(d["embeds"][0]["title"], "[FIRING:1] HighLatency (HighLatency)");
  EXPECT_EQ(d["embeds"][0]["color"], 0xE01E5A);

  json mc = json::parse(
      build(receiver(R"({"name":"t","type":"teams","url":"http://x/t"})"), n).request.body);
  EXPECT_EQ(mc["@type"], "MessageCard");
  EXPECT_EQ(mc["title"], "[FIRING:1] HighLatency (HighLatency)");

  json ac = json::parse(
      build(receiver(R"({"name":"t","type":"teams","url":"http://x/t","card":"adaptive"})"), n)
          .request.body);
  EXPECT_EQ(ac["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
  EXPECT_EQ(ac["attachments"][0]["content"]["type"], "AdaptiveCard");
}

TEST(ChannelsTest, PagerDutyTriggersAndResolvesTheSameIncident) {
  ReceiverSpec pd = receiver(
      R"({"name":"pd","type":"pagerduty","routing_key":"RK","url":"http://127.0.0.1:9/v2/enqueue","severity":"warning"})");
  Notification firing = notification("n1", "pd");
  json t = json::parse(build(pd, firing).request.body);
  EXPECT_EQ(t["routing_key"], "RK");
  EXPECT_EQ(t["event_action"], "trigger");
  EXPECT_EQ(t["payload"]["severity"], "warning");
  EXPECT_EQ(t["payload"]["source"], "pharos");
  EXPECT_EQ(t["payload"]["summary"], "[FIRING:1] HighLatency (HighLatency)");

  Notification resolved = notification("n2", "pd", false);
  json r = json::parse(build(pd, resolved).request.body);
  EXPECT_EQ(r["event_action"], "resolve");
  EXPECT_EQ(r["dedup_key"], t["dedup_key"]);
  EXPECT_FALSE(r.contains("payload"));
}

TEST(ChannelsTest, OpsgenieCreatesAndClosesByAlias) {
  ReceiverSpec og = receiver(
      R"({"name":"og","type":"opsgenie","api_key":"GK","url":"http://127.0.0.1:9","priority":"P2","tags":["web"]})");
  HttpCall open = build(og, notification("n1", "og"));
  EXPECT_EQ(open.request.url, "http://127.0.0.1:9/v2/alerts");
  EXPECT_EQ(header(open.request, "Authorization"), "GenieKey GK");
  json body = json::parse(open.request.body);
  EXPECT_EQ(body["priority"], "P2");
  EXPECT_EQ(body["tags"], json::array({"web"}));
  std::string alias = body["alias"];
  HttpCall close = build(og, notification("n2", "og", false));
  EXPECT_EQ(close.request.url,
            "http://127.0.0.1:9/v2/alerts/" + alias + "/close?identifierType=alias");
}

TEST(ChannelsTest, NtfyTelegramAlertmanager) {
  Notification n = notification("n1", "x");
  HttpCall nt = build(receiver(R"({"name":"x","type":"ntfy","url":"http://127.0.0.1:9/alerts",
                                    "priority":"high","tags":["web"],"token":"tk"})"),
                      n);
  EXPECT_EQ(header(nt.request, "Title"), "[FIRING:1] HighLatency (HighLatency)");
  EXPECT_EQ(header(nt.request, "Priority"), "high");
  EXPECT_EQ(header(nt.request, "Tags"), "rotating_light,web");
  EXPECT_EQ(header(nt.request, "Authorization"), "Bearer tk");
  EXPECT_NE(nt.request.body.find("HighLatency on web-1"), std::string::npos);

  HttpCall tg = build(receiver(R"({"name":"x","type":"telegram","bot_token":"1:AB","chat_id":"42",
                                    "url":"http://127.0.0.1:9/"})"),
                      n);
  EXPECT_EQ(tg.request.url, "http://127.0.0.1:9/bot1:AB/sendMessage");
  json t = json::parse(tg.request.body);
  EXPECT_EQ(t["chat_id"], "42");
  EXPECT_EQ(t["parse_mode"], "HTML");
  EXPECT_EQ(t["text"].get<std::string>().rfind("<b>[FIRING:1] HighLatency (HighLatency)</b>\n", 0),
            0u);

  HttpCall am =
      build(receiver(R"({"name":"x","type":"alertmanager","url":"http://127.0.0.1:9093/"})"),
            notification("n2", "x", false));
  EXPECT_EQ(am.request.url, "http://127.0.0.1:9093/api/v2/alerts");
  json alerts = json::parse(am.request.body);
  ASSERT_TRUE(alerts.is_array());
  EXPECT_EQ(alerts[0]["labels"]["alertname"], "HighLatency");
  EXPECT_TRUE(alerts[0].contains("endsAt"));
}

TEST(ChannelsTest, EmailIsNotHttp) {
  ReceiverSpec mail = receiver(
      R"({"name":"m","type":"email","to":["a@x.org"],"from":"p@x.org","smarthost":"x.org:25"})");
  EXPECT_FALSE(buildHttpCall(mail, notification("n1", "m")).ok());
}

}  // namespace
}  // namespace pharos::notify
