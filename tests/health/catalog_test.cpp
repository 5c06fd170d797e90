// The catalog of check definitions over a real SQLite store: API writes, the config winning
// by name, heartbeat tokens shown once and kept hashed, and API checks across a restart.
#include "health/catalog.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"

namespace pharos::health {
namespace {

CheckSpec http(std::string name, std::string url) {
  CheckSpec s;
  s.name = std::move(name);
  s.type = CheckType::kHttp;
  s.url = std::move(url);
  return s;
}

CheckSpec heartbeat(std::string name) {
  CheckSpec s;
  s.name = std::move(name);
  s.type = CheckType::kHeartbeat;
  s.interval = Millis(60'000);
  s.grace = Millis(12'000);
  return s;
}

std::vector<std::string> names(const std::vector<CheckSpec>& specs) {
  std::vector<std::string> out;
  for (const CheckSpec& s : specs)
    out.push_back(s.name);
  return out;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    catalog_.reset();
    store_.reset();
    auto store = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(store.ok()) << store.error().toString();
    store_ = std::move(store).value();
    auto catalog = CheckCatalog::open(*store_, clock_);
    ASSERT_TRUE(catalog.ok()) << catalog.error().toString();
    catalog_ = std::move(catalog).value();
    catalog_->onChange([this](std::vector<SharedCheck> merged) {
      ++changes_;
      merged_.clear();
      for (const SharedCheck& spec : merged)
        merged_.push_back(*spec);
    });
  }

  pharos::testing::TempDir dir_;
  pharos::testing::ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<CheckCatalog> catalog_;
  int changes_ = 0;
  std::vector<CheckSpec> merged_;
};

TEST_F(CatalogTest, CreateReplaceRemove) {
  auto created = catalog_->create(http("api", "http://10.0.0.1/health"));
  ASSERT_TRUE(created.ok()) << created.error().toString();
  EXPECT_FALSE(created->has_value());  // no token for an http check
  EXPECT_EQ(changes_, 1);
  EXPECT_EQ(names(merged_), std::vector<std::string>{"api"});

  auto again = catalog_->create(http("api", "http://10.0.0.2/"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);

  ASSERT_TRUE(catalog_->replace(http("api", "http://10.0.0.3/health")).ok());
  ASSERT_TRUE(catalog_->find("api").has_value());
  EXPECT_EQ(catalog_->find("api")->spec.url, "http://10.0.0.3/health");
  EXPECT_EQ(catalog_->find("api")->owner, CheckOwner::kApi);
  EXPECT_EQ(merged_.at(0).url, "http://10.0.0.3/health");

  EXPECT_EQ(catalog_->replace(http("ghost", "http://x/")).error().code, ErrorCode::kNotFound);
  CheckSpec retyped = http("api", "");
  retyped.type = CheckType::kTcp;
  retyped.host = "db";
  retyped.port = 5432;
  EXPECT_EQ(catalog_->replace(retyped).error().code, ErrorCode::kInvalidArgument);

  ASSERT_TRUE(catalog_->remove("api").ok());
  EXPECT_FALSE(catalog_->find("api").has_value());
  EXPECT_TRUE(merged_.empty());
  EXPECT_EQ(catalog_->remove("api").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(changes_, 3);
}

TEST_F(CatalogTest, ConfigWinsByNameAndTheApiCannotChangeIt) {
  ASSERT_TRUE(catalog_->create(http("shared", "http://api.example/")).ok());
  ASSERT_TRUE(catalog_->create(http("api-only", "http://api.example/only")).ok());
  catalog_->setConfigChecks({http("shared", "http://config.example/"), http("cfg", "http://c/")});

  EXPECT_EQ(names(merged_), (std::vector<std::string>{"api-only", "cfg", "shared"}));
  std::vector<OwnedCheck> all = catalog_->all();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].spec.url, "http://config.example/");
  EXPECT_EQ(all[2].owner, CheckOwner::kConfig);
  EXPECT_EQ(all[0].owner, CheckOwner::kApi);
  EXPECT_EQ(catalog_->find("shared")->spec.url, "http://config.example/");

  Status replaced = catalog_->replace(http("shared", "http://api.example/v2"));
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(replaced.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(replaced.error().message,
            "check 'shared' is defined in the config file; change it there");
  EXPECT_EQ(catalog_->remove("cfg").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(catalog_->create(http("cfg", "http://x/")).error().code, ErrorCode::kAlreadyExists);

  // When the config drops it, the API's definition shows again.
  catalog_->setConfigChecks({});
  EXPECT_EQ(catalog_->find("shared")->spec.url, "http://api.example/");
  EXPECT_EQ(catalog_->find("shared")->owner, CheckOwner::kApi);
  EXPECT_EQ(names(merged_), (std::vector<std::string>{"api-only", "shared"}));
}

TEST_F(CatalogTest, HeartbeatTokenIsShownOnceAndFoundByHash) {
  auto created = catalog_->create(heartbeat("nightly"));
  ASSERT_TRUE(created.ok()) << created.error().toString();
  ASSERT_TRUE(created->has_value());
  std::string token = **created;
  EXPECT_EQ(token.rfind("hb_", 0), 0u);
  EXPECT_EQ(token.size(), 3u + 48u);
  EXPECT_EQ(catalog_->checkForToken(token), "nightly");
  EXPECT_FALSE(catalog_->checkForToken(token + "x").has_value());
  EXPECT_FALSE(catalog_->checkForToken("").has_value());

  // Never shown again: not in the definition, not in the store.
  EXPECT_TRUE(catalog_->find("nightly")->spec.token.empty());
  auto rows = store_->query("SELECT spec, token_hash FROM health_checks WHERE name = $1",
                            {std::string("nightly")});
  ASSERT_TRUE(rows.ok()) << rows.error().toString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].text(0).find(token), std::string::npos);
  const auto* hash = std::get_if<store::Blob>(&(*rows)[0].at(1));
  ASSERT_NE(hash, nullptr);
  EXPECT_EQ(hash->bytes, heartbeatTokenHash(token));
  EXPECT_EQ(hash->bytes.find(token), std::string::npos);

  // A second heartbeat check gets a token of its own; replacing keeps the token.
  auto second = catalog_->create(heartbeat("hourly"));
  ASSERT_TRUE(second.ok());
  EXPECT_NE(**second, token);
  CheckSpec longer = heartbeat("nightly");
  longer.grace = Millis(30'000);
  ASSERT_TRUE(catalog_->replace(longer).ok());
  EXPECT_EQ(catalog_->checkForToken(token), "nightly");
  EXPECT_EQ(catalog_->checkForToken(**second), "hourly");

  // Config tokens are known by hash too, and replaced as a whole on reload.
  CheckSpec fromConfig = heartbeat("backup");
  fromConfig.token = "config-secret-token";
  catalog_->setConfigChecks({fromConfig});
  EXPECT_EQ(catalog_->checkForToken("config-secret-token"), "backup");
  catalog_->setConfigChecks({});
  EXPECT_FALSE(catalog_->checkForToken("config-secret-token").has_value());
  EXPECT_EQ(catalog_->checkForToken(token), "nightly");

  ASSERT_TRUE(catalog_->remove("nightly").ok());
  EXPECT_FALSE(catalog_->checkForToken(token).has_value());
}

TEST_F(CatalogTest, ApiChecksSurviveReopeningTheStore) {
  CheckSpec api = http("api", "http://10.0.0.1/health");
  api.headers = {{"Authorization", "Bearer s3cret"}};
  auto parsed = Condition::parse("[STATUS] == 200");
  ASSERT_TRUE(std::holds_alternative<Condition>(parsed));
  api.conditions = {std::get<Condition>(parsed)};
  api.labels = {{"team", "web"}};
  api.interval = Millis(30'000);
  api.timeout = Millis(5'000);
  ASSERT_TRUE(catalog_->create(api).ok());
  auto token = catalog_->create(heartbeat("nightly"));
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(catalog_->create(http("gone", "http://10.0.0.9/")).ok());
  ASSERT_TRUE(catalog_->remove("gone").ok());
  catalog_->setConfigChecks({http("cfg", "http://c/")});

  ASSERT_NO_FATAL_FAILURE(reopen());
  std::vector<OwnedCheck> all = catalog_->all();
  ASSERT_EQ(all.size(), 2u);  // config checks come from the file, not the store
  const CheckSpec& back = all[0].spec;
  EXPECT_EQ(back.name, "api");
  EXPECT_EQ(checkSpecToJson(back, true), checkSpecToJson(api, true));
  // The credential header was stored (a check needs it), though the API never shows it.
  ASSERT_EQ(back.headers.size(), 1u);
  EXPECT_EQ(back.headers[0].second, "Bearer s3cret");
  EXPECT_EQ(all[1].spec.name, "nightly");
  EXPECT_EQ(catalog_->checkForToken(**token), "nightly");
}

}  // namespace
}  // namespace pharos::health
