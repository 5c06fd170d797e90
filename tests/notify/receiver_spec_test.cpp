#include "notify/receiver_spec.h"

#include <gtest/gtest.h>

#include "core/config/loader.h"
#include "notify_test_util.h"

namespace pharos::notify {
namespace {

using testing::parseJson;
using testing::receiver;

std::vector<config::FieldProblem> problems(std::string_view text) {
  ParsedReceiver parsed = parseJson(text);
  if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) return *p;
  ADD_FAILURE() << "parsed: " << text;
  return {};
}

bool mentions(const std::vector<config::FieldProblem>& ps, std::string_view field,
              std::string_view words) {
  for (const auto& p : ps)
    if (p.field == field && p.message.find(words) != std::string::npos) return true;
  return false;
}

TEST(ReceiverSpecTest, ReadsEachType) {
  ReceiverSpec w = receiver(
      R"({"name":"hook","type":"webhook","url":"http://127.0.0.1:9/x","headers":{"X-Team":"ops"},
          "bearer_token":"s3cret","timeout":"5s","send_resolved":false})");
  EXPECT_EQ(w.type, ReceiverType::kWebhook);
  EXPECT_EQ(w.url, "http://127.0.0.1:9/x");
  EXPECT_EQ(w.bearerToken.reveal(), "s3cret");
  EXPECT_EQ(w.timeout, Millis(5000));
  EXPECT_FALSE(w.sendResolved);

  ReceiverSpec pd = receiver(R"({"name":"pd","type":"pagerduty","routing_key":"R0UT1NG"})");
  EXPECT_EQ(pd.url, "https://events.pagerduty.com/v2/enqueue");
  EXPECT_EQ(pd.severity, "critical");

  ReceiverSpec mail = receiver(
      R"({"name":"mail","type":"email","to":"a@x.org, b@x.org","from":"Pharos <p@x.org>",
          "smarthost":"smtp.x.org:587","username":"p","password":"pw"})");
  EXPECT_EQ(mail.to, (std::vector<std::string>{"a@x.org", "b@x.org"}));
  EXPECT_TRUE(mail.starttls);
  EXPECT_FALSE(mail.implicitTls);

  ReceiverSpec smtps = receiver(
      R"({"name":"m2","type":"email","to":["a@x.org"],"from":"p@x.org","smarthost":"x.org:465","tls":true})");
  EXPECT_TRUE(smtps.implicitTls);
  EXPECT_FALSE(smtps.starttls);

  ReceiverSpec tg =
      receiver(R"({"name":"tg","type":"telegram","bot_token":"123:abc","chat_id":"-100"})");
  EXPECT_EQ(tg.url, "https://api.telegram.org");
}

TEST(ReceiverSpecTest, ReportsEveryProblemByField) {
  auto ps = problems(R"({"name":"bad name!","type":"slack","urll":"x","routing_key":"k"})");
  EXPECT_TRUE(mentions(ps, "name", "not a valid name"));
  EXPECT_TRUE(mentions(ps, "urll", "did you mean 'url'"));
  EXPECT_TRUE(mentions(ps, "routing_key", "not a field of a slack receiver"));
  EXPECT_TRUE(mentions(ps, "url", "needs a url"));

  EXPECT_TRUE(mentions(problems(R"({"name":"x","type":"fax"})"), "type", "unknown type 'fax'"));
  EXPECT_TRUE(mentions(problems(R"({"name":"x","type":"email","to":[]})"), "from", "needs a from"));
  EXPECT_TRUE(mentions(problems(R"({"name":"x","type":"opsgenie","api_key":"k","priority":"P9"})"),
                       "priority", "not one of"));
  EXPECT_TRUE(
      mentions(problems(R"({"name":"x","type":"webhook","url":"ftp://x"})"), "url", "scheme"));
}

TEST(ReceiverSpecTest, SecretUrlErrorsDoNotRepeatTheUrl) {
  auto ps = problems(R"({"name":"x","type":"slack","url":"hxxp://hooks/T000/B000/SECRETPART"})");
  ASSERT_FALSE(ps.empty());
  for (const auto& p : ps)
    EXPECT_EQ(p.message.find("SECRETPART"), std::string::npos) << p.message;
}

TEST(ReceiverSpecTest, TemplateErrorsPointAtTheTemplate) {
  auto ps =
      problems(R"({"name":"x","type":"discord","url":"http://x/y","text":"ok\n{{ if .X }}"})");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].field, "text");
  EXPECT_NE(ps[0].message.find("template line 2, column 4: unclosed {{if}}"), std::string::npos)
      << ps[0].message;
}

TEST(ReceiverSpecTest, TemplateErrorsInYamlHaveFileLineAndColumn) {
  // The health section carries definitions as Node trees with positions; borrow it.
  config::LoadOptions options;
  auto out = config::loadConfigString(
      "health:\n  checks:\n    - name: r\n      type: discord\n      url: http://x/y\n"
      "      title: \"ok {{ nope }}\"\n",
      "pharos.yaml", options);
  ASSERT_TRUE(out.ok());
  const config::Node& node = out.config.health.checks.items.at(0);
  auto parsed = parseReceiverSpec(node, "notify.receivers[0]");
  auto* ps = std::get_if<std::vector<config::FieldProblem>>(&parsed);
  ASSERT_TRUE(ps != nullptr);
  ASSERT_EQ(ps->size(), 1u);
  EXPECT_EQ((*ps)[0].field, "notify.receivers[0].title");
  EXPECT_EQ((*ps)[0].line, 6);
  EXPECT_EQ((*ps)[0].column, 21);  // the n of nope, past the opening quote
}

TEST(ReceiverSpecTest, JsonRedactsSecretsAndRoundTrips) {
  ReceiverSpec slack = receiver(
      R"({"name":"s","type":"slack","url":"https://hooks.slack.example/services/T/B/XYZ","channel":"#ops"})");
  nlohmann::json shown = receiverToJson(slack);
  EXPECT_EQ(shown["url"], "[redacted]");
  EXPECT_EQ(shown["channel"], "#ops");
  EXPECT_EQ(shown.dump().find("XYZ"), std::string::npos);

  ReceiverSpec mail = receiver(
      R"({"name":"m","type":"email","to":["a@x.org"],"from":"p@x.org","smarthost":"x.org:25",
          "username":"u","password":"hunter2","title":"{{ .Status }}"})");
  EXPECT_EQ(receiverToJson(mail)["password"], "[redacted]");
  EXPECT_EQ(receiverToJson(mail)["title"], "{{ .Status }}");

  ReceiverSpec hook = receiver(
      R"({"name":"h","type":"webhook","url":"http://x/y","headers":{"X-Api-Key":"k1","X-Team":"t"}})");
  EXPECT_EQ(receiverToJson(hook)["headers"]["X-Api-Key"], "[redacted]");
  EXPECT_EQ(receiverToJson(hook)["headers"]["X-Team"], "t");

  // Stored with secrets, read back the same.
  for (const ReceiverSpec* spec : {&slack, &mail, &hook}) {
    nlohmann::json stored = receiverToJson(*spec, true);
    ReceiverSpec again = receiver(stored.dump());
    EXPECT_EQ(receiverToJson(again, true), stored);
  }
  EXPECT_EQ(redactSecrets(mail, "AUTH failed for hunter2"), "AUTH failed for [redacted]");
}

TEST(ReceiverSpecTest, RedactedSecretsInAReplacementKeepTheStoredValues) {
  ReceiverSpec stored = receiver(
      R"({"name":"hook","type":"webhook","url":"http://127.0.0.1:9/x","bearer_token":"T1",)"
      R"("headers":{"X-Api-Key":"K1","X-Team":"ops"}})");
  // What a GET shows, with one field changed.
  nlohmann::json body = receiverToJson(stored);
  ASSERT_EQ(body["bearer_token"], "[redacted]");
  ASSERT_EQ(body["headers"]["X-Api-Key"], "[redacted]");
  body["url"] = "http://127.0.0.1:9/y";
  KeptSecrets kept = keepRedactedSecrets(body, stored);
  EXPECT_TRUE(kept.unresolved.empty());
  EXPECT_EQ(kept.body["bearer_token"], "T1");
  EXPECT_EQ(kept.body["headers"]["X-Api-Key"], "K1");
  EXPECT_EQ(kept.body["headers"]["X-Team"], "ops");
  EXPECT_EQ(kept.body["url"], "http://127.0.0.1:9/y");
  ReceiverSpec next = std::get<ReceiverSpec>(parseReceiverSpec(config::nodeFromJson(kept.body)));
  EXPECT_EQ(next.bearerToken.reveal(), "T1");

  // A secret sent with a value replaces the stored one.
  body["bearer_token"] = "T2";
  EXPECT_EQ(keepRedactedSecrets(body, stored).body["bearer_token"], "T2");
}

TEST(ReceiverSpecTest, ASecretUrlAndAnEmailPasswordAreKeptToo) {
  ReceiverSpec slack =
      receiver(R"({"name":"chat","type":"slack","url":"https://hooks.example/T0/B0/xyz"})");
  nlohmann::json body = receiverToJson(slack);
  ASSERT_EQ(body["url"], "[redacted]");
  body["channel"] = "#ops";
  KeptSecrets kept = keepRedactedSecrets(body, slack);
  EXPECT_TRUE(kept.unresolved.empty());
  EXPECT_EQ(kept.body["url"], "https://hooks.example/T0/B0/xyz");

  ReceiverSpec mail =
      receiver(R"({"name":"mail","type":"email","to":["a@example.com"],"from":"p@example.com",)"
               R"("smarthost":"127.0.0.1:25","username":"u","password":"PW"})");
  EXPECT_EQ(keepRedactedSecrets(receiverToJson(mail), mail).body["password"], "PW");
}

TEST(ReceiverSpecTest, RedactedWithNothingToKeepIsReported) {
  ReceiverSpec stored =
      receiver(R"({"name":"hook","type":"webhook","url":"http://127.0.0.1:9/x"})");
  // No stored token: the placeholder must not become the credential.
  nlohmann::json body = receiverToJson(stored);
  body["bearer_token"] = "[redacted]";
  KeptSecrets kept = keepRedactedSecrets(body, stored);
  EXPECT_EQ(kept.unresolved, std::vector<std::string>{"bearer_token"});

  // Another type: the stored secret is not carried over to it.
  ReceiverSpec pd = receiver(R"({"name":"pd","type":"pagerduty","routing_key":"RK"})");
  nlohmann::json asOpsgenie = {{"name", "pd"}, {"type", "opsgenie"}, {"api_key", "[redacted]"}};
  EXPECT_EQ(keepRedactedSecrets(asOpsgenie, pd).unresolved, std::vector<std::string>{"api_key"});
  nlohmann::json sameKeyOtherType = {
      {"name", "pd"}, {"type", "opsgenie"}, {"routing_key", "[redacted]"}};
  EXPECT_EQ(keepRedactedSecrets(sameKeyOtherType, pd).body["routing_key"], "[redacted]");
}

}  // namespace
}  // namespace pharos::notify
