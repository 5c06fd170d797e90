#include <gtest/gtest.h>

#include "gateway_fixture.h"

namespace pharos::api {
namespace {

using nlohmann::json;

class KeysRoutesTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    admin_ = keyWith(auth::Role::kAdmin, "admin");
  }
  net::HttpResponse create(const std::string& body) {
    return call("POST", "/api/v1/keys", admin_, body);
  }
  std::string admin_;
};

TEST_F(KeysRoutesTest, CreateReturnsTheTokenOnceAndItWorks) {
  net::HttpResponse r = create(R"({"name":"grafana","role":"viewer"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(header(r, "Cache-Control"), "no-store");
  json body = json::parse(r.body);
  EXPECT_EQ(body["name"], "grafana");
  EXPECT_EQ(body["role"], "viewer");
  EXPECT_TRUE(body["createdAt"].is_string());
  std::string token = body["token"];
  EXPECT_EQ(header(r, "Location"), "/api/v1/keys/" + body["id"].get<std::string>());
  EXPECT_EQ(call("GET", "/metrics", token).status, 200);

  net::HttpResponse list = call("GET", "/api/v1/keys", admin_);
  ASSERT_EQ(list.status, 200);
  json keys = json::parse(list.body)["keys"];
  ASSERT_EQ(keys.size(), 2u);
  for (const json& k : keys) {
    EXPECT_FALSE(k.contains("token"));
    EXPECT_FALSE(k.contains("hash"));
    EXPECT_FALSE(k.contains("salt"));
    for (const auto& item : k.items())
      EXPECT_TRUE((
          std::set<std::string>{"id", "name", "role", "createdAt", "lastUsedAt", "revokedAt"}.count(
              item.key())))
          << item.key();
  }
}

TEST_F(KeysRoutesTest, RejectsBadBodiesNamingTheProblem) {
  struct Case {
    std::string body;
    std::string code;
    std::string mentions;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"name":"x","role":"viewer","admin":true})", "invalid_argument", "'admin'"},
           {R"({"name":"x","rol":"viewer"})", "invalid_argument", "'rol'"},
           {R"({"name":"x","role":"viewer")", "invalid_json", "byte 28"},
           {"", "invalid_json", "byte"},
           {R"({"name":1e400,"role":"viewer"})", "invalid_json", "out of range"},
           {R"(["name"])", "invalid_argument", "array"},
           {R"({"name":7,"role":"viewer"})", "invalid_argument", "'name'"},
           {R"({"name":"","role":"viewer"})", "invalid_argument", "'name'"},
           {R"({"name":"x\u0001","role":"viewer"})", "invalid_argument", "'name'"},
           {R"({"name":"x"})", "invalid_argument", "'role'"},
           {R"({"name":"x","role":"root"})", "invalid_argument", "'role'"},
           {R"({"name":"x","role":["admin"]})", "invalid_argument", "'role'"},
           {"{\"name\":\"\xff\",\"role\":\"viewer\"}", "invalid_json", "byte"},
       }) {
    SCOPED_TRACE(c.body);
    net::HttpResponse r = create(c.body);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(errorCode(r), c.code);
    EXPECT_NE(r.body.find(c.mentions), std::string::npos) << r.body;
  }
  EXPECT_EQ(json::parse(call("GET", "/api/v1/keys", admin_).body)["keys"].size(), 1u);
}

TEST_F(KeysRoutesTest, RevokeIs204ThenTheKeyIsRefused) {
  json created = json::parse(create(R"({"name":"old","role":"editor"})").body);
  std::string token = created["token"];
  std::string id = created["id"];
  ASSERT_EQ(call("GET", "/metrics", token).status, 200);
  net::HttpResponse r = call("DELETE", "/api/v1/keys/" + id, admin_);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(call("GET", "/metrics", token).status, 401);
  EXPECT_EQ(call("DELETE", "/api/v1/keys/" + id, admin_).status, 204);  // twice is fine
  net::HttpResponse missing = call("DELETE", "/api/v1/keys/0000000000zz", admin_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(errorCode(missing), "not_found");
}

TEST_F(KeysRoutesTest, AuditPagesNewestFirst) {
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(create(R"({"name":"k","role":"viewer"})").status, 201);
  net::HttpResponse page = call("GET", "/api/v1/audit?limit=3", admin_);
  ASSERT_EQ(page.status, 200) << page.body;
  json first = json::parse(page.body);
  ASSERT_EQ(first["entries"].size(), 3u);
  EXPECT_EQ(first["entries"][0]["action"], "POST /api/v1/keys");
  EXPECT_EQ(first["entries"][0]["outcome"], "2xx");
  EXPECT_EQ(first["entries"][0]["remoteAddress"], "192.0.2.7");
  int64_t next = first["next"];
  EXPECT_EQ(next, first["entries"][2]["id"].get<int64_t>());

  json second =
      json::parse(call("GET", "/api/v1/audit?limit=3&before=" + std::to_string(next), admin_).body);
  ASSERT_EQ(second["entries"].size(), 2u);
  EXPECT_LT(second["entries"][0]["id"].get<int64_t>(), next);
  EXPECT_TRUE(second["next"].is_null());

  for (const char* bad :
       {"?limit=0", "?limit=abc", "?limit=5000", "?before=-1", "?sort=asc", "?limit=%zz"}) {
    net::HttpResponse r = call("GET", std::string("/api/v1/audit") + bad, admin_);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(errorCode(r), "invalid_argument") << bad;
  }
}

}  // namespace
}  // namespace pharos::api
