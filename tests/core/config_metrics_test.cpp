#include <gtest/gtest.h>

#include "core/config/loader.h"

namespace pharos::config {
namespace {

LoadOutcome load(std::string_view yaml) {
  LoadOptions options;
  options.lookupEnv = [](const std::string&) -> std::optional<std::string> { return {}; };
  return loadConfigString(yaml, "pharos.yaml", options);
}

std::string allErrors(const LoadOutcome& out) {
  std::string all;
  for (const auto& d : out.diagnostics)
    all += d.toString() + "\n";
  return all;
}

TEST(ConfigMetricsTest, DefaultsDifferPerEnvironment) {
  EXPECT_EQ(defaultsFor(Environment::kDev).metrics.rawRetention, Millis(7LL * 86'400'000));
  EXPECT_EQ(defaultsFor(Environment::kProd).metrics.rawRetention, Millis(30LL * 86'400'000));
  EXPECT_EQ(defaultsFor(Environment::kProd).metrics.hourRetention, Millis(730LL * 86'400'000));
  EXPECT_EQ(defaultsFor(Environment::kDev).metrics.selfScrapeInterval, Millis(15'000));
}

TEST(ConfigMetricsTest, ReadsRetentionBudgetLimitsAndScrapeJobs) {
  LoadOutcome out = load(R"(
metrics:
  retention: {raw: 2d, minute: 30d, hour: 1y}
  max_disk_bytes: 10GiB
  max_series: 5000
  max_series_per_metric: 500
  self_scrape_interval: 0s
  scrape:
    - job: node
      targets: ["10.0.0.5:9100", "[::1]:9100"]
      interval: 30s
      timeout: 5s
      labels: {env: prod}
)");
  ASSERT_TRUE(out.ok()) << allErrors(out);
  const MetricsConfig& m = out.config.metrics;
  EXPECT_EQ(m.rawRetention, Millis(2LL * 86'400'000));
  EXPECT_EQ(m.maxDiskBytes, 10LL << 30);
  EXPECT_EQ(m.maxSeriesPerMetric, 500);
  EXPECT_EQ(m.selfScrapeInterval, Millis(0));
  ASSERT_EQ(m.scrape.size(), 1u);
  EXPECT_EQ(m.scrape[0].targets.size(), 2u);
  EXPECT_EQ(m.scrape[0].interval, Millis(30'000));
  EXPECT_EQ(m.scrape[0].path, "/metrics");
  EXPECT_EQ(m.scrape[0].labels.at("env"), "prod");
}

TEST(ConfigMetricsTest, RejectsBrokenScrapeJobsWithPositions) {
  LoadOutcome out = load(R"(metrics:
  scrape:
    - job: a
      targets: [nohostport]
      interval: 5s
      timeout: 10s
      scheme: ftp
      labels: {"bad-name": x}
    - job: a
      targets: ["h:1"]
      intervall: 5s
)");
  std::string all = allErrors(out);
  EXPECT_NE(all.find("missing port"), std::string::npos) << all;
  EXPECT_NE(all.find("timeout (10s) must not exceed interval (5s)"), std::string::npos) << all;
  EXPECT_NE(all.find("expected http or https, not 'ftp'"), std::string::npos) << all;
  EXPECT_NE(all.find("invalid label name 'bad-name'"), std::string::npos) << all;
  EXPECT_NE(all.find("duplicate job name 'a'"), std::string::npos) << all;
  EXPECT_NE(all.find("pharos.yaml:11:7: unknown key 'intervall'"), std::string::npos) << all;
  EXPECT_NE(all.find("did you mean 'interval'"), std::string::npos) << all;
}

}  // namespace
}  // namespace pharos::config
