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

TEST(ConfigAnalysisTest, DefaultsDifferPerEnvironment) {
  AnalysisConfig dev = defaultsFor(Environment::kDev).analysis;
  EXPECT_TRUE(dev.enabled);
  EXPECT_EQ(dev.logWarmup, Millis(10 * 60'000));
  EXPECT_EQ(dev.correlationGap, Millis(5 * 60'000));
  EXPECT_EQ(dev.pollInterval, Millis(15'000));
  EXPECT_TRUE(dev.metrics.empty());
  EXPECT_EQ(dev.retention, Millis(7LL * 86'400'000));
  EXPECT_EQ(defaultsFor(Environment::kStaging).analysis.retention, Millis(14LL * 86'400'000));
  EXPECT_EQ(defaultsFor(Environment::kProd).analysis.retention, Millis(30LL * 86'400'000));
}

TEST(ConfigAnalysisTest, ReadsEveryField) {
  LoadOutcome out = load(R"(
analysis:
  enabled: false
  log_warmup: 0s
  correlation_gap: 2m
  retention: 90d
  metrics: ['rate(http_requests_total{job="api"}[5m])', up]
  poll_interval: 500ms
)");
  ASSERT_TRUE(out.ok()) << allErrors(out);
  const AnalysisConfig& a = out.config.analysis;
  EXPECT_FALSE(a.enabled);
  EXPECT_EQ(a.logWarmup, Millis(0));
  EXPECT_EQ(a.correlationGap, Millis(120'000));
  EXPECT_EQ(a.retention, Millis(90LL * 86'400'000));
  ASSERT_EQ(a.metrics.size(), 2u);
  EXPECT_EQ(a.metrics[0], "rate(http_requests_total{job=\"api\"}[5m])");
  EXPECT_EQ(a.metrics[1], "up");
  EXPECT_EQ(a.pollInterval, Millis(500));
}

TEST(ConfigAnalysisTest, UnknownKeyHasPositionAndSuggestion) {
  LoadOutcome out = load("analysis:\n  log_warmpu: 1m\n");
  ASSERT_EQ(out.diagnostics.size(), 1u) << allErrors(out);
  EXPECT_EQ(out.diagnostics[0].toString(),
            "pharos.yaml:2:3: unknown key 'log_warmpu' in analysis (did you mean 'log_warmup'?)");
}

TEST(ConfigAnalysisTest, ReportsBadValuesWithPositions) {
  LoadOutcome out = load(R"(analysis:
  enabled: maybe
  poll_interval: 1ms
  retention: soon
  metrics: up
)");
  ASSERT_EQ(out.diagnostics.size(), 4u) << allErrors(out);
  EXPECT_EQ(out.diagnostics[0].line, 2);
  EXPECT_NE(out.diagnostics[0].toString().find("analysis.enabled: expected true or false"),
            std::string::npos);
  EXPECT_EQ(out.diagnostics[1].line, 3);
  EXPECT_NE(out.diagnostics[1].toString().find("analysis.poll_interval"), std::string::npos);
  EXPECT_NE(out.diagnostics[1].toString().find("out of range"), std::string::npos);
  EXPECT_EQ(out.diagnostics[2].line, 4);
  EXPECT_EQ(out.diagnostics[3].line, 5);
  EXPECT_NE(out.diagnostics[3].toString().find("analysis.metrics: expected a list"),
            std::string::npos);
}

}  // namespace
}  // namespace pharos::config
