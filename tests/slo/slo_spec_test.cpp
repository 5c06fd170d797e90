#include "slo/slo_spec.h"

#include <gtest/gtest.h>

#include "core/config/loader.h"
#include "promql/api_params.h"
#include "slo_test_util.h"

namespace pharos::slo {
namespace {

using testing::problemsText;
using testing::sloFromJson;

std::vector<SpecProblem> problemsOf(std::string_view json) {
  ParsedSlo parsed = parseSloSpec(config::nodeFromJson(nlohmann::json::parse(json)));
  if (auto* p = std::get_if<std::vector<SpecProblem>>(&parsed)) return *p;
  return {};
}

std::string messages(std::string_view json) {
  return problemsText(problemsOf(json));
}

// The config's `slos:` section is wired by the app; here the same list comes through the
// loader under health.checks, which keeps it as a tree with positions.
std::variant<std::vector<SloSpec>, std::vector<config::Diagnostic>> fromYaml(std::string yaml) {
  config::LoadOptions options;
  options.lookupEnv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  config::LoadOutcome out =
      config::loadConfigString("health:\n  checks:\n" + yaml, "pharos.yaml", options);
  EXPECT_TRUE(out.ok()) << (out.diagnostics.empty() ? "" : out.diagnostics[0].toString());
  return readSloConfig(out.config.health.checks, "pharos.yaml");
}

TEST(SloSpecTest, ReadsAnAvailabilitySloByCheck) {
  SloSpec s = sloFromJson(R"({"name":"api","objective":99.9,"check":"api"})");
  EXPECT_EQ(s.sli, SliKind::kAvailability);
  EXPECT_DOUBLE_EQ(s.objective, 99.9);
  EXPECT_NEAR(s.budgetRatio(), 0.001, 1e-12);
  EXPECT_EQ(s.window, SloWindow{});  // 30d
  EXPECT_EQ(s.query.mode, SliQuery::Mode::kSamples);
  EXPECT_TRUE(s.query.checkMaintenance);
  std::string selector;
  for (const auto& m : s.query.good)
    selector += m.str() + " ";
  EXPECT_EQ(selector, R"(__name__="pharos_check_up" maintenance="" check="api" )");
}

TEST(SloSpecTest, ReadsEachSliKind) {
  SloSpec byLabels = sloFromJson(
      R"({"name":"db","objective":99.5,"window":"7d","checks":"{team=\"db\", env=~\"prod.*\"}"})");
  EXPECT_EQ(byLabels.query.good.size(), 4u);
  EXPECT_EQ(byLabels.window.length, Millis(7LL * 86'400'000));

  SloSpec ratio = sloFromJson(
      R"({"name":"checkout","objective":99,"window":"month",
          "good":"pharos_log_http_responses_total{service=\"checkout\",code!=\"5xx\"}",
          "total":"pharos_log_http_responses_total{service=\"checkout\"}"})");
  EXPECT_EQ(ratio.sli, SliKind::kRatio);
  EXPECT_EQ(ratio.query.mode, SliQuery::Mode::kCounters);
  EXPECT_EQ(ratio.query.good.size(), 3u);
  EXPECT_EQ(ratio.query.total.size(), 2u);
  EXPECT_FALSE(ratio.query.checkMaintenance);

  SloSpec latency = sloFromJson(
      R"({"name":"fast","objective":95,"histogram":"http_request_duration_seconds{service=\"x\"}",
          "threshold":0.3})");
  EXPECT_EQ(latency.sli, SliKind::kLatency);
  std::string good;
  for (const auto& m : latency.query.good)
    good += m.str() + " ";
  EXPECT_EQ(good, R"(service="x" __name__="http_request_duration_seconds_bucket" le=~"0\\.30*" )");
  EXPECT_EQ(latency.query.total.back().value, "http_request_duration_seconds_count");

  SloSpec gauge = sloFromJson(R"({"name":"up","objective":99,"gauge":"up{job=\"x\"}"})");
  EXPECT_EQ(gauge.sli, SliKind::kGauge);
  EXPECT_EQ(gauge.query.mode, SliQuery::Mode::kSamples);
  EXPECT_FALSE(gauge.query.checkMaintenance);
}

TEST(SloSpecTest, ThresholdMatchesEverySpellingOfTheBound) {
  SloSpec one = sloFromJson(R"({"name":"fast","objective":95,"histogram":"h","threshold":1})");
  const promql::Matcher& le = one.query.good.back();
  EXPECT_TRUE(le.matches("1"));
  EXPECT_TRUE(le.matches("1.0"));
  EXPECT_FALSE(le.matches("10"));
  SloSpec tenth = sloFromJson(R"({"name":"fast","objective":95,"histogram":"h","threshold":0.25})");
  EXPECT_TRUE(tenth.query.good.back().matches("0.250"));
  EXPECT_FALSE(tenth.query.good.back().matches("0.2"));
}

TEST(SloSpecTest, ReportsEveryProblemNamingItsField) {
  std::string all = messages(
      R"({"name":"bad name","objective":100,"window":"2y","checkk":"x","check":"api",
          "labels":{"slo":"x"}})");
  EXPECT_NE(all.find("'bad name' is not a valid name"), std::string::npos) << all;
  EXPECT_NE(all.find("objective: the objective is a percentage of good events above 0 and "
                     "below 100"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("window: a rolling window is from 1h to 400d"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown field 'checkk' (did you mean 'check'?)"), std::string::npos) << all;
  EXPECT_NE(all.find("labels.slo: 'slo' cannot be a label name"), std::string::npos) << all;

  EXPECT_NE(messages(R"({"name":"x","objective":99})").find("an SLO needs an SLI"),
            std::string::npos);
  EXPECT_NE(messages(R"({"objective":99,"check":"a"})").find("name: an SLO needs a name"),
            std::string::npos);
  EXPECT_NE(messages(R"({"name":"x","check":"a"})").find("an SLO needs an objective"),
            std::string::npos);
  EXPECT_NE(messages(R"({"name":"x","objective":99,"check":"a","gauge":"up"})")
                .find("more than one SLI (availability, gauge)"),
            std::string::npos);
  EXPECT_NE(messages(R"({"name":"x","objective":99,"good":"a"})")
                .find("total: a ratio SLI needs a counter selector of all events"),
            std::string::npos);
  EXPECT_NE(messages(R"({"name":"x","objective":99,"histogram":"h"})")
                .find("threshold: a latency SLI needs a threshold"),
            std::string::npos);
  EXPECT_NE(messages(R"({"name":"x","objective":99,"histogram":"h_bucket","threshold":1})")
                .find("name the histogram without _bucket (like h)"),
            std::string::npos);
  EXPECT_NE(messages(R"({"name":"x","objective":99,"sli":"ratio","check":"a"})")
                .find("sli: is ratio but the fields describe a availability SLI"),
            std::string::npos);
  EXPECT_NE(messages(R"({"name":"x","objective":99,"checks":"team"})").find("checks: invalid"),
            std::string::npos);
}

TEST(SloSpecTest, RatioSelectorsAreSelectorsNotExpressions) {
  std::string all =
      messages(R"j({"name":"x","objective":99,"good":"rate(a[5m])","total":"sum(b)"})j");
  EXPECT_NE(all.find("good: expected a selector like metric{label=\"value\"}, not an expression: "
                     "events are summed from counter increases"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("total: expected a selector"), std::string::npos) << all;
  EXPECT_NE(messages(R"({"name":"x","objective":99,"good":"{a=\"b\"}","total":"t"})")
                .find("good: the selector needs a metric name"),
            std::string::npos);
}

TEST(SloSpecTest, ReadsExcludedPeriods) {
  SloSpec s = sloFromJson(
      R"({"name":"x","objective":99,"check":"a","exclude":[
          {"start":"2026-12-01T02:00:00Z","end":"2026-12-01T03:30:00Z"},
          {"every":"0 2 * * SUN","duration":"1h"}]})");
  ASSERT_EQ(s.exclude.size(), 2u);
  EXPECT_EQ(toUnixMillis(*s.exclude[0].start),
            promql::parseTimeParam("2026-12-01T02:00:00Z").value());
  EXPECT_EQ(s.exclude[1].every->text(), "0 2 * * SUN");
  EXPECT_EQ(s.exclude[1].duration, Millis(3'600'000));

  std::string all = messages(
      R"({"name":"x","objective":99,"check":"a","exclude":[
          {"start":"2026-12-01T04:00:00Z","end":"2026-12-01T03:00:00Z"},
          {"every":"0 2 30 2 *","duration":"1h"},
          {"every":"0 2 * * *"},
          {"start":"yesterday","end":"2026-12-01T03:00:00Z"},
          {"every":"0 2 * * *","duration":"1h","name":"n"}]})");
  EXPECT_NE(all.find("exclude[0]: "), std::string::npos) << all;
  EXPECT_NE(all.find("exclude[1]: "), std::string::npos) << all;
  EXPECT_NE(all.find("exclude[2]: "), std::string::npos) << all;
  EXPECT_NE(all.find("exclude[3].start: expected a time"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown field 'exclude[4].name'"), std::string::npos) << all;
  EXPECT_EQ(problemsOf(R"({"name":"x","objective":99,"check":"a","exclude":[{"evry":"@daily"}]})")
                .front()
                .message,
            "unknown field 'exclude[0].evry' (did you mean 'every'?)");
}

TEST(SloSpecTest, JsonReadsBackToTheSameSlo) {
  for (
      const char* text : {
          R"({"name":"a","objective":99.95,"window":"month","check":"api","description":"d",
               "labels":{"team":"web"},"exclude":[{"every":"0 2 * * SUN","duration":"1h30m"},
               {"start":"2026-12-01T02:00:00Z","end":"2026-12-01T03:00:00.500Z"}]})",
          R"({"name":"b","objective":99,"checks":"team=\"db\""})",
          R"({"name":"c","objective":90,"window":"4w","good":"g{a=\"1\"}","total":"t"})",
          R"({"name":"d","objective":95,"window":"quarter","histogram":"h{x=\"y\"}","threshold":0.3})",
          R"({"name":"e","objective":99.5,"gauge":"up{job=\"x\"}"})"}) {
    SloSpec s = sloFromJson(text);
    nlohmann::json j = sloSpecToJson(s);
    SloSpec again = sloFromJson(j.dump());
    EXPECT_EQ(sloSpecToJson(again), j) << j.dump();
  }
}

TEST(SloSpecTest, ProblemsInTheConfigAreLocatedInTheFile) {
  auto read = fromYaml(
      "    - name: api\n"
      "      objective: 99.9\n"
      "      check: api\n"
      "    - name: checkout\n"
      "      objective: high\n"
      "      good: 'http_total{code!=\"5xx\"'\n"
      "      total: http_total\n"
      "    - name: api\n"
      "      objective: 99\n"
      "      gauge: up\n");
  auto* d = std::get_if<std::vector<config::Diagnostic>>(&read);
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ((*d)[0].line, 7);
  EXPECT_EQ((*d)[0].column, 18);
  EXPECT_NE((*d)[0].message.find("slos[1].objective: expected a number, got 'high'"),
            std::string::npos)
      << (*d)[0].toString();
  // The selector's problem points at its character: the end of the text (22 characters after
  // the quote), where '}' is missing.
  EXPECT_EQ((*d)[1].line, 8);
  EXPECT_EQ((*d)[1].column, 13 + 1 + 22);
  EXPECT_NE((*d)[1].message.find("slos[1].good: "), std::string::npos) << (*d)[1].toString();
  EXPECT_EQ((*d)[2].line, 10);
  EXPECT_NE((*d)[2].message.find("slos[2].name: duplicate SLO name 'api'"), std::string::npos);
}

TEST(SloSpecTest, ReadsAConfigList) {
  auto read = fromYaml(
      "    - name: api\n"
      "      objective: 99.9\n"
      "      window: month\n"
      "      check: api\n"
      "      exclude:\n"
      "        - {every: '0 2 * * SUN', duration: 1h}\n");
  auto* slos = std::get_if<std::vector<SloSpec>>(&read);
  ASSERT_NE(slos, nullptr) << std::get<std::vector<config::Diagnostic>>(read)[0].toString();
  ASSERT_EQ(slos->size(), 1u);
  EXPECT_EQ((*slos)[0].window.kind, WindowKind::kMonth);
  EXPECT_EQ((*slos)[0].exclude.size(), 1u);
}

}  // namespace
}  // namespace pharos::slo
