#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/audit_routes.h"
#include "api/keys_routes.h"
#include "api/metrics_routes.h"
#include "api/openapi.h"
#include "api/route_table.h"
#include "api/system_routes.h"
#include "auth/auth.h"
#include "bus/embedded/embedded_bus.h"
#include "crypto/keyring.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"

namespace pharos::api {

// The whole API as the server will run it: real store-backed keys and audit log, every route
// of the product in one gateway, dispatched without a server.
class GatewayTest : public ::testing::Test {
 protected:
  // Generous limits so only the tests about throttling see a 429.
  static config::ApiConfig defaultConfig() {
    config::ApiConfig c;
    c.keyRateLimit = {1000, 1000};
    c.ipRateLimit = {1000, 1000};
    c.cors.allowedOrigins = {"https://dash.example"};
    return c;
  }

  void SetUp() override { start(defaultConfig(), true); }

  void start(config::ApiConfig config, bool authEnabled) {
    router_ = std::make_unique<net::Router>();
    gateway_.reset();
    if (!store_) {
      store_ = std::move(pharos::testing::openTestStore(dir_.file("pharos.db"))).value();
      bus_ = std::move(bus::EmbeddedBus::open(dir_.file("bus.db"), clock_)).value();
      auto keyring = crypto::Keyring::open(*store_, crypto::MasterKey::generate().value(), clock_);
      ASSERT_TRUE(keyring.ok()) << keyring.error().toString();
      keyring_ = std::move(keyring).value();
      auto keys = auth::openApiKeys(*store_, clock_, *keyring_);
      ASSERT_TRUE(keys.ok()) << keys.error().toString();
      keys_ = std::move(keys).value();
      auto audit = auth::openAuditLog(*store_, clock_);
      ASSERT_TRUE(audit.ok()) << audit.error().toString();
      audit_ = std::move(audit).value();
      metricsDb_ = std::move(pharos::testing::openTestStore(dir_.file("metrics.db"))).value();
      metrics::MetricsOptions options;
      options.walDir = dir_.file("metrics-wal");
      auto metrics = metrics::MetricsStore::open(*metricsDb_, options, clock_);
      ASSERT_TRUE(metrics.ok()) << metrics.error().toString();
      metrics_ = std::move(metrics).value();
    }
    gateway_ = std::make_unique<Gateway>(*keys_, *audit_, clock_, std::move(config), authEnabled);
    gateway_->add(systemRoutes(
        SystemRoutesDeps{*store_, *bus_, clock_, clock_.monotonic(), "1.2.3", "abc", nullptr}));
    gateway_->add(keysRoutes(*keys_));
    gateway_->add(auditRoutes(*audit_));
    gateway_->add(metricsRoutes(MetricsRoutesDeps{*metrics_, clock_, nullptr}));
    gateway_->add(openApiRoute(*gateway_, "1.2.3"));
    gateway_->install(*router_);
  }

  std::string keyWith(auth::Role role, std::string name = "test") {
    auto created = keys_->create(name, role);
    EXPECT_TRUE(created.ok());
    return created.ok() ? created->token.reveal() : std::string();
  }

  net::HttpResponse call(std::string method, std::string target, const std::string& token = "",
                         std::string body = "", net::Headers headers = {},
                         std::string remote = "192.0.2.7") {
    net::HttpRequest req;
    req.method = std::move(method);
    req.target = target;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    req.headers = std::move(headers);
    if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
    req.body = std::move(body);
    req.remoteAddress = std::move(remote);
    return router_->dispatch(req);
  }

  static std::string header(const net::HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "<absent>";
  }

  static std::string errorCode(const net::HttpResponse& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.contains("error") || !j["error"].is_object()) return "<no envelope>";
    if (!j["error"].contains("message") || !j["error"]["message"].is_string())
      return "<no message>";
    return j["error"].value("code", "<no code>");
  }

  ::pharos::testing::TempDir dir_;
  ::pharos::testing::ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<bus::EmbeddedBus> bus_;
  crypto::KeyringPtr keyring_;  // after the store it uses, before the keys that use it
  auth::ApiKeysPtr keys_;
  auth::AuditLogPtr audit_;
  std::unique_ptr<store::Store> metricsDb_;
  std::unique_ptr<metrics::MetricsStore> metrics_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<net::Router> router_;
};

}  // namespace pharos::api
