#include "notify/receiver_catalog.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "crypto/keyring.h"
#include "crypto/master_key.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "notify/notify_config.h"
#include "notify/schema.h"
#include "notify_test_util.h"

namespace pharos::notify {
namespace {

using testing::receiver;

crypto::KeyringPtr openKeyring(store::Store& store, Clock& clock) {
  auto master = crypto::MasterKey::generate();
  EXPECT_TRUE(master.ok());
  auto keyring = crypto::Keyring::open(store, std::move(master).value(), clock);
  EXPECT_TRUE(keyring.ok()) << keyring.error().toString();
  return std::move(keyring).value();
}

TEST(ReceiverCatalogTest, ApiReceiversPersistAndTheConfigWins) {
  pharos::testing::TempDir dir;
  pharos::testing::ManualClock clock;
  auto store = pharos::testing::openTestStore(dir.file("s.db"));
  ASSERT_TRUE(store.ok());
  auto keyring = openKeyring(**store, clock);
  {
    auto catalog = ReceiverCatalog::open(**store, *keyring, clock);
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
  auto catalog = ReceiverCatalog::open(**store, *keyring, clock);
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

// The secrets of the receivers below: none may be in the stored row.
constexpr std::string_view kPassword = "smtp-Pa55word-4e1f";
constexpr std::string_view kToken = "bearer-Tok3n-9c2a";
constexpr std::string_view kSlackUrl = "https://hooks.slack.example/services/T0/B0/s3cr3tXYZ";

class SealedReceiversTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(pharos::testing::openTestStore(dir_.file("s.db"))).value();
    keyring_ = openKeyring(*store_, clock_);
  }

  Result<std::unique_ptr<ReceiverCatalog>> openCatalog() {
    return ReceiverCatalog::open(*store_, *keyring_, clock_);
  }

  static ReceiverSpec email() {
    return receiver(fmt::format(
        R"({{"name":"mail","type":"email","to":["ops@example.com"],"from":"p@example.com",)"
        R"("smarthost":"127.0.0.1:25","username":"pharos","password":"{}"}})",
        kPassword));
  }
  static ReceiverSpec webhook() {
    return receiver(fmt::format(
        R"({{"name":"hook","type":"webhook","url":"http://127.0.0.1:9/x","bearer_token":"{}"}})",
        kToken));
  }
  static ReceiverSpec slack() {
    return receiver(
        fmt::format(R"({{"name":"chat","type":"slack","url":"{}"}})", std::string(kSlackUrl)));
  }

  // The `spec` column of `name` as stored.
  store::Value storedSpec(const std::string& name) {
    auto rows = store_->query("SELECT spec FROM notify_receivers WHERE name = $1", {name});
    EXPECT_TRUE(rows.ok() && rows->size() == 1u);
    return rows.ok() && !rows->empty() ? rows->front().at(0) : store::Value{};
  }

  static bool containsAnySecret(std::string_view bytes) {
    for (std::string_view secret : {kPassword, kToken, kSlackUrl, std::string_view("s3cr3tXYZ")})
      if (bytes.find(secret) != std::string_view::npos) return true;
    return false;
  }

  pharos::testing::TempDir dir_;
  pharos::testing::ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  crypto::KeyringPtr keyring_;
};

TEST_F(SealedReceiversTest, StoredRowsAreSealedAndReopen) {
  {
    auto catalog = openCatalog();
    ASSERT_TRUE(catalog.ok()) << catalog.error().toString();
    ASSERT_TRUE((*catalog)->create(email()).ok());
    ASSERT_TRUE((*catalog)->create(webhook()).ok());
    ASSERT_TRUE((*catalog)->create(slack()).ok());
  }
  for (const char* name : {"mail", "hook", "chat"}) {
    store::Value v = storedSpec(name);
    const auto* blob = std::get_if<store::Blob>(&v);
    ASSERT_NE(blob, nullptr) << name << ": stored as text, not as a sealed blob";
    EXPECT_FALSE(containsAnySecret(blob->bytes)) << name;
    EXPECT_EQ(blob->bytes.find("\"type\""), std::string::npos) << name << ": JSON in the clear";
    // Sealed for the secrets purpose: it opens, to the definition with its secrets.
    auto opened = keyring_->open(crypto::Purpose::kSecrets, blob->bytes);
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    EXPECT_TRUE(containsAnySecret(*opened)) << name;
    EXPECT_FALSE(keyring_->open(crypto::Purpose::kArchive, blob->bytes).ok());
  }

  auto catalog = openCatalog();
  ASSERT_TRUE(catalog.ok()) << catalog.error().toString();
  EXPECT_EQ((*catalog)->find("mail")->password.reveal(), kPassword);
  EXPECT_EQ((*catalog)->find("hook")->bearerToken.reveal(), kToken);
  EXPECT_EQ((*catalog)->find("chat")->url, kSlackUrl);

  // A replacement is sealed as well.
  ReceiverSpec changed = webhook();
  changed.bearerToken = Secret(std::string(kToken) + "-2");
  ASSERT_TRUE((*catalog)->replace(changed).ok());
  store::Value v = storedSpec("hook");
  ASSERT_TRUE(std::holds_alternative<store::Blob>(v));
  EXPECT_FALSE(containsAnySecret(std::get<store::Blob>(v).bytes));
}

TEST_F(SealedReceiversTest, APlaintextRowFromAnOlderReleaseLoadsAndIsSealed) {
  if (pharos::testing::testsRunOnPostgres()) {
    GTEST_SKIP() << "PostgreSQL stores began with sealed receivers: no release wrote clear rows";
  }
  // What the release before this one wrote: the notify schema at version 1, the JSON as text.
  store::MigrationSet v1 = migrations();
  v1.migrations.resize(1);
  ASSERT_TRUE(store_->migrate(v1).ok());
  std::string legacy = receiverToJson(email(), /*withSecrets=*/true).dump();
  ASSERT_TRUE(store_
                  ->execute("INSERT INTO notify_receivers (name, spec, created_at_ms, "
                            "updated_at_ms) VALUES ($1, $2, 1, 1)",
                            {std::string("mail"), legacy})
                  .ok());
  ASSERT_TRUE(std::holds_alternative<std::string>(storedSpec("mail")));

  {
    auto catalog = openCatalog();
    ASSERT_TRUE(catalog.ok()) << catalog.error().toString();
    ASSERT_TRUE((*catalog)->find("mail").has_value());
    EXPECT_EQ((*catalog)->find("mail")->password.reveal(), kPassword);
  }
  store::Value v = storedSpec("mail");
  const auto* blob = std::get_if<store::Blob>(&v);
  ASSERT_NE(blob, nullptr) << "the plaintext row was not sealed on load";
  EXPECT_FALSE(containsAnySecret(blob->bytes));
  EXPECT_EQ(*keyring_->open(crypto::Purpose::kSecrets, blob->bytes), legacy);
  EXPECT_EQ(*store_->schemaVersion("notify"), 2);

  // And the sealed row opens on the next start.
  auto again = openCatalog();
  ASSERT_TRUE(again.ok()) << again.error().toString();
  EXPECT_EQ((*again)->find("mail")->password.reveal(), kPassword);
}

TEST_F(SealedReceiversTest, ATamperedRowIsAStartErrorNamingTheReceiver) {
  {
    auto catalog = openCatalog();
    ASSERT_TRUE(catalog.ok());
    ASSERT_TRUE((*catalog)->create(webhook()).ok());
  }
  std::string bytes = std::get<store::Blob>(storedSpec("hook")).bytes;
  bytes[bytes.size() - 20] ^= 0x01;  // inside the ciphertext
  ASSERT_TRUE(store_
                  ->execute("UPDATE notify_receivers SET spec = $2 WHERE name = $1",
                            {std::string("hook"), store::Blob{bytes}})
                  .ok());
  auto catalog = openCatalog();
  ASSERT_FALSE(catalog.ok()) << "a row that does not open was dropped silently";
  EXPECT_EQ(catalog.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(catalog.error().message.find("'hook'"), std::string::npos) << catalog.error().message;
}

TEST_F(SealedReceiversTest, ARowSealedByAnotherKeyringIsAStartError) {
  {
    auto catalog = openCatalog();
    ASSERT_TRUE(catalog.ok());
    ASSERT_TRUE((*catalog)->create(email()).ok());
  }
  // Another installation's keyring (its own store and master key): it holds no key for the row.
  auto otherStore = std::move(pharos::testing::openTestStore(dir_.file("other.db"))).value();
  auto other = openKeyring(*otherStore, clock_);
  auto catalog = ReceiverCatalog::open(*store_, *other, clock_);
  ASSERT_FALSE(catalog.ok());
  EXPECT_NE(catalog.error().message.find("'mail'"), std::string::npos) << catalog.error().message;
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
