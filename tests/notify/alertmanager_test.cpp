// Pharos hands its alerts to a real Alertmanager (Debian's prometheus-alertmanager), which
// then owns routing; the test reads them back through Alertmanager's own API.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "e2e/process.h"
#include "fakes/free_port.h"
#include "fakes/temp_dir.h"
#include "net/outbound_client.h"
#include "notify/sender.h"
#include "notify_test_util.h"

namespace pharos::notify {
namespace {

using nlohmann::json;
using testing::notification;
using testing::receiver;

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";

TEST(AlertmanagerTest, AlertsArriveThroughApiV2) {
  if (::access(kAlertmanager, X_OK) != 0) {
    GTEST_SKIP() << "prometheus-alertmanager is not installed (scripts/setup.sh)";
  }
  pharos::testing::TempDir dir;
  {
    std::ofstream config(dir.file("alertmanager.yml"));
    config << "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n";
  }
  uint16_t port = pharos::testing::freeLoopbackPort();
  std::string listen = fmt::format("127.0.0.1:{}", port);
  pharos::testing::Process am({kAlertmanager, "--config.file=" + dir.file("alertmanager.yml"),
                               "--storage.path=" + dir.file("data"),
                               "--web.listen-address=" + listen, "--cluster.listen-address="});
  net::OutboundPolicy policy(config::Environment::kDev);
  net::OutboundClient client(policy, {});
  std::string base = "http://" + listen;
  bool ready = false;
  for (int i = 0; i < 100 && !ready; ++i) {
    net::OutboundRequest r;
    r.url = base + "/-/ready";
    auto got = client.fetch(r);
    ready = got.ok() && got->status == 200;
    if (!ready) std::this_thread::sleep_for(Millis(100));
  }
  ASSERT_TRUE(ready) << am.output();

  ChannelSender sender(client, systemClock());
  ReceiverSpec spec = receiver(R"({"name":"am","type":"alertmanager","url":")" + base + R"("})");
  Notification n = notification("n1", "am", true, systemClock().now() - Millis(60'000));
  Attempt a = sender.send(spec, n);
  ASSERT_TRUE(a.delivered) << a.error;
  EXPECT_EQ(a.status, 200);

  net::OutboundRequest get;
  get.url = base + "/api/v2/alerts";
  auto got = client.fetch(get);
  ASSERT_TRUE(got.ok());
  json alerts = json::parse(got->body);
  ASSERT_EQ(alerts.size(), 1u) << got->body;
  EXPECT_EQ(alerts[0]["labels"]["alertname"], "HighLatency");
  EXPECT_EQ(alerts[0]["labels"]["severity"], "critical");
  EXPECT_EQ(alerts[0]["annotations"]["summary"], "HighLatency on web-1");
  EXPECT_EQ(alerts[0]["generatorURL"], "http://pharos.example/alerts/HighLatency");
  EXPECT_EQ(alerts[0]["status"]["state"], "active");

  // The resolve ends it: Alertmanager no longer lists it as active.
  Notification resolved = notification("n2", "am", false, n.alerts[0].startsAt);
  resolved.alerts[0].endsAt = systemClock().now() - Millis(1'000);
  ASSERT_TRUE(sender.send(spec, resolved).delivered);
  get.url = base + "/api/v2/alerts?active=true&silenced=false&inhibited=false&unprocessed=true";
  auto after = client.fetch(get);
  ASSERT_TRUE(after.ok());
  json active = json::parse(after->body);
  for (const json& alert : active)
    EXPECT_NE(alert["labels"]["alertname"], "HighLatency") << after->body;
  am.signalAndWait(SIGTERM, std::chrono::seconds(5));
}

}  // namespace
}  // namespace pharos::notify
