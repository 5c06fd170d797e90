#include "slo/slo_metrics.h"

#include <gtest/gtest.h>

#include "slo_test_util.h"

namespace pharos::slo {
namespace {

TEST(SloMetricsTest, WritesBudgetAndBurnRatesPerSlo) {
  constexpr std::int64_t kDay = 86'400'000;
  std::int64_t now = 20'000 * kDay;
  EventHistory h(SloWindow{}, now - 30 * kDay, now - 3 * kDay);
  h.add(now - 1000, {990, 1000});
  h.advanceTo(now);
  SloSpec spec = testing::sloFromJson(R"({"name":"api","objective":99.9,"check":"api"})");
  SloStatus evaluated = computeStatus(spec, h, now);
  SloStatus pending;
  pending.name = "new";
  PrometheusText out;
  writeSloMetrics({evaluated, pending}, out);
  std::string text = std::move(out).str();
  EXPECT_NE(text.find("# TYPE pharos_slo_budget_remaining_ratio gauge"), std::string::npos);
  EXPECT_NE(text.find("pharos_slo_budget_remaining_ratio{slo=\"api\"} -9"), std::string::npos)
      << text;
  EXPECT_NE(text.find("pharos_slo_burn_rate{slo=\"api\",window=\"1h\"} 10"), std::string::npos)
      << text;
  EXPECT_NE(text.find("pharos_slo_burn_rate{slo=\"api\",window=\"5m\"}"), std::string::npos);
  EXPECT_NE(text.find("pharos_slo_burn_rate{slo=\"api\",window=\"3d\"}"), std::string::npos);
  EXPECT_NE(text.find("pharos_slo_events{slo=\"api\",kind=\"total\"} 1000"), std::string::npos);
  EXPECT_EQ(text.find("slo=\"new\""), std::string::npos);
  // Each window once per SLO, though 6h is both a long and a short window.
  std::size_t first = text.find("window=\"6h\"");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(text.find("window=\"6h\"", first + 1), std::string::npos);
}

}  // namespace
}  // namespace pharos::slo
