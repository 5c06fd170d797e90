// Arbitrary bytes as the body of POST /api/v1/keys, through the whole gateway: every answer
// must be a 2xx or a 4xx carrying the error envelope, never a crash, a 5xx or a hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "../tests/fakes/auth_fakes.h"  // the fuzz targets link only their module
#include "../tests/fakes/manual_clock.h"
#include "api/keys_routes.h"
#include "api/route_table.h"
#include "core/log.h"

namespace {

using namespace pharos;

struct World {
  testing::ManualClock clock;
  testing::FakeApiKeys keys{clock};
  testing::FakeAuditLog audit{clock};
  std::unique_ptr<api::Gateway> gateway;
  net::Router router;
  std::string admin;

  World() {
    logging::configure(logging::Settings{logging::Level::kOff});
    config::ApiConfig config;
    config.keyRateLimit = {1e9, 1'000'000'000};
    gateway = std::make_unique<api::Gateway>(keys, audit, clock, config, true);
    gateway->add(api::keysRoutes(keys));
    gateway->install(router);
    admin = keys.create("admin", auth::Role::kAdmin)->token.reveal();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  net::HttpRequest req;
  req.method = "POST";
  req.target = req.path = "/api/v1/keys";
  req.headers.emplace_back("Authorization", "Bearer " + world.admin);
  req.headers.emplace_back("Content-Type", "application/json");
  req.body.assign(reinterpret_cast<const char*>(data), size);
  req.remoteAddress = "127.0.0.1";
  net::HttpResponse r = world.router.dispatch(req);

  if (r.status >= 200 && r.status < 300) return 0;
  if (r.status < 400 || r.status >= 500) std::abort();
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.contains("error") || !body["error"].is_object() ||
      !body["error"].contains("code") || !body["error"]["code"].is_string() ||
      !body["error"].contains("message") || !body["error"]["message"].is_string()) {
    std::abort();
  }
  return 0;
}
