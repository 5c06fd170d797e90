#include "analysis/analysis_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "bus/embedded/embedded_bus.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "logs/template_miner.h"

namespace pharos::analysis {
namespace {

constexpr int64_t kMinute = 60'000;
// 12:00 UTC, on a minute boundary, so the detector's minutes line up with the test's.
constexpr int64_t kT0 = 1'700'049'600'000;

class AnalysisServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(store.ok()) << store.error().toString();
    store_ = std::move(store).value();
    auto bus = bus::EmbeddedBus::open(dir_.file("bus.db"), clock_);
    ASSERT_TRUE(bus.ok()) << bus.error().toString();
    bus_ = std::move(bus).value();
    options_.retentionMs = 86'400'000;
    options_.pollInterval = Millis(10);
  }

  void openService() {
    auto service = AnalysisService::open(*store_, *bus_, clock_, options_);
    ASSERT_TRUE(service.ok()) << service.error().toString();
    service_ = std::move(service).value();
  }

  int64_t now() const { return toUnixMillis(clock_.now()); }

  // `count` lines of `message` received now, mined and observed as the log processor would.
  void logLines(const std::string& service, const std::string& message, int count,
                logs::Level level = logs::Level::kInfo) {
    std::vector<logs::Record> records(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      logs::Record& r = records[static_cast<std::size_t>(i)];
      r.receivedNs = now() * 1'000'000 + i;
      r.timestampNs = 0;  // a client's clock: must not matter
      r.service = service;
      r.level = level;
      r.message = message + " " + std::to_string(i);
      r.templateId = miner_.add(r.message).id;
    }
    service_->observeRecords(records, miner_);
  }

  // A minute of steady "user <n> logged in" lines, then a round.
  void steadyMinute() {
    logLines("auth", "user logged in id", 30);
    clock_.advance(Millis(kMinute));
    ASSERT_TRUE(service_->runOnce().ok());
  }

  void publishCheck(const std::string& check, const std::string& to, int64_t atMs,
                    bool maintenance = false, const std::string& service = "auth") {
    nlohmann::json j{{"check", check},
                     {"at_ms", atMs},
                     {"from", to == "down" ? "up" : "down"},
                     {"to", to},
                     {"reason", "connect: connection refused"},
                     {"maintenance", maintenance},
                     {"labels", {{"service", service}, {"team", "identity"}}}};
    auto n = bus_->publish(options_.checkStateTopic, j.dump());
    ASSERT_TRUE(n.ok()) << n.error().toString();
  }

  std::vector<AnomalyEvent> anomalies(AnomalyQuery q = {}) {
    auto page = service_->anomalies().listAnomalies(q);
    EXPECT_TRUE(page.ok()) << page.error().toString();
    return page.ok() ? page->items : std::vector<AnomalyEvent>{};
  }

  std::vector<Finding> findings() {
    auto page = service_->anomalies().listFindings({});
    EXPECT_TRUE(page.ok()) << page.error().toString();
    return page.ok() ? page->items : std::vector<Finding>{};
  }

  std::string stats() {
    PrometheusText out;
    service_->writeStats(out);
    return std::move(out).str();
  }

  pharos::testing::TempDir dir_;
  pharos::testing::ManualClock clock_{fromUnixMillis(kT0)};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<bus::EmbeddedBus> bus_;
  AnalysisServiceOptions options_;
  logs::TemplateMiner miner_;
  std::unique_ptr<AnalysisService> service_;
};

TEST_F(AnalysisServiceTest, ANewTemplateAfterWarmUpBecomesAnAnomalyAndAFinding) {
  ASSERT_NO_FATAL_FAILURE(openService());
  for (int m = 0; m < 12; ++m)
    ASSERT_NO_FATAL_FAILURE(steadyMinute());
  // Warm-up (10 min) taught the steady template: nothing to report yet.
  EXPECT_TRUE(anomalies().empty());

  logLines("auth", "user logged in id", 30);
  logLines("auth", "token store unreachable after retries", 4, logs::Level::kError);
  clock_.advance(Millis(kMinute));
  ASSERT_TRUE(service_->runOnce().ok());

  auto events = anomalies({.kind = AnomalyKind::kNewTemplate});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].service, "auth");
  EXPECT_NE(events[0].templateText.find("token store unreachable"), std::string::npos);
  EXPECT_EQ(events[0].startMs, kT0 + 12 * kMinute);
  ASSERT_FALSE(events[0].examples.empty());

  auto all = findings();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_NE(all[0].summary.find("new log template"), std::string::npos) << all[0].summary;
  EXPECT_NE(all[0].summary.find("auth"), std::string::npos) << all[0].summary;
  auto of = service_->anomalies().findingOf(events[0].id);
  ASSERT_TRUE(of.ok());
  EXPECT_EQ(*of, all[0].id);

  std::string text = stats();
  EXPECT_NE(text.find("pharos_analysis_anomalies_total{kind=\"new_template\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("pharos_analysis_findings_open 1"), std::string::npos) << text;
  EXPECT_NE(text.find("pharos_analysis_log_templates_tracked 2"), std::string::npos) << text;
}

TEST_F(AnalysisServiceTest, ACheckGoingDownJoinsTheFindingCloseInTime) {
  ASSERT_NO_FATAL_FAILURE(openService());
  for (int m = 0; m < 12; ++m)
    ASSERT_NO_FATAL_FAILURE(steadyMinute());
  logLines("auth", "token store unreachable after retries", 4, logs::Level::kError);
  clock_.advance(Millis(kMinute));
  ASSERT_TRUE(service_->runOnce().ok());
  ASSERT_EQ(findings().size(), 1u);

  // The login check fails two minutes later; a recovery and a failure inside maintenance
  // are not anomalies.
  publishCheck("auth-login", "down", kT0 + 14 * kMinute);
  publishCheck("auth-login", "up", kT0 + 15 * kMinute);
  publishCheck("auth-admin", "down", kT0 + 14 * kMinute, /*maintenance=*/true);
  ASSERT_TRUE(service_->runOnce().ok());

  auto checks = anomalies({.kind = AnomalyKind::kCheckFailure});
  ASSERT_EQ(checks.size(), 1u);
  const AnomalyEvent& c = checks[0];
  EXPECT_EQ(c.signal, "auth-login");
  EXPECT_EQ(c.service, "auth");
  EXPECT_EQ(c.startMs, kT0 + 14 * kMinute);
  EXPECT_GT(c.score, 0.5);
  EXPECT_EQ(c.labels.at("team"), "identity");
  ASSERT_EQ(c.examples.size(), 1u);
  EXPECT_EQ(c.examples[0], "connect: connection refused");

  auto all = findings();
  ASSERT_EQ(all.size(), 1u);  // joined, not a second finding
  ASSERT_EQ(all[0].events.size(), 2u);
  // The check heads the story, the new template before it is named as the likely cause.
  EXPECT_NE(all[0].summary.find("check `auth-login` started failing"), std::string::npos)
      << all[0].summary;
  EXPECT_NE(all[0].summary.find("after a new log template"), std::string::npos) << all[0].summary;
  auto of = service_->anomalies().findingOf(c.id);
  ASSERT_TRUE(of.ok());
  EXPECT_EQ(*of, all[0].id);

  // Drained and acknowledged: a second round adds nothing.
  ASSERT_TRUE(service_->runOnce().ok());
  EXPECT_EQ(anomalies({.kind = AnomalyKind::kCheckFailure}).size(), 1u);

  // Far from it in time, another failure is a finding of its own.
  clock_.advance(Millis(60 * kMinute));
  publishCheck("auth-login", "down", now());
  ASSERT_TRUE(service_->runOnce().ok());
  EXPECT_EQ(findings().size(), 2u);
  EXPECT_NE(stats().find("pharos_analysis_anomalies_total{kind=\"check_failure\"} 2"),
            std::string::npos);
}

TEST_F(AnalysisServiceTest, UnreadableCheckEventsAreCountedAndDropped) {
  ASSERT_NO_FATAL_FAILURE(openService());
  ASSERT_TRUE(bus_->publish(options_.checkStateTopic, "not json").ok());
  ASSERT_TRUE(bus_->publish(options_.checkStateTopic, R"({"check": 3})").ok());
  ASSERT_TRUE(service_->runOnce().ok());
  EXPECT_TRUE(anomalies().empty());
  EXPECT_NE(stats().find("pharos_analysis_errors_total{reason=\"check_event\"} 2"),
            std::string::npos);
  auto left = bus_->receive(AnalysisService::kChecksQueue, 10, Millis(0));
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

AnomalyEvent metricEvent(int64_t startMs, double score) {
  AnomalyEvent e;
  e.kind = AnomalyKind::kMetric;
  e.service = "api";
  e.signal = "http_request_duration_seconds{job=\"api\"}";
  e.startMs = startMs;
  e.endMs = startMs + 15'000;
  e.score = score;
  e.baseline = 0.12;
  e.observed = 1.9;
  e.unit = "s";
  return e;
}

TEST_F(AnalysisServiceTest, ExtraSourcesAreRecordedPublishedAndTheirFailuresCounted) {
  ASSERT_NO_FATAL_FAILURE(openService());
  ASSERT_TRUE(bus_->declareQueue("test.anomalies", bus::QueueOptions{}).ok());
  ASSERT_TRUE(bus_->subscribe(AnalysisService::kTopic, "test.anomalies").ok());
  std::vector<int64_t> polledAt;
  service_->addSource("metrics", [&](int64_t nowMs) -> Result<std::vector<AnomalyEvent>> {
    polledAt.push_back(nowMs);
    if (polledAt.size() > 1) return std::vector<AnomalyEvent>{};
    return std::vector<AnomalyEvent>{metricEvent(nowMs - 30'000, 0.7)};
  });
  service_->addSource("broken", [](int64_t) -> Result<std::vector<AnomalyEvent>> {
    return makeError(ErrorCode::kUnavailable, "scorer not ready");
  });

  ASSERT_TRUE(service_->runOnce().ok());  // a source's failure does not fail the round
  ASSERT_EQ(polledAt.size(), 1u);
  EXPECT_EQ(polledAt[0], kT0);
  auto events = anomalies({.service = "api"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].id.empty());
  EXPECT_EQ(events[0].kind, AnomalyKind::kMetric);
  EXPECT_DOUBLE_EQ(events[0].observed, 1.9);
  ASSERT_EQ(findings().size(), 1u);

  auto published = bus_->receive("test.anomalies", 10, Millis(0));
  ASSERT_TRUE(published.ok());
  ASSERT_EQ(published->size(), 1u);
  auto decoded = anomalyEventFromJson(nlohmann::json::parse((*published)[0].body));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  EXPECT_EQ(*decoded, events[0]);

  std::string text = stats();
  EXPECT_NE(text.find("pharos_analysis_errors_total{reason=\"source\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("pharos_analysis_anomalies_total{kind=\"metric\"} 1"), std::string::npos);
}

TEST_F(AnalysisServiceTest, FindingsCloseWhenIdleAndRetentionDeletesOldOnesHourly) {
  ASSERT_NO_FATAL_FAILURE(openService());
  std::vector<AnomalyEvent> next;
  service_->addSource("metrics", [&](int64_t) -> Result<std::vector<AnomalyEvent>> {
    return std::exchange(next, {});
  });
  next = {metricEvent(kT0 - 2 * 86'400'000, 0.8)};  // two days old: past the 1-day retention
  ASSERT_TRUE(service_->runOnce().ok());
  ASSERT_EQ(anomalies().size(), 1u);  // retention runs hourly, not yet
  EXPECT_NE(stats().find("pharos_analysis_findings_open 0"), std::string::npos)
      << "an event older than the gap closes its finding at once";

  clock_.advance(Millis(30 * kMinute));
  next = {metricEvent(now(), 0.6)};
  ASSERT_TRUE(service_->runOnce().ok());
  EXPECT_EQ(anomalies().size(), 2u);
  EXPECT_EQ(findings().size(), 2u);

  clock_.advance(Millis(31 * kMinute));
  ASSERT_TRUE(service_->runOnce().ok());
  auto left = anomalies();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].startMs, kT0 + 30 * kMinute);
  EXPECT_EQ(findings().size(), 1u);
  EXPECT_NE(stats().find("pharos_analysis_retention_deleted_total 2"), std::string::npos)
      << stats();
}

TEST_F(AnalysisServiceTest, TheThreadPollsOnItsOwnAndStopsPromptly) {
  ASSERT_NO_FATAL_FAILURE(openService());
  service_->start();
  publishCheck("auth-login", "down", kT0);
  bool seen = false;
  for (int i = 0; i < 500 && !seen; ++i) {
    std::this_thread::sleep_for(Millis(10));
    seen = !anomalies({.kind = AnomalyKind::kCheckFailure}).empty();
  }
  EXPECT_TRUE(seen);
  service_->stop();
  service_->stop();  // twice is fine
}

}  // namespace
}  // namespace pharos::analysis
