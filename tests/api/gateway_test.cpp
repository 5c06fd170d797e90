#include <gtest/gtest.h>

#include <array>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>

#include "api/cors.h"
#include "core/log.h"
#include "gateway_fixture.h"

namespace pharos::api {
namespace {

constexpr std::array kRoles{auth::Role::kViewer, auth::Role::kIngest, auth::Role::kEditor,
                            auth::Role::kAdmin};

// "/api/v1/keys/{id}" -> "/api/v1/keys/sample-id"; "{rest...}" -> "sample/rest".
std::string samplePath(const std::string& pattern) {
  std::string out = std::regex_replace(pattern, std::regex(R"(\{(\w+)\.\.\.\})"), "sample/$1");
  return std::regex_replace(out, std::regex(R"(\{(\w+)\})"), "sample-$1");
}

// The walk over the whole route table that issue 3 asks for: whatever routes exist, none can
// be reached without a key (but the three public ones), none with a key lacking its scope,
// and each can with the right one.
TEST_F(GatewayTest, EveryRouteNeedsItsScope) {
  std::map<auth::Role, std::string> tokens;
  for (auth::Role role : kRoles)
    tokens[role] = keyWith(role, std::string(auth::roleName(role)));
  ASSERT_GE(gateway_->specs().size(), 7u);

  for (const RouteSpec& spec : gateway_->specs()) {
    std::string path = samplePath(spec.pattern);
    SCOPED_TRACE(spec.method + " " + path);
    net::HttpResponse anonymous = call(spec.method, path);
    if (!spec.scope) {
      EXPECT_NE(anonymous.status, 401);
      EXPECT_NE(anonymous.status, 403);
      continue;
    }
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_EQ(errorCode(anonymous), "unauthenticated");
    EXPECT_EQ(header(anonymous, "WWW-Authenticate"), R"(Bearer realm="pharos")");

    net::HttpResponse unknown = call(spec.method, path, "phk_000000000000_" + std::string(64, 'a'));
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(unknown.body, anonymous.body);  // no hint whether the key exists

    bool someRoleLacksIt = false;
    for (auth::Role role : kRoles) {
      net::HttpResponse r = call(spec.method, path, tokens[role]);
      if (auth::hasScope(role, *spec.scope)) {
        EXPECT_NE(r.status, 401) << auth::roleName(role);
        EXPECT_NE(r.status, 403) << auth::roleName(role);
      } else {
        someRoleLacksIt = true;
        EXPECT_EQ(r.status, 403) << auth::roleName(role);
        EXPECT_EQ(errorCode(r), "forbidden");
      }
    }
    EXPECT_TRUE(someRoleLacksIt);
  }
}

TEST_F(GatewayTest, OnlyTheProbesAndTheDescriptionArePublic) {
  std::set<std::string> open;
  for (const RouteSpec& spec : gateway_->specs()) {
    if (!spec.scope) open.insert(spec.pattern);
  }
  EXPECT_EQ(open, (std::set<std::string>{"/healthz", "/readyz", "/openapi.json"}));

  Gateway other(*keys_, *audit_, clock_, defaultConfig(), true);
  RouteSpec sneaky;
  sneaky.method = "GET";
  sneaky.pattern = "/api/v1/secrets";
  sneaky.handler = [](net::HttpRequest&) { return net::HttpResponse::json(200, "{}"); };
  EXPECT_THROW(other.add(sneaky), std::invalid_argument);
}

TEST_F(GatewayTest, AKeyIsAcceptedFromEitherHeader) {
  std::string token = keyWith(auth::Role::kViewer);
  EXPECT_EQ(call("GET", "/metrics", "", "", {{"X-API-Key", token}}).status, 200);
  EXPECT_EQ(call("GET", "/metrics", "", "", {{"Authorization", "bearer  " + token}}).status, 200);
  EXPECT_EQ(call("GET", "/metrics", "", "", {{"Authorization", "Basic " + token}}).status, 401);
}

TEST_F(GatewayTest, ThrottlesPerKeyWith429AndRetryAfter) {
  config::ApiConfig c = defaultConfig();
  c.keyRateLimit = {1, 3};
  start(c, true);
  std::string token = keyWith(auth::Role::kViewer);
  std::string other = keyWith(auth::Role::kViewer);
  for (int i = 0; i < 3; ++i) {
    net::HttpResponse r = call("GET", "/metrics", token);
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(header(r, "X-RateLimit-Limit"), "3");
    EXPECT_EQ(header(r, "X-RateLimit-Remaining"), std::to_string(2 - i));
  }
  net::HttpResponse limited = call("GET", "/metrics", token);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(errorCode(limited), "rate_limited");
  EXPECT_EQ(header(limited, "Retry-After"), "1");
  EXPECT_EQ(header(limited, "X-RateLimit-Remaining"), "0");
  EXPECT_EQ(header(limited, "X-RateLimit-Reset"), "3");

  EXPECT_EQ(call("GET", "/metrics", other).status, 200);  // its own bucket
  clock_.advance(Millis(1'000));
  EXPECT_EQ(call("GET", "/metrics", token).status, 200);
}

TEST_F(GatewayTest, ThrottlesPublicRoutesPerClientAddress) {
  config::ApiConfig c = defaultConfig();
  c.ipRateLimit = {1, 2};
  start(c, true);
  EXPECT_EQ(call("GET", "/healthz", "", "", {}, "198.51.100.1").status, 200);
  EXPECT_EQ(call("GET", "/healthz", "", "", {}, "198.51.100.1").status, 200);
  net::HttpResponse limited = call("GET", "/healthz", "", "", {}, "198.51.100.1");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(header(limited, "Retry-After"), "1");
  EXPECT_EQ(call("GET", "/healthz", "", "", {}, "198.51.100.2").status, 200);
}

TEST_F(GatewayTest, CachesGetsAndAWriteToTheResourceInvalidates) {
  std::string admin = keyWith(auth::Role::kAdmin, "admin");
  net::HttpResponse first = call("GET", "/api/v1/keys", admin);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(header(first, "X-Cache"), "MISS");
  net::HttpResponse second = call("GET", "/api/v1/keys", admin);
  EXPECT_EQ(header(second, "X-Cache"), "HIT");
  EXPECT_EQ(second.body, first.body);
  EXPECT_NE(header(second, "X-RateLimit-Remaining"), "<absent>");  // a hit is still throttled

  net::HttpResponse created =
      call("POST", "/api/v1/keys", admin, R"({"name":"ci","role":"ingest"})");
  ASSERT_EQ(created.status, 201) << created.body;
  net::HttpResponse third = call("GET", "/api/v1/keys", admin);
  EXPECT_EQ(header(third, "X-Cache"), "MISS");
  EXPECT_NE(third.body.find("\"ci\""), std::string::npos);

  EXPECT_EQ(header(call("GET", "/api/v1/keys?x=1", admin), "X-Cache"), "MISS");  // by query
  EXPECT_EQ(header(call("GET", "/api/v1/keys", admin), "X-Cache"), "HIT");
  clock_.advance(defaultConfig().cacheTtl);
  EXPECT_EQ(header(call("GET", "/api/v1/keys", admin), "X-Cache"), "MISS");  // TTL
}

TEST_F(GatewayTest, CorsPreflightForAllowedAndDisallowedOrigins) {
  net::HttpResponse ok =
      call("OPTIONS", "/api/v1/keys", "", "",
           {{"Origin", "https://dash.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(header(ok, "Access-Control-Allow-Origin"), "https://dash.example");
  EXPECT_EQ(header(ok, "Access-Control-Allow-Methods"), "GET, POST, HEAD, OPTIONS");
  EXPECT_EQ(header(ok, "Access-Control-Allow-Headers"), "Authorization, Content-Type, X-API-Key");
  EXPECT_EQ(header(ok, "Access-Control-Max-Age"), "600");

  net::HttpResponse bad =
      call("OPTIONS", "/api/v1/keys", "", "",
           {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(bad.status, 403);
  EXPECT_EQ(errorCode(bad), "forbidden");
  EXPECT_EQ(header(bad, "Access-Control-Allow-Origin"), "<absent>");

  // Actual requests: the allowed origin may read even a 401; another origin gets nothing.
  net::HttpResponse denied =
      call("GET", "/api/v1/keys", "", "", {{"Origin", "https://dash.example"}});
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(header(denied, "Access-Control-Allow-Origin"), "https://dash.example");
  EXPECT_EQ(header(call("GET", "/healthz", "", "", {{"Origin", "https://evil.example"}}),
                   "Access-Control-Allow-Origin"),
            "<absent>");
  EXPECT_EQ(call("OPTIONS", "/api/v1/keys/abc").status, 204);  // plain OPTIONS, every path
}

TEST(CorsTest, NeverAWildcardWithCredentials) {
  config::CorsConfig c;
  c.allowedOrigins = {"*"};
  EXPECT_EQ(Cors(c).allowOrigin("https://a.example"), "*");
  c.allowCredentials = true;
  EXPECT_EQ(Cors(c).allowOrigin("https://a.example"), std::nullopt);
  c.allowedOrigins = {"*", "https://a.example"};
  EXPECT_EQ(Cors(c).allowOrigin("https://a.example"), "https://a.example");
  EXPECT_EQ(Cors(c).allowOrigin("https://b.example"), std::nullopt);
}

TEST_F(GatewayTest, AuditsWritesAndAuthFailures) {
  std::string admin = keyWith(auth::Role::kAdmin, "admin");
  std::string adminId = keys_->authenticate(admin)->keyId;
  std::string viewer = keyWith(auth::Role::kViewer);
  ASSERT_EQ(
      call("POST", "/api/v1/keys", admin, R"({"name":"n","role":"viewer"})", {}, "203.0.113.5")
          .status,
      201);
  ASSERT_EQ(call("GET", "/api/v1/keys", "", "", {}, "203.0.113.6").status, 401);
  ASSERT_EQ(call("DELETE", "/api/v1/keys/xyz", viewer, "", {}, "203.0.113.7").status, 403);
  ASSERT_EQ(call("DELETE", "/api/v1/keys/nope", admin, "", {}, "203.0.113.8").status, 404);
  ASSERT_EQ(call("GET", "/api/v1/keys", admin).status, 200);  // reads are not audited

  auto entries = audit_->list(10, std::nullopt);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 4u);
  const auth::AuditEntry& post = (*entries)[3];
  EXPECT_EQ(post.keyId, adminId);
  EXPECT_EQ(post.action, "POST /api/v1/keys");
  EXPECT_EQ(post.remoteAddress, "203.0.113.5");
  EXPECT_EQ(post.outcome, "2xx");
  const auth::AuditEntry& unauth = (*entries)[2];
  EXPECT_EQ(unauth.keyId, "");
  EXPECT_EQ(unauth.action, "auth.failed");
  EXPECT_EQ(unauth.target, "GET /api/v1/keys");
  EXPECT_EQ(unauth.remoteAddress, "203.0.113.6");
  EXPECT_EQ(unauth.outcome, "unauthenticated");
  const auth::AuditEntry& forbidden = (*entries)[1];
  EXPECT_EQ(forbidden.action, "DELETE /api/v1/keys/{id}");
  EXPECT_EQ(forbidden.target, "xyz");
  EXPECT_EQ(forbidden.outcome, "denied");
  const auth::AuditEntry& missing = (*entries)[0];
  EXPECT_EQ(missing.target, "nope");
  EXPECT_EQ(missing.outcome, "4xx");
}

TEST_F(GatewayTest, ASecretNeverAppearsInLogsOrTheAudit) {
  std::vector<std::string> lines;
  logging::configure(logging::Settings{logging::Level::kTrace});
  logging::setSinkForTesting([&](std::string_view line) { lines.emplace_back(line); });

  std::string admin = keyWith(auth::Role::kAdmin, "admin");
  net::HttpResponse created =
      call("POST", "/api/v1/keys", admin, R"({"name":"shipper","role":"ingest"})");
  ASSERT_EQ(created.status, 201);
  std::string token = nlohmann::json::parse(created.body)["token"];
  std::string id = nlohmann::json::parse(created.body)["id"];
  EXPECT_EQ(call("POST", "/v1/logs", token).status, 404);  // not an API route (yet)
  EXPECT_EQ(call("GET", "/metrics", token).status, 403);
  EXPECT_EQ(call("DELETE", "/api/v1/keys/" + id, admin).status, 204);
  EXPECT_EQ(call("GET", "/metrics", token).status, 401);  // revoked
  EXPECT_EQ(call("GET", "/api/v1/keys", token + "x").status, 401);
  net::HttpResponse list = call("GET", "/api/v1/keys", admin);

  logging::setSinkForTesting({});
  logging::configure(logging::Settings{});
  std::string secretPart = token.substr(token.rfind('_') + 1);
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find(secretPart), std::string::npos) << line;
  }
  auto entries = audit_->list(100, std::nullopt);
  ASSERT_TRUE(entries.ok());
  for (const auth::AuditEntry& e : *entries) {
    EXPECT_EQ((e.keyId + e.action + e.target + e.outcome).find(secretPart), std::string::npos);
  }
  EXPECT_EQ(list.body.find(secretPart), std::string::npos);
  EXPECT_EQ(list.body.find(admin.substr(admin.rfind('_') + 1)), std::string::npos);
}

TEST_F(GatewayTest, WithAuthDisabledScopesAreNotChecked) {
  start(defaultConfig(), false);
  EXPECT_EQ(call("GET", "/api/v1/keys").status, 200);
  EXPECT_EQ(call("GET", "/metrics").status, 200);
}

TEST_F(GatewayTest, WhoamiAnswersWithTheCallersOwnKey) {
  std::string editor = keyWith(auth::Role::kEditor, "dash-editor");
  net::HttpResponse r = call("GET", "/api/v1/whoami", editor);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["name"], "dash-editor");
  EXPECT_EQ(j["role"], "editor");
  EXPECT_EQ(j["scopes"], nlohmann::json::array({"read", "edit"}));
  EXPECT_EQ(j["auth"], true);
  EXPECT_EQ(editor.rfind("phk_" + j["key_id"].get<std::string>() + "_", 0), 0u);

  start(defaultConfig(), false);
  auto anonymous = nlohmann::json::parse(call("GET", "/api/v1/whoami").body);
  EXPECT_EQ(anonymous["auth"], false);
  EXPECT_EQ(anonymous["role"], "admin");
}

TEST_F(GatewayTest, ABrowserOpeningAnApiPathIsSentToItsPageButClientsGetTheRoute) {
  Gateway g(*keys_, *audit_, clock_, defaultConfig(), true);
  RouteSpec probe;
  probe.method = "GET";
  probe.pattern = "/";
  probe.scope = auth::Scope::kIngest;
  probe.browserLocation = "/ui/";
  probe.handler = [](net::HttpRequest&) { return net::HttpResponse::json(200, "{}"); };
  g.add(probe);
  net::Router router;
  g.install(router);
  auto get = [&](net::Headers headers) {
    net::HttpRequest req;
    req.method = "GET";
    req.path = req.target = "/";
    req.headers = std::move(headers);
    req.remoteAddress = "192.0.2.7";
    return router.dispatch(req);
  };
  net::HttpResponse browser = get({{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
  EXPECT_EQ(browser.status, 302);
  EXPECT_EQ(header(browser, "Location"), "/ui/");
  EXPECT_EQ(get({{"Accept", "application/json"}}).status, 401);
  std::string ingest = keyWith(auth::Role::kIngest);
  EXPECT_EQ(get({{"Accept", "text/html"}, {"Authorization", "Bearer " + ingest}}).status, 200);
}

TEST_F(GatewayTest, BodyLimitAndHandlerFailuresGiveTheEnvelope) {
  std::string admin = keyWith(auth::Role::kAdmin);
  net::HttpResponse big = call("POST", "/api/v1/keys", admin, std::string(5000, ' '));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(errorCode(big), "body_too_large");
  EXPECT_EQ(call("GET", "/api/v1/keys", admin, "x").status, 413);  // GETs take no body

  Gateway g(*keys_, *audit_, clock_, defaultConfig(), true);
  RouteSpec broken;
  broken.method = "GET";
  broken.pattern = "/healthz";
  broken.handler = [](net::HttpRequest&) -> net::HttpResponse {
    throw std::runtime_error("bug with /private/path");
  };
  g.add(broken);
  net::Router router;
  g.install(router);
  net::HttpRequest req;
  req.method = "GET";
  req.path = "/healthz";
  net::HttpResponse r = router.dispatch(req);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(errorCode(r), "internal");
  EXPECT_EQ(r.body.find("private"), std::string::npos);
}

}  // namespace
}  // namespace pharos::api

namespace pharos::api {
namespace {

TEST_F(GatewayTest, FailedKeysSpendTheAddressBudgetSoTheAuditCannotBeFlooded) {
  config::ApiConfig c = defaultConfig();
  c.ipRateLimit = {1, 3};
  start(c, true);
  std::string bogus = "phk_aaaaaaaaaaaa_" + std::string(64, '0');
  int unauthorized = 0;
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    int status = call("GET", "/metrics", bogus).status;
    unauthorized += status == 401;
    limited += status == 429;
  }
  EXPECT_EQ(unauthorized, 3);
  EXPECT_EQ(limited, 17);
  auto entries = audit_->list(100, std::nullopt);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 3u);  // one per 401, none for the throttled attempts
  // Another address is not affected.
  EXPECT_EQ(call("GET", "/metrics", bogus, "", {}, "198.51.100.1").status, 401);
}

}  // namespace
}  // namespace pharos::api
