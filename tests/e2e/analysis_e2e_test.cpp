// The analysis service through the real binary: a check going down becomes an anomaly, a
// finding and part of its incident's story within seconds; log lines over HTTP with a steady
// template and then a new one become a new-template anomaly and a finding once their minute
// closes (hence Slow: up to a minute of waiting).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "fakes/free_port.h"
#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "pharos_server.h"
#include "tcp_listener.h"

namespace pharos::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class AnalysisE2eTest : public ::testing::Test {
 protected:
  void startServer(const std::string& analysis) {
    listener_ = std::make_unique<Listener>(checkPort_);
    std::ofstream(config_)
        << "env: dev\n"
           "health:\n"
           "  checks:\n"
           "    - {name: web-login, type: tcp, host: 127.0.0.1, port: "
        << checkPort_
        << ", interval: 1s, timeout: 500ms,\n"
           "       failure_threshold: 1, labels: {service: web}}\n"
           "alerting:\n"
           "  rules:\n"
           "    - {name: WebDown, kind: check, check: web-login, severity: page}\n"
        << analysis;
    server_ =
        std::make_unique<Server>(dir_.file("data"), std::vector<std::string>{"--config", config_});
    ASSERT_NE(server_->port(), 0) << server_->process().output();
    ASSERT_FALSE(server_->adminKey().empty()) << server_->process().output();
  }

  json getJson(const std::string& path, int status = 200) {
    server_->process().running();  // keeps its log pipe drained
    auto r = httpGet(server_->port(), path, server_->authHeader());
    EXPECT_TRUE(r && r->status == status) << path << ": " << (r ? r->body : "no answer");
    return r ? json::parse(r->body, nullptr, false) : json();
  }

  // Polls `path` until `done` holds for its JSON or the timeout; the last answer.
  json waitFor(const std::string& path, seconds timeout,
               const std::function<bool(const json&)>& done) {
    auto until = std::chrono::steady_clock::now() + timeout;
    json last;
    do {
      last = getJson(path);
      if (done(last)) return last;
      std::this_thread::sleep_for(milliseconds(100));
    } while (std::chrono::steady_clock::now() < until);
    return last;
  }

  void ingest(const std::string& service, const std::string& message, int count,
              const std::string& level = "info") {
    std::string body;
    for (int i = 0; i < count; ++i) {
      body += json{{"service", service},
                   {"level", level},
                   {"message", message + " " + std::to_string(1000 + i)}}
                  .dump() +
              "\n";
    }
    auto r = httpPost(server_->port(), "/api/v1/logs", body,
                      server_->authHeader() + "Content-Type: application/x-ndjson\r\n");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 202) << r->body;
  }

  static constexpr const char* kFastAnalysis =
      "analysis:\n"
      "  log_warmup: 0s\n"
      "  poll_interval: 200ms\n";

  TempDir dir_;
  std::string config_ = dir_.file("pharos.yaml");
  uint16_t checkPort_ = freeLoopbackPort();
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Server> server_;
};

TEST_F(AnalysisE2eTest, ACheckFailureBecomesAFindingOnItsIncident) {
  ASSERT_NO_FATAL_FAILURE(startServer(kFastAnalysis));
  json up = waitFor("/api/v1/checks/web-login", seconds(15), [](const json& c) {
    return c.contains("state") && c["state"]["status"] == "up";
  });
  ASSERT_EQ(up["state"]["status"], "up") << server_->process().output();
  listener_->close();

  json failures = waitFor("/api/v1/anomalies?kind=check_failure", seconds(20),
                          [](const json& j) { return j.contains("data") && !j["data"].empty(); });
  ASSERT_EQ(failures["data"].size(), 1u) << failures.dump() << server_->process().output();
  const json& failure = failures["data"][0];
  EXPECT_EQ(failure["signal"], "web-login");
  EXPECT_EQ(failure["service"], "web");
  ASSERT_TRUE(failure.contains("examples")) << failure.dump();

  // The finding is written after the anomaly it comes from: wait for it as for the anomaly.
  json findings = waitFor("/api/v1/findings", seconds(20),
                          [](const json& j) { return j.contains("data") && !j["data"].empty(); });
  ASSERT_EQ(findings["data"].size(), 1u) << findings.dump();
  const json& finding = findings["data"][0];
  EXPECT_NE(finding["summary"].get<std::string>().find("web-login"), std::string::npos)
      << finding.dump();
  json one = getJson("/api/v1/findings/" + finding["id"].get<std::string>());
  EXPECT_EQ(one["summary"], finding["summary"]);
  getJson("/api/v1/findings/01HZZZZZZZZZZZZZZZZZZZZZZZ", 404);
  getJson("/api/v1/anomalies?kind=meteor", 400);

  // The rule on the same check opened an incident; its page tells the analysis' story.
  json incidents = waitFor("/api/v1/incidents", seconds(15),
                           [](const json& j) { return j.contains("data") && !j["data"].empty(); });
  ASSERT_EQ(incidents["data"].size(), 1u) << incidents.dump();
  json incident = getJson("/api/v1/incidents/" + incidents["data"][0]["id"].get<std::string>());
  ASSERT_TRUE(incident.contains("findings")) << incident.dump();
  ASSERT_EQ(incident["findings"].size(), 1u) << incident.dump();
  EXPECT_EQ(incident["findings"][0]["id"], finding["id"]);
  EXPECT_EQ(incident["findings"][0]["summary"], finding["summary"]);

  auto metrics = httpGet(server_->port(), "/metrics", server_->authHeader());
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("pharos_analysis_anomalies_total{kind=\"check_failure\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("pharos_analysis_findings_open"), std::string::npos);
}

TEST_F(AnalysisE2eTest, SlowANewLogTemplateBecomesAnAnomalyAndAFinding) {
  ASSERT_NO_FATAL_FAILURE(startServer(kFastAnalysis));
  ingest("shop", "cart updated for session", 40);
  std::this_thread::sleep_for(milliseconds(300));
  ingest("shop", "cart updated for session", 40);
  ingest("shop", "inventory service unreachable retrying in", 3, "error");

  // Reported when the minute the lines arrived in closes.
  const std::string path = "/api/v1/anomalies?kind=new_template&service=shop";
  auto hasNew = [](const json& j) {
    if (!j.contains("data")) return false;
    for (const json& e : j["data"]) {
      if (e.value("template", "").find("inventory service unreachable") != std::string::npos)
        return true;
    }
    return false;
  };
  json events = waitFor(path, seconds(90), hasNew);
  ASSERT_TRUE(hasNew(events)) << events.dump() << server_->process().output();

  json findings = getJson("/api/v1/findings");
  ASSERT_GE(findings["data"].size(), 1u) << findings.dump();
  bool told = false;
  for (const json& f : findings["data"])
    told = told || f["summary"].get<std::string>().find("new log template") != std::string::npos;
  EXPECT_TRUE(told) << findings.dump();
  auto metrics = httpGet(server_->port(), "/metrics", server_->authHeader());
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("pharos_analysis_log_templates_tracked 2"), std::string::npos);
}

// analysis.metrics: the check's own latency series is scored as it is written, the scores
// are a series PromQL reads, and an anomaly rule over them loads and evaluates.
TEST_F(AnalysisE2eTest, SelectedMetricSeriesAreScoredAndAnAnomalyRuleReadsThem) {
  ASSERT_NO_FATAL_FAILURE(
      startServer(std::string(kFastAnalysis) +
                  "  metrics: ['pharos_check_duration_seconds{check=\"web-login\"}']\n"));
  // pharos_anomaly_score{metric="pharos_check_duration_seconds"}
  const std::string query =
      "/api/v1/metrics/query?query="
      "pharos_anomaly_score%7Bmetric%3D%22pharos_check_duration_seconds%22%7D";
  json scores = waitFor(query, seconds(20), [](const json& j) {
    return j.contains("data") && !j["data"]["result"].empty();
  });
  ASSERT_FALSE(scores["data"]["result"].empty()) << scores.dump() << server_->process().output();
  const json& series = scores["data"]["result"][0];
  EXPECT_EQ(series["metric"]["check"], "web-login") << series.dump();
  EXPECT_EQ(series["metric"]["service"], "web") << series.dump();
  double score = std::stod(series["value"][1].get<std::string>());
  EXPECT_GE(score, 0.0);
  EXPECT_LE(score, 1.0);
  auto metrics = httpGet(server_->port(), "/metrics", server_->authHeader());
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("pharos_analysis_scored_series 1"), std::string::npos);
}

TEST_F(AnalysisE2eTest, DisabledItDetectsNothingButTheRoutesAnswer) {
  ASSERT_NO_FATAL_FAILURE(startServer("analysis: {enabled: false}\n"));
  json up = waitFor("/api/v1/checks/web-login", seconds(15), [](const json& c) {
    return c.contains("state") && c["state"]["status"] == "up";
  });
  ASSERT_EQ(up["state"]["status"], "up") << server_->process().output();
  listener_->close();
  json incidents = waitFor("/api/v1/incidents", seconds(15),
                           [](const json& j) { return j.contains("data") && !j["data"].empty(); });
  ASSERT_EQ(incidents["data"].size(), 1u) << incidents.dump();
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_TRUE(getJson("/api/v1/anomalies")["data"].empty());
  EXPECT_TRUE(getJson("/api/v1/findings")["data"].empty());
  json incident = getJson("/api/v1/incidents/" + incidents["data"][0]["id"].get<std::string>());
  ASSERT_TRUE(incident.contains("findings") && incident["findings"].is_array()) << incident.dump();
  EXPECT_TRUE(incident["findings"].empty()) << incident.dump();
}

}  // namespace
}  // namespace pharos::testing
