#include "net/router.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace pharos::net {
namespace {

HttpRequest request(std::string method, std::string path) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = path;
  r.path = std::move(path);
  return r;
}

Handler reply(std::string body) {
  return [body](HttpRequest&) { return HttpResponse::text(200, body); };
}

TEST(RouterTest, MatchesLiteralPathsAndMethods) {
  Router router;
  router.add("GET", "/healthz", reply("get"));
  router.add("POST", "/healthz", reply("post"));
  router.add("GET", "/", reply("root"));
  auto get = request("GET", "/healthz");
  auto post = request("POST", "/healthz");
  auto root = request("GET", "/");
  EXPECT_EQ(router.dispatch(get).body, "get");
  EXPECT_EQ(router.dispatch(post).body, "post");
  EXPECT_EQ(router.dispatch(root).body, "root");
}

TEST(RouterTest, CapturesPathParams) {
  Router router;
  router.add("GET", "/api/v1/services/{service}/checks/{id}", [](HttpRequest& r) {
    return HttpResponse::text(
        200, std::string(r.pathParam("service")) + "|" + std::string(r.pathParam("id")));
  });
  auto r = request("GET", "/api/v1/services/web/checks/42");
  HttpResponse response = router.dispatch(r);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "web|42");
  ASSERT_EQ(r.pathParams.size(), 2u);
  EXPECT_EQ(r.pathParams[0].first, "service");
  EXPECT_EQ(r.pathParam("missing"), "");
}

TEST(RouterTest, ParamDoesNotMatchEmptySegmentOrExtraSegments) {
  Router router;
  router.add("GET", "/keys/{id}", reply("key"));
  auto empty = request("GET", "/keys/");
  auto deeper = request("GET", "/keys/a/b");
  auto shorter = request("GET", "/keys");
  EXPECT_EQ(router.dispatch(empty).status, 404);
  EXPECT_EQ(router.dispatch(deeper).status, 404);
  EXPECT_EQ(router.dispatch(shorter).status, 404);
}

TEST(RouterTest, UnknownPathIsNotFoundEnvelope) {
  Router router;
  router.add("GET", "/a", reply("a"));
  auto r = request("GET", "/b");
  HttpResponse response = router.dispatch(r);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.contentType, "application/json");
  EXPECT_EQ(response.body, R"({"error":{"code":"not_found","message":"no route for /b"}})");
}

TEST(RouterTest, OtherMethodIsMethodNotAllowedWithAllow) {
  Router router;
  router.add("GET", "/items/{id}", reply("get"));
  router.add("DELETE", "/items/{id}", reply("delete"));
  router.add("POST", "/items", reply("post"));
  auto r = request("PUT", "/items/7");
  HttpResponse response = router.dispatch(r);
  EXPECT_EQ(response.status, 405);
  EXPECT_NE(response.body.find(R"("code":"method_not_allowed")"), std::string::npos);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, DELETE, HEAD");
}

TEST(RouterTest, HeadUsesGetHandlerUnlessHeadIsRegistered) {
  Router router;
  router.add("GET", "/a", reply("get-a"));
  router.add("GET", "/b", reply("get-b"));
  router.add("HEAD", "/b", reply("head-b"));
  auto a = request("HEAD", "/a");
  auto b = request("HEAD", "/b");
  HttpResponse ra = router.dispatch(a);
  EXPECT_EQ(ra.status, 200);
  EXPECT_EQ(ra.body, "get-a");  // kept so the server can send its Content-Length
  EXPECT_EQ(router.dispatch(b).body, "head-b");
  auto post = request("POST", "/a");
  EXPECT_EQ(router.dispatch(post).status, 405);
}

TEST(RouterTest, LiteralBeatsParamWhateverTheOrder) {
  Router router;
  router.add("GET", "/keys/{id}", reply("param"));
  router.add("GET", "/keys/new", reply("literal"));
  router.add("GET", "/{rest...}", reply("rest"));
  auto literal = request("GET", "/keys/new");
  auto param = request("GET", "/keys/abc");
  auto other = request("GET", "/assets/app.js");
  EXPECT_EQ(router.dispatch(literal).body, "literal");
  EXPECT_EQ(router.dispatch(param).body, "param");
  EXPECT_EQ(router.dispatch(other).body, "rest");
}

TEST(RouterTest, RestCapturesTheRemainderIncludingSlashes) {
  Router router;
  router.add("GET", "/static/{file...}", [](HttpRequest& r) {
    return HttpResponse::text(200, std::string(r.pathParam("file")));
  });
  auto deep = request("GET", "/static/js/app.js");
  auto bare = request("GET", "/static");
  EXPECT_EQ(router.dispatch(deep).body, "js/app.js");
  EXPECT_EQ(router.dispatch(bare).body, "");
}

TEST(RouterTest, TrailingSlashIsADifferentPath) {
  Router router;
  router.add("GET", "/a", reply("a"));
  auto r = request("GET", "/a/");
  EXPECT_EQ(router.dispatch(r).status, 404);
}

TEST(RouterTest, RejectsMalformedAndConflictingPatterns) {
  Router router;
  router.add("GET", "/x/{id}", reply("x"));
  EXPECT_THROW(router.add("GET", "x", reply("")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a{id}", reply("")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/{}", reply("")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/{a}/{a}", reply("")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/{rest...}/x", reply("")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/x/{other}", reply("")), std::invalid_argument);
  EXPECT_NO_THROW(router.add("PUT", "/x/{other}", reply("")));
}

TEST(RouterTest, ListsRoutesInRegistrationOrder) {
  Router router;
  router.add("POST", "/v1/logs", reply(""));
  router.add("GET", "/metrics", reply(""));
  auto routes = router.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].method, "POST");
  EXPECT_EQ(routes[0].pattern, "/v1/logs");
  EXPECT_EQ(routes[1].pattern, "/metrics");
}

TEST(HttpTypesTest, HeaderLookupIgnoresCase) {
  HttpRequest r;
  r.headers = {{"Content-Type", "text/plain"}, {"X-Api-Key", "k"}};
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.header("X-API-KEY"), "k");
  EXPECT_EQ(r.header("Accept"), "");
}

TEST(HttpTypesTest, ErrorEnvelopeEscapesJson) {
  HttpResponse r = HttpResponse::error(400, "bad_request", "a \"b\"\\\n\x01 é \xff");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.contentType, "application/json");
  EXPECT_EQ(r.body,
            "{\"error\":{\"code\":\"bad_request\",\"message\":"
            "\"a \\\"b\\\"\\\\\\n\\u0001 é \\ufffd\"}}");
}

TEST(RouterTest, BodyLimitFollowsTheRouteDispatchWouldRun) {
  Router router;
  router.add("POST", "/v1/logs", reply("logs"), RouteOptions{8 << 20});
  router.add("POST", "/items/{id}", reply("item"), RouteOptions{100});
  router.add("POST", "/items/new", reply("new"));  // more specific, no limit of its own
  router.add("GET", "/items/{id}", reply("get"), RouteOptions{7});
  router.add("PUT", "/files/{rest...}", reply("file"), RouteOptions{1 << 30});
  EXPECT_EQ(router.bodyLimitFor("POST", "/v1/logs"), size_t{8 << 20});
  EXPECT_EQ(router.bodyLimitFor("POST", "/items/42"), size_t{100});
  EXPECT_EQ(router.bodyLimitFor("POST", "/items/new"), std::nullopt);
  EXPECT_EQ(router.bodyLimitFor("GET", "/items/42"), size_t{7});
  EXPECT_EQ(router.bodyLimitFor("HEAD", "/items/42"), size_t{7});  // HEAD runs GET
  EXPECT_EQ(router.bodyLimitFor("PUT", "/files/a/b/c"), size_t{1 << 30});
  EXPECT_EQ(router.bodyLimitFor("DELETE", "/items/42"), std::nullopt);  // 405 later
  EXPECT_EQ(router.bodyLimitFor("POST", "/nope"), std::nullopt);
  EXPECT_EQ(router.bodyLimitFor("POST", ""), std::nullopt);
  auto routes = router.routes();
  ASSERT_EQ(routes.size(), 5u);
  EXPECT_EQ(routes[0].options.maxBodyBytes, size_t{8 << 20});
  EXPECT_EQ(routes[2].options.maxBodyBytes, std::nullopt);
  auto post = request("POST", "/items/new");
  EXPECT_EQ(router.dispatch(post).body, "new");
}

TEST(HttpTypesTest, TextAndJsonSetTypeAndStatus) {
  HttpResponse t = HttpResponse::text(201, "hi");
  EXPECT_EQ(t.status, 201);
  EXPECT_EQ(t.contentType, "text/plain; charset=utf-8");
  HttpResponse j = HttpResponse::json(200, "{}");
  EXPECT_EQ(j.contentType, "application/json");
  EXPECT_EQ(j.body, "{}");
}

}  // namespace
}  // namespace pharos::net
