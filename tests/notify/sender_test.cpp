#include "notify/sender.h"

#include <gtest/gtest.h>

#include "fakes/webhook_receiver.h"
#include "net/outbound_client.h"
#include "notify_test_util.h"

namespace pharos::notify {
namespace {

using testing::notification;
using testing::receiver;

class SenderTest : public ::testing::Test {
 protected:
  net::OutboundPolicy policy_{config::Environment::kDev};
  net::OutboundClient client_{policy_, {}};
  ChannelSender sender_{client_, systemClock()};
};

TEST_F(SenderTest, PreviewRendersWithoutSendingAndRedacts) {
  pharos::testing::WebhookReceiver hook;
  ReceiverSpec slack = receiver(R"({"name":"s","type":"slack","url":")" + hook.url() + R"("})");
  Notification sample = sampleNotification("s", "http://pharos.example", systemClock().now());
  nlohmann::json p = preview(slack, sample, nullptr, systemClock().now());
  EXPECT_EQ(p["type"], "slack");
  EXPECT_EQ(p["request"]["url"], "[redacted]");
  EXPECT_EQ(p["request"]["method"], "POST");
  auto body = nlohmann::json::parse(p["request"]["body"].get<std::string>());
  EXPECT_EQ(body["attachments"][0]["title"],
            "[FIRING:1] PharosTestNotification (PharosTestNotification)");
  EXPECT_FALSE(p.contains("attempt"));
  EXPECT_EQ(hook.requests(), 0);

  nlohmann::json sent = preview(slack, sample, &sender_, systemClock().now());
  EXPECT_EQ(sent["attempt"]["delivered"], true);
  EXPECT_EQ(sent["attempt"]["status"], 200);
  EXPECT_EQ(hook.requests(), 1);
}

TEST_F(SenderTest, PreviewOfEmailShowsTheMessage) {
  ReceiverSpec mail = receiver(R"({"name":"m","type":"email","to":["a@x.org"],"from":"p@x.org",
                                   "smarthost":"127.0.0.1:25","password":"pw-secret"})");
  nlohmann::json p = preview(mail, notification("n1", "m"), nullptr, systemClock().now());
  std::string email = p["email"];
  EXPECT_NE(email.find("Subject: [FIRING:1] HighLatency"), std::string::npos);
  EXPECT_EQ(p.dump().find("pw-secret"), std::string::npos);
}

TEST_F(SenderTest, TemplateFailureAtSendTimeIsRecordedAndStillSends) {
  pharos::testing::WebhookReceiver hook;
  ReceiverSpec spec = receiver(R"({"name":"d","type":"discord","url":")" + hook.url() +
                               R"(","text":"{{ range .Status }}x{{ end }}"})");
  Attempt a = sender_.send(spec, notification("n1", "d"));
  EXPECT_TRUE(a.delivered) << a.error;
  EXPECT_NE(a.templateError.find("text: range can't iterate over string"), std::string::npos)
      << a.templateError;
  EXPECT_EQ(attemptToJson(a)["template_error"], a.templateError);
}

TEST_F(SenderTest, FailuresSayWhatHappenedWithoutSecrets) {
  pharos::testing::WebhookReceiver hook;
  hook.setMode(pharos::testing::WebhookReceiver::Mode::kFail);
  ReceiverSpec spec = receiver(R"({"name":"t","type":"teams","url":")" + hook.url() + R"("})");
  Attempt a = sender_.send(spec, notification("n1", "t"));
  EXPECT_FALSE(a.delivered);
  EXPECT_TRUE(a.answered);
  EXPECT_EQ(a.status, 500);
  EXPECT_EQ(a.error, "the receiver answered HTTP 500");

  ReceiverSpec closed = receiver(
      R"({"name":"t","type":"discord","url":"http://127.0.0.1:1/api/webhooks/SECRET-TOKEN","timeout":"1s"})");
  Attempt refused = sender_.send(closed, notification("n2", "t"));
  EXPECT_FALSE(refused.delivered);
  EXPECT_FALSE(refused.answered);
  EXPECT_EQ(refused.error.find("SECRET-TOKEN"), std::string::npos) << refused.error;
}

}  // namespace
}  // namespace pharos::notify
