#include "notify/receiver_catalog.h"

#include <gtest/gtest.h>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "notify/notify_config.h"
#include "notify_test_util.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::notify {
namespace {

using testing::receiver;

TEST(ReceiverCatalogTest, ApiReceiversPersistAndTheConfigWins) {
  pharos::testing::TempDir dir;
  pharos::testing::ManualClock clock;
  auto store = store::SqliteStore::open(dir.file("s.db"));
  ASSERT_TRUE(store.ok());
  {
    auto catalog = ReceiverCatalog::open(**store, clock);
    ASSERT_TRUE(catalog.ok());
    auto& c = **catalog;
    ASSERT_TRUE(c.create(receiver(R"({"name":"pd","type":"pagerduty","routing_key":"RK1"})")).ok());
    EXPECT_EQ(
        c.create(receiver(R"({"name":"pd","type":"pagerduty","routing_key":"x"})")).error().code,
        ErrorCode::kAlreadyExists);
    ASSERT_TRUE(
        c.replace(receiver(R"({"name":"pd","type":"pagerduty","routing_key":"RK2"})")).ok());
    EXPECT_EQ(
        c.replace(receiver(R"({"name":"zz","type":"pagerduty","routing_key":"x"})")).error().code,
        ErrorCode::kNotFound);
    ASSERT_TRUE(c.create(receiver(R"({"name":"gone","type":"ntfy","url":"http://x/t"})")).ok());
    ASSERT_TRUE(c.remove("gone").ok());
  }
  auto catalog = ReceiverCatalog::open(**store, clock);
  ASSERT_TRUE(catalog.ok());
  auto& c = **catalog;
  auto pd = c.find("pd");
  ASSERT_TRUE(pd.has_value());
  EXPECT_EQ(pd->routingKey.reveal(), "RK2");  // the secret survived the store
  EXPECT_FALSE(c.find("gone").has_value());

  c.setConfigReceivers({receiver(R"({"name":"pd","type":"webhook","url":"http://x/y"})")});
  EXPECT_EQ(c.find("pd")->type, ReceiverType::kWebhook);
  EXPECT_EQ(c.findOwned("pd")->owner, ReceiverOwner::kConfig);
  EXPECT_EQ(c.remove("pd").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(c.all().size(), 1u);
}

TEST(NotifyConfigTest, ReadsTheSection) {
  auto node = config::nodeFromJson(nlohmann::json::parse(R"({
    "retry": {"max_attempts": 4, "backoff_base": "2s", "backoff_max": "1m"},
    "breaker": {"failure_threshold": 3, "cooldown": "30s"},
    "workers": 1,
    "receivers": [{"name": "a", "type": "webhook", "url": "http://x/a"},
                  {"name": "b", "type": "ntfy", "url": "http://x/b"}]})"));
  auto parsed = parseNotifyConfig(node);
  ASSERT_TRUE(std::holds_alternative<NotifyConfig>(parsed));
  const auto& c = std::get<NotifyConfig>(parsed);
  EXPECT_EQ(c.outbox.retry.maxAttempts, 4);
  EXPECT_EQ(c.outbox.retry.backoffBase, Millis(2'000));
  EXPECT_EQ(c.outbox.breaker.cooldown, Millis(30'000));
  EXPECT_EQ(c.outbox.workers, 1);
  EXPECT_EQ(c.receivers.size(), 2u);
}

TEST(NotifyConfigTest, ReportsProblemsWithTheirPath) {
  auto node = config::nodeFromJson(nlohmann::json::parse(R"({
    "retry": {"max_attempts": 0, "backoff": "1s"},
    "receivers": [{"name": "a", "type": "webhook", "url": "http://x/a"},
                  {"name": "a", "type": "webhook", "url": "http://x/b"},
                  {"name": "c", "type": "slack"}]})"));
  auto parsed = parseNotifyConfig(node);
  auto* problems = std::get_if<std::vector<config::FieldProblem>>(&parsed);
  ASSERT_TRUE(problems != nullptr);
  std::set<std::string> fields;
  for (const auto& p : *problems)
    fields.insert(p.field);
  EXPECT_TRUE(fields.contains("notify.retry.max_attempts"));
  EXPECT_TRUE(fields.contains("notify.retry.backoff"));
  EXPECT_TRUE(fields.contains("notify.receivers[1].name"));
  EXPECT_TRUE(fields.contains("notify.receivers[2].url"));
}

}  // namespace
}  // namespace pharos::notify
