// The metrics API through the real binary: push samples, query them the way Grafana does,
// kill -9 the server, and find every acknowledged sample after the restart.
#include <signal.h>

#include <gtest/gtest.h>

#include <string>

#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "pharos_server.h"

namespace pharos::testing {
namespace {

using std::chrono::seconds;

TEST(MetricsE2eTest, ImportQueryAndSurviveKill9) {
  TempDir dir;
  std::string key;
  // Timestamps in the past minutes, one every 15 s, so they sit in raw retention.
  std::int64_t nowSec =
      std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::int64_t start = nowSec - 600;
  std::string body = "# TYPE e2e_requests_total counter\n";
  for (int i = 0; i < 40; ++i) {
    std::string t = std::to_string((start + i * 15) * 1000);
    body +=
        "e2e_requests_total{job=\"shop\",code=\"200\"} " + std::to_string(i * 10) + " " + t + "\n";
    body += "e2e_requests_total{job=\"shop\",code=\"500\"} " + std::to_string(i) + " " + t + "\n";
  }
  std::string query =
      "/api/v1/metrics/query?query=sum(e2e_requests_total)&time=" + std::to_string(start + 39 * 15);
  {
    Server server(dir.file("data"));
    ASSERT_NE(server.port(), 0) << server.process().output();
    key = server.adminKey();
    auto imported = httpPost(server.port(), "/api/v1/metrics/import", body,
                             server.authHeader() + "Content-Type: text/plain; version=0.0.4\r\n");
    ASSERT_TRUE(imported);
    ASSERT_EQ(imported->status, 200) << imported->body;
    EXPECT_NE(imported->body.find("\"appended\":80"), std::string::npos) << imported->body;

    auto bad =
        httpPost(server.port(), "/api/v1/metrics/import", "ok 1\nbroken{ 2\n", server.authHeader());
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400);
    EXPECT_NE(bad->body.find("2:"), std::string::npos) << bad->body;  // line:column

    auto sum = httpGet(server.port(), query, server.authHeader());
    ASSERT_TRUE(sum);
    EXPECT_EQ(sum->status, 200) << sum->body;
    EXPECT_NE(sum->body.find("\"429\""), std::string::npos) << sum->body;  // 390 + 39

    auto unsupported =
        httpGet(server.port(), "/api/v1/metrics/query?query=topk(1,up)", server.authHeader());
    ASSERT_TRUE(unsupported);
    EXPECT_EQ(unsupported->status, 400);
    EXPECT_NE(unsupported->body.find("1:1:"), std::string::npos) << unsupported->body;
    EXPECT_NE(unsupported->body.find("bad_data"), std::string::npos);

    // Grafana's path, and the scope: an import needs `ingest`, a query `read`.
    auto grafana = httpGet(server.port(), "/prometheus/api/v1/labels", server.authHeader());
    ASSERT_TRUE(grafana);
    EXPECT_NE(grafana->body.find("\"code\""), std::string::npos) << grafana->body;
    auto anonymous = httpGet(server.port(), query);
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);

    // No flush, no clean stop: only the write-ahead log has the samples.
    EXPECT_EQ(server.process().signalAndWait(SIGKILL, seconds(5)), 128 + SIGKILL);
  }
  Server restarted(dir.file("data"));
  ASSERT_NE(restarted.port(), 0) << restarted.process().output();
  std::string auth = "Authorization: Bearer " + key + "\r\n";
  auto sum = httpGet(restarted.port(), query, auth);
  ASSERT_TRUE(sum);
  EXPECT_NE(sum->body.find("\"429\""), std::string::npos) << sum->body;
  auto range =
      httpGet(restarted.port(),
              "/api/v1/metrics/query_range?query=e2e_requests_total{code=\"500\"}&start=" +
                  std::to_string(start) + "&end=" + std::to_string(start + 39 * 15) + "&step=15",
              auth);
  ASSERT_TRUE(range);
  ASSERT_EQ(range->status, 200) << range->body;
  // Every one of the 40 acknowledged points of the series.
  std::size_t points = 0;
  for (std::size_t at = range->body.find("],["); at != std::string::npos;
       at = range->body.find("],[", at + 1))
    ++points;
  EXPECT_EQ(points + 1, 40u) << range->body;
  EXPECT_EQ(restarted.process().signalAndWait(SIGTERM, seconds(15)), 0);
}

}  // namespace
}  // namespace pharos::testing
