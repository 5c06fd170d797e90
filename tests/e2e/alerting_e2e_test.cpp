// End-to-end alerting through the real binary: a check on a loopback port goes down, its
// `check` rule fires, routing groups it, and the durable outbox delivers it to a real webhook
// receiver, within two seconds of the failing result; then it resolves. Also an SLO and a
// silence made through the API.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "fakes/free_port.h"
#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "fakes/webhook_receiver.h"
#include "pharos_server.h"
#include "tcp_listener.h"

namespace pharos::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::chrono::system_clock::time_point parseTime(const std::string& rfc3339) {
  std::tm tm{};
  double seconds = 0;
  int consumed = 0;
  std::sscanf(rfc3339.c_str(), "%d-%d-%dT%d:%d:%lf%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
              &tm.tm_hour, &tm.tm_min, &seconds, &consumed);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_sec = 0;
  auto whole = std::chrono::system_clock::from_time_t(timegm(&tm));
  return whole + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                     std::chrono::duration<double>(seconds));
}

class AlertingE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    listener_ = std::make_unique<Listener>(checkPort_);
    // Failure threshold 1, as the figure is stated; a short group_interval so the resolved
    // notification follows within the test (the default is Alertmanager's 5m).
    std::ofstream(config_) << "env: dev\n"
                              "health:\n"
                              "  checks:\n"
                              "    - {name: api, type: tcp, host: 127.0.0.1, port: "
                           << checkPort_
                           << ", interval: 1s, timeout: 500ms,\n"
                              "       failure_threshold: 1, labels: {service: api}}\n"
                              "alerting:\n"
                              "  route: {receiver: ops, group_interval: 1s}\n"
                              "  rules:\n"
                              "    - {name: ApiDown, kind: check, check: api, severity: page,\n"
                              "       annotations: {summary: 'api is down'}}\n"
                              "notify:\n"
                              "  receivers:\n"
                              "    - {name: ops, type: webhook, url: '"
                           << hook_.url() << "'}\n";
    server_ =
        std::make_unique<Server>(dir_.file("data"), std::vector<std::string>{"--config", config_});
    ASSERT_NE(server_->port(), 0) << server_->process().output();
    ASSERT_FALSE(server_->adminKey().empty()) << server_->process().output();
  }

  json getJson(const std::string& path) {
    server_->process().running();  // keeps its log pipe drained
    auto r = httpGet(server_->port(), path, server_->authHeader());
    EXPECT_TRUE(r && r->status == 200) << path << ": " << (r ? r->body : "no answer");
    return r ? json::parse(r->body, nullptr, false) : json();
  }

  bool waitForCheck(const std::string& status, seconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      json c = getJson("/api/v1/checks/api");
      if (c.contains("state") && c["state"]["status"] == status) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  TempDir dir_;
  std::string config_ = dir_.file("pharos.yaml");
  uint16_t checkPort_ = freeLoopbackPort();
  std::unique_ptr<Listener> listener_;
  WebhookReceiver hook_;
  std::unique_ptr<Server> server_;
};

TEST_F(AlertingE2eTest, ADownCheckReachesTheWebhookWithinTwoSecondsThenResolves) {
  ASSERT_TRUE(waitForCheck("up", seconds(15))) << server_->process().output();
  listener_->close();

  ASSERT_TRUE(waitForCheck("down", seconds(15))) << server_->process().output();
  if (!hook_.waitForReceived(1, milliseconds(15'000))) {
    auto m = httpGet(server_->port(), "/metrics", server_->authHeader());
    ADD_FAILURE() << getJson("/api/v1/notifications").dump() << getJson("/api/v1/alerts").dump()
                  << (m ? m->body.substr(m->body.find("pharos_alerting")) : "");
    return;
  }
  auto first = hook_.received().front();
  json payload = json::parse(first.body);
  // Alertmanager's webhook payload v4.
  EXPECT_EQ(payload["version"], "4");
  EXPECT_EQ(payload["status"], "firing");
  EXPECT_EQ(payload["receiver"], "ops");
  ASSERT_EQ(payload["alerts"].size(), 1u);
  const json& alert = payload["alerts"][0];
  EXPECT_EQ(alert["labels"]["alertname"], "ApiDown");
  EXPECT_EQ(alert["labels"]["check"], "api");
  EXPECT_EQ(alert["labels"]["severity"], "page");
  EXPECT_EQ(alert["annotations"]["summary"], "api is down");
  // startsAt is the failing result's time: the figure is from there to the receiver.
  auto latency = first.at - parseTime(alert["startsAt"].get<std::string>());
  EXPECT_LT(latency, seconds(2)) << "from the failing result to the webhook took "
                                 << std::chrono::duration<double>(latency).count() << " s";
  std::printf("check down -> webhook: %.3f s\n", std::chrono::duration<double>(latency).count());

  // The API tells the same story.
  json alerts = getJson("/api/v1/alerts");
  ASSERT_EQ(alerts["data"].size(), 1u) << alerts.dump();
  EXPECT_EQ(alerts["data"][0]["state"], "firing");
  json history = getJson("/api/v1/alerts/history?rule=ApiDown");
  ASSERT_GE(history["data"].size(), 1u) << history.dump();
  EXPECT_EQ(history["data"][0]["to"], "firing");
  // The outbox records the outcome once the receiver's answer is back, a moment after the
  // receiver saw the request.
  json notifications;
  auto recorded = std::chrono::steady_clock::now() + seconds(5);
  do {
    notifications = getJson("/api/v1/notifications?receiver=ops");
  } while ((notifications["data"].empty() || notifications["data"][0]["status"] != "delivered") &&
           std::chrono::steady_clock::now() < recorded);
  ASSERT_GE(notifications["data"].size(), 1u) << notifications.dump();
  EXPECT_EQ(notifications["data"][0]["status"], "delivered");
  json incidents = getJson("/api/v1/incidents");
  ASSERT_EQ(incidents["data"].size(), 1u) << incidents.dump();

  // Back up: the resolved notification follows.
  listener_->open();
  ASSERT_TRUE(hook_.waitForReceived(2, milliseconds(15'000))) << server_->process().output();
  json resolved = json::parse(hook_.received()[1].body);
  EXPECT_EQ(resolved["status"], "resolved");
  EXPECT_EQ(resolved["alerts"][0]["status"], "resolved");
}

TEST_F(AlertingE2eTest, ASilenceMadeThroughTheApiKeepsThePageAway) {
  ASSERT_TRUE(waitForCheck("up", seconds(15))) << server_->process().output();
  auto created =
      httpPost(server_->port(), "/api/v1/silences",
               R"({"matchers": ["alertname=\"ApiDown\""], "ends_at": "2099-01-01T00:00:00Z",
                              "created_by": "e2e", "comment": "deploy"})",
               server_->authHeader());
  ASSERT_TRUE(created && created->status == 201) << (created ? created->body : "no answer");
  listener_->close();
  ASSERT_TRUE(waitForCheck("down", seconds(15)));
  // The alert fires (it is in the API) but nothing is sent.
  auto until = std::chrono::steady_clock::now() + seconds(3);
  bool firing = false;
  while (!firing && std::chrono::steady_clock::now() < until) {
    json alerts = getJson("/api/v1/alerts");
    firing = alerts["data"].size() == 1 && alerts["data"][0]["state"] == "firing";
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(firing);
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(hook_.received().size(), 0u);
}

TEST_F(AlertingE2eTest, AnSloMadeThroughTheApiReportsItsBudget) {
  ASSERT_TRUE(waitForCheck("up", seconds(15))) << server_->process().output();
  auto created =
      httpPost(server_->port(), "/api/v1/slos",
               R"({"name": "api-availability", "objective": 99.9, "window": "7d", "check": "api"})",
               server_->authHeader());
  ASSERT_TRUE(created && created->status == 201) << (created ? created->body : "no answer");
  json slo = json::parse(created->body);
  EXPECT_EQ(slo["spec"]["objective"], 99.9);
  EXPECT_EQ(slo["owner"], "api");
  auto bad = httpPost(server_->port(), "/api/v1/slos", R"({"name": "x", "objective": 120})",
                      server_->authHeader());
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  // A new SLO is evaluated at once.
  auto until = std::chrono::steady_clock::now() + seconds(15);
  json got;
  while (std::chrono::steady_clock::now() < until) {
    got = getJson("/api/v1/slos/api-availability");
    if (got.contains("events") && got["events"]["total"].get<double>() > 0) break;
    std::this_thread::sleep_for(milliseconds(500));
  }
  ASSERT_TRUE(got.contains("events")) << got.dump();
  EXPECT_GT(got["events"]["total"].get<double>(), 0) << got.dump();
  EXPECT_EQ(got["burn_rates"].size(), 4u);
  EXPECT_TRUE(got.contains("budget_over_time"));
}

}  // namespace
}  // namespace pharos::testing
