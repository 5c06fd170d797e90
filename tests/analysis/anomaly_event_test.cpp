#include "analysis/anomaly_event.h"

#include <gtest/gtest.h>

namespace pharos::analysis {
namespace {

TEST(AnomalyEventTest, JsonRoundTrips) {
  AnomalyEvent e;
  e.id = "01HV0000000000000000000000";
  e.kind = AnomalyKind::kTemplateRate;
  e.service = "checkout";
  e.signal = "42";
  e.startMs = 1'700'000'040'000;
  e.endMs = 1'700'000'100'000;
  e.score = 0.75;
  e.baseline = 3.5;
  e.observed = 120;
  e.unit = "lines/min";
  e.templateText = "timeout after <NUM>ms";
  e.examples = {"timeout after 30ms", "timeout after 31ms"};
  e.labels = {{"errors", "2"}};
  nlohmann::json j = toJson(e);
  EXPECT_EQ(j["kind"], "template_rate");
  EXPECT_EQ(j["template"], "timeout after <NUM>ms");
  auto back = anomalyEventFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().toString();
  EXPECT_EQ(*back, e);
  // Through text as well, as the store keeps it.
  auto reparsed = anomalyEventFromJson(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(*reparsed, e);
}

TEST(AnomalyEventTest, EmptyOptionalsAreLeftOut) {
  AnomalyEvent e;
  e.kind = AnomalyKind::kCheckFailure;
  e.signal = "api";
  nlohmann::json j = toJson(e);
  EXPECT_FALSE(j.contains("template"));
  EXPECT_FALSE(j.contains("examples"));
  EXPECT_FALSE(j.contains("labels"));
}

TEST(AnomalyEventTest, KindNames) {
  for (AnomalyKind k : {AnomalyKind::kMetric, AnomalyKind::kNewTemplate, AnomalyKind::kTemplateRate,
                        AnomalyKind::kErrorShare, AnomalyKind::kCheckFailure}) {
    EXPECT_EQ(parseAnomalyKind(anomalyKindName(k)), k);
  }
  EXPECT_EQ(anomalyKindName(AnomalyKind::kErrorShare), "error_share");
  EXPECT_FALSE(parseAnomalyKind("spike").has_value());
}

TEST(AnomalyEventTest, BadJsonIsAnErrorNamingTheField) {
  auto bad = [](const char* text) {
    auto r = anomalyEventFromJson(nlohmann::json::parse(text));
    return r.ok() ? std::string("ok") : r.error().message;
  };
  EXPECT_NE(bad(R"([])").find("(event)"), std::string::npos);
  EXPECT_NE(bad(R"({"start_ms": 1, "end_ms": 2})").find("'kind'"), std::string::npos);
  EXPECT_NE(bad(R"({"kind": "nope", "start_ms": 1, "end_ms": 2})").find("'kind'"),
            std::string::npos);
  EXPECT_NE(bad(R"({"kind": "metric", "start_ms": "1", "end_ms": 2})").find("'start_ms'"),
            std::string::npos);
  EXPECT_NE(bad(R"({"kind": "metric", "start_ms": 1, "end_ms": 2, "score": "x"})").find("'score'"),
            std::string::npos);
  EXPECT_NE(
      bad(R"({"kind": "metric", "start_ms": 1, "end_ms": 2, "examples": [1]})").find("'examples'"),
      std::string::npos);
  EXPECT_NE(
      bad(R"({"kind": "metric", "start_ms": 1, "end_ms": 2, "labels": {"a": 1}})").find("'labels'"),
      std::string::npos);
  EXPECT_EQ(bad(R"({"kind": "metric", "start_ms": 1, "end_ms": 2})"), "ok");
}

}  // namespace
}  // namespace pharos::analysis
