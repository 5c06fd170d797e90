#include "dashboard/dashboard_routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "net/gzip.h"

namespace pharos::dashboard {
namespace {

const std::string kPage = "<!doctype html><title>Pharos</title>";
const std::string kScript = "console.log('pharos');";

class DashboardRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gzPage_ = net::gzipCompress(kPage, 9);
    gzScript_ = net::gzipCompress(kScript, 9);
    files_ = {{"/ui/assets/app-abc.js", "text/javascript; charset=utf-8", kScript, gzScript_,
               "\"abc\"", true},
              {"/ui/", "text/html; charset=utf-8", kPage, gzPage_, "\"page1\"", false}};
    routes_ = dashboardRoutes(nullptr, files_);
  }

  net::HttpResponse get(const std::string& pattern,
                        std::vector<std::pair<std::string, std::string>> params,
                        net::Headers headers = {}) {
    auto spec = std::find_if(routes_.begin(), routes_.end(),
                             [&](const api::RouteSpec& s) { return s.pattern == pattern; });
    EXPECT_NE(spec, routes_.end()) << pattern;
    net::HttpRequest req;
    req.method = "GET";
    req.pathParams = std::move(params);
    req.headers = std::move(headers);
    return spec->handler(req);
  }

  static std::string header(const net::HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  std::string gzPage_, gzScript_;
  std::vector<Asset> files_;
  std::vector<api::RouteSpec> routes_;
};

TEST_F(DashboardRoutesTest, EveryRouteIsPublicAndGet) {
  for (const api::RouteSpec& spec : routes_) {
    EXPECT_EQ(spec.method, "GET") << spec.pattern;
    EXPECT_FALSE(spec.scope.has_value()) << spec.pattern;
  }
}

TEST_F(DashboardRoutesTest, ServesABundledFileGzippedOrPlainWithLongCaching) {
  net::HttpResponse gz =
      get("/ui/{path...}", {{"path", "assets/app-abc.js"}}, {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(gz.status, 200);
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(net::gzipInflate(gz.body, 1 << 20).value(), kScript);
  EXPECT_EQ(gz.contentType, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(gz, "Cache-Control"), "public, max-age=31536000, immutable");

  net::HttpResponse plain = get("/ui/{path...}", {{"path", "assets/app-abc.js"}});
  EXPECT_EQ(header(plain, "Content-Encoding"), "");
  EXPECT_EQ(plain.body, kScript);
}

TEST_F(DashboardRoutesTest, AnyOtherPathIsThePageSoDeepLinksReload) {
  net::HttpResponse page = get("/ui/{path...}", {{"path", "checks/web"}});
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, kPage);
  EXPECT_EQ(header(page, "Cache-Control"), "no-cache");
  EXPECT_EQ(get("/status/{group}", {{"group", "shop"}}).body, kPage);
  // …but not a missing bundle file: a stale page must fail loudly, not get HTML as script.
  EXPECT_EQ(get("/ui/{path...}", {{"path", "assets/app-old.js"}}).status, 404);
}

TEST_F(DashboardRoutesTest, RevalidationByETagAnswers304WithoutABody) {
  net::HttpResponse r = get("/ui/{path...}", {{"path", ""}}, {{"If-None-Match", "\"page1\""}});
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(get("/ui/{path...}", {{"path", ""}}, {{"If-None-Match", "\"old\""}}).status, 200);
}

TEST_F(DashboardRoutesTest, ThePageMayTalkToThisServerOnly) {
  net::HttpResponse r = get("/ui/{path...}", {{"path", ""}});
  std::string csp = header(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(r, "X-Frame-Options"), "DENY");
}

TEST_F(DashboardRoutesTest, UiWithoutSlashRedirectsAndNoBundleSaysSo) {
  net::HttpResponse r = get("/ui", {});
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(header(r, "Location"), "/ui/");
  std::vector<Asset> none;
  auto routes = dashboardRoutes(nullptr, none);
  net::HttpRequest req;
  req.method = "GET";
  req.pathParams = {{"path", ""}};
  net::HttpResponse missing = routes[1].handler(req);
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("PHAROS_DASHBOARD=OFF"), std::string::npos);
}

TEST(BundledAssetsTest, ThePageNamesTheBundledScriptAndStyle) {
  const auto& files = assets();
  if (files.empty()) GTEST_SKIP() << "built with -DPHAROS_DASHBOARD=OFF";
  const Asset* page = nullptr;
  for (const Asset& a : files) {
    if (a.path == "/ui/") page = &a;
  }
  ASSERT_NE(page, nullptr);
  for (const Asset& a : files) {
    if (a.path == "/ui/") continue;
    EXPECT_NE(page->plain.find(a.path), std::string_view::npos) << a.path;
    EXPECT_TRUE(a.immutable);
    EXPECT_EQ(net::gzipInflate(a.gzip, 1 << 24).value(), a.plain) << a.path;
  }
}

}  // namespace
}  // namespace pharos::dashboard
