#include "metrics/scraper.h"

#include <gtest/gtest.h>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "net/http_server.h"
#include "net/router.h"

namespace pharos::metrics {
namespace {

using namespace std::chrono_literals;

promql::Matcher eq(std::string name, std::string value) {
  return promql::Matcher::make(promql::Matcher::Type::kEqual, std::move(name), std::move(value))
      .value();
}

// A real exporter on loopback, scraped through the real outbound client and policy.
class ScraperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<net::Router>();
    router->add("GET", "/metrics", [](net::HttpRequest&) {
      return net::HttpResponse::text(200,
                                     "# TYPE app_requests_total counter\n"
                                     "app_requests_total{code=\"200\",job=\"inner\"} 7\n"
                                     "app_temperature 21.5\n",
                                     "text/plain; version=0.0.4");
    });
    router->add("GET", "/broken", [](net::HttpRequest&) {
      return net::HttpResponse::text(200, "app_x{ 1\n", "text/plain; version=0.0.4");
    });
    router->add("GET", "/error",
                [](net::HttpRequest&) { return net::HttpResponse::text(500, "SECRET-BODY"); });
    net::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = net::HttpServer::start(options, router).value();
    router_ = router;
    store_ = pharos::testing::openTestStore(dir_.file("metrics.db")).value();
    MetricsOptions metricsOptions;
    metricsOptions.walDir = dir_.file("wal");
    metrics_ = MetricsStore::open(*store_, metricsOptions, clock_).value();
  }
  void TearDown() override { server_->stop(0ms); }

  ScrapeTarget target(std::string path, std::string hostPort = {}) {
    if (hostPort.empty()) hostPort = "127.0.0.1:" + std::to_string(server_->port());
    ScrapeTarget t;
    t.job = "app";
    t.instance = hostPort;
    t.url = "http://" + hostPort + path;
    t.timeout = 2s;
    t.labels = Labels{{"job", "app"}, {"instance", hostPort}, {"env", "test"}};
    return t;
  }

  double valueOf(std::vector<promql::Matcher> matchers) {
    std::int64_t now = toUnixMillis(clock_.now());
    auto got = metrics_->select(matchers, now - 1000, now + 1000).value();
    return got.size() == 1 && !got[0].samples.empty() ? got[0].samples.back().v : -1;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_{systemClock().now()};
  std::shared_ptr<net::Router> router_;
  net::HttpServerPtr server_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<MetricsStore> metrics_;
};

TEST_F(ScraperTest, RecordsSamplesWithTargetLabelsAndScrapeHealth) {
  net::OutboundPolicy policy(config::Environment::kDev);
  net::OutboundClient client(policy, {});
  auto ok = target("/metrics");
  Scraper scraper(*metrics_, &client, clock_, {ok});
  scraper.scrapeAllOnce();
  auto status = scraper.status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].health, "up") << status[0].lastError;
  EXPECT_EQ(status[0].lastSamples, 2u);
  // The target's job wins; the scraped one is kept as exported_job.
  EXPECT_EQ(valueOf({eq("__name__", "app_requests_total"), eq("job", "app"),
                     eq("exported_job", "inner"), eq("env", "test")}),
            7);
  EXPECT_EQ(valueOf({eq("__name__", "app_temperature"), eq("instance", ok.instance)}), 21.5);
  EXPECT_EQ(valueOf({eq("__name__", "up"), eq("job", "app")}), 1);
  EXPECT_EQ(valueOf({eq("__name__", "scrape_samples_scraped"), eq("job", "app")}), 2);
  EXPECT_GE(valueOf({eq("__name__", "scrape_duration_seconds"), eq("job", "app")}), 0);
}

TEST_F(ScraperTest, FailedScrapesAreUpZeroWithAReasonThatLeaksNoBody) {
  net::OutboundPolicy policy(config::Environment::kDev);
  net::OutboundClient client(policy, {});
  auto broken = target("/broken");
  broken.instance = "broken";
  broken.labels = Labels{{"job", "app"}, {"instance", "broken"}};
  auto error = target("/error");
  error.instance = "error";
  error.labels = Labels{{"job", "app"}, {"instance", "error"}};
  auto metadata = target("/latest/meta-data/", "169.254.169.254:80");
  metadata.labels = Labels{{"job", "app"}, {"instance", "metadata"}};
  Scraper scraper(*metrics_, &client, clock_, {broken, error, metadata});
  scraper.scrapeAllOnce();
  auto status = scraper.status();
  ASSERT_EQ(status.size(), 3u);
  for (const auto& s : status)
    EXPECT_EQ(s.health, "down") << s.instance;
  EXPECT_NE(status[0].lastError.find("1:"), std::string::npos) << status[0].lastError;
  EXPECT_NE(status[1].lastError.find("HTTP status 500"), std::string::npos);
  EXPECT_EQ(status[1].lastError.find("SECRET-BODY"), std::string::npos);
  EXPECT_NE(status[2].lastError.find("blocked by outbound policy"), std::string::npos)
      << status[2].lastError;
  for (const char* instance : {"broken", "error", "metadata"}) {
    EXPECT_EQ(valueOf({eq("__name__", "up"), eq("instance", instance)}), 0) << instance;
  }
  // A failed scrape stores none of the target's own samples.
  EXPECT_EQ(valueOf({eq("__name__", "app_x")}), -1);
}

TEST_F(ScraperTest, InProcessSourcesNeedNoNetwork) {
  ScrapeTarget self;
  self.job = "pharos";
  self.instance = "self";
  self.labels = Labels{{"job", "pharos"}, {"instance", "self"}};
  self.source = [] { return std::string("pharos_uptime_seconds 12\n"); };
  Scraper scraper(*metrics_, nullptr, clock_, {self});
  scraper.scrapeAllOnce();
  EXPECT_EQ(valueOf({eq("__name__", "pharos_uptime_seconds"), eq("job", "pharos")}), 12);
  EXPECT_EQ(valueOf({eq("__name__", "up"), eq("job", "pharos")}), 1);
}

TEST(ToIncomingTest, TimestampsFromTheBodyWinAndTargetLabelsAreAdded) {
  Exposition e;
  e.samples.push_back({Labels{{"__name__", "a"}, {"instance", "x"}}, 1, 5000});
  e.samples.push_back({Labels{{"__name__", "b"}}, 2, std::nullopt});
  auto out = toIncoming(std::move(e), Labels{{"instance", "h:1"}, {"job", "j"}}, 9000);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].sample.t, 5000);
  EXPECT_EQ(out[0].labels.get("exported_instance"), "x");
  EXPECT_EQ(out[0].labels.get("instance"), "h:1");
  EXPECT_EQ(out[1].sample.t, 9000);
  EXPECT_EQ(out[1].labels.str(), "b{instance=\"h:1\",job=\"j\"}");
}

}  // namespace
}  // namespace pharos::metrics
