#include "analysis/log_anomaly_detector.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace pharos::analysis {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kT0 = 1'700'000'040'000;  // a whole minute

int64_t minuteStart(int m) {
  return kT0 + m * kMinute;
}

// `count` lines of one template spread over minute `m`.
void emit(LogAnomalyDetector& d, int m, const std::string& service, uint64_t tpl, int count,
          bool isError = false, const std::string& text = "") {
  std::string templateText = text.empty() ? "template " + std::to_string(tpl) + " <NUM>" : text;
  for (int i = 0; i < count; ++i) {
    int64_t ts = minuteStart(m) + i * (kMinute / std::max(count, 1));
    d.observe(ts, service, tpl, templateText, isError,
              "line " + std::to_string(i) + " of template " + std::to_string(tpl));
  }
}

std::vector<AnomalyEvent> endMinute(LogAnomalyDetector& d, int m) {
  return d.poll(minuteStart(m + 1));
}

std::vector<AnomalyEvent> ofKind(const std::vector<AnomalyEvent>& events, AnomalyKind kind) {
  std::vector<AnomalyEvent> out;
  for (const auto& e : events) {
    if (e.kind == kind) out.push_back(e);
  }
  return out;
}

TEST(LogAnomalyDetectorTest, NewTemplateAfterWarmupIsReportedOnceWithExamples) {
  LogAnomalyDetector d;
  std::vector<AnomalyEvent> all;
  for (int m = 0; m < 40; ++m) {
    emit(d, m, "payments", 1, 50);
    emit(d, m, "payments", 2, 10);
    if (m >= 20) {
      for (int i = 0; i < 7; ++i) {
        d.observe(minuteStart(m) + 1000 * i, "payments", 99, "connection refused to <IP>:<NUM>",
                  true, "connection refused to 10.0.0." + std::to_string(i) + ":5432");
      }
    }
    auto events = endMinute(d, m);
    all.insert(all.end(), events.begin(), events.end());
  }
  // Its error lines also took payments' error share from 0 to 10%: reported once too.
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(ofKind(all, AnomalyKind::kErrorShare).size(), 1u);
  auto fresh = ofKind(all, AnomalyKind::kNewTemplate);
  ASSERT_EQ(fresh.size(), 1u);
  const AnomalyEvent& e = fresh[0];
  EXPECT_EQ(e.service, "payments");
  EXPECT_EQ(e.signal, "99");
  EXPECT_EQ(e.templateText, "connection refused to <IP>:<NUM>");
  EXPECT_EQ(e.startMs, minuteStart(20));
  EXPECT_EQ(e.endMs, minuteStart(21));
  EXPECT_EQ(e.observed, 7);
  EXPECT_EQ(e.unit, "lines/min");
  EXPECT_EQ(e.labels.at("errors"), "7");
  EXPECT_GE(e.score, 0.9);  // error lines
  EXPECT_EQ(e.id.size(), 26u);
  ASSERT_EQ(e.examples.size(), 3u);
  EXPECT_EQ(e.examples[0], "connection refused to 10.0.0.0:5432");
  EXPECT_EQ(e.examples[2], "connection refused to 10.0.0.2:5432");
}

TEST(LogAnomalyDetectorTest, TemplatesSeenDuringWarmupAreNotNew) {
  LogAnomalyDetector d;  // 10 minutes of warm-up per service
  std::vector<AnomalyEvent> all;
  for (int m = 0; m < 15; ++m) {
    // Start-up: a new template every minute for the first 9 minutes, then one at minute 12.
    for (int t = 1; t <= std::min(m + 1, 9); ++t)
      emit(d, m, "api", t, 5);
    if (m >= 12) emit(d, m, "api", 50, 3);
    auto events = endMinute(d, m);
    all.insert(all.end(), events.begin(), events.end());
  }
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].signal, "50");
  EXPECT_EQ(all[0].startMs, minuteStart(12));
}

TEST(LogAnomalyDetectorTest, WarmupIsPerService) {
  LogAnomalyDetector d;
  std::vector<AnomalyEvent> all;
  for (int m = 0; m < 30; ++m) {
    emit(d, m, "old", 1, 20);
    // A service that appears late brings its own templates: not news in its first minutes.
    if (m >= 20) emit(d, m, "young", 100 + static_cast<uint64_t>(m), 2);
    auto events = endMinute(d, m);
    all.insert(all.end(), events.begin(), events.end());
  }
  EXPECT_TRUE(all.empty()) << all.size() << " events, first: " << all[0].service;
}

TEST(LogAnomalyDetectorTest, SteadyPoissonTrafficIsNeverReported) {
  LogAnomalyDetector d;
  std::mt19937 rng(42);
  const std::vector<double> rates = {0.05, 0.3, 1, 3, 10, 40, 150, 600};
  std::vector<AnomalyEvent> all;
  for (int m = 0; m < 240; ++m) {
    for (int s = 0; s < 3; ++s) {
      std::string service = "svc" + std::to_string(s);
      for (std::size_t t = 0; t < rates.size(); ++t) {
        // Minute 0 shows every template once, so none is new later.
        int count = m == 0 ? 1 : std::poisson_distribution<int>(rates[t])(rng);
        emit(d, m, service, 1 + t, count, /*isError=*/t == 3);  // ~0.4% errors
      }
    }
    auto events = endMinute(d, m);
    all.insert(all.end(), events.begin(), events.end());
  }
  EXPECT_TRUE(all.empty()) << all.size()
                           << " events, first: " << (all.empty() ? "" : toJson(all[0]).dump());
}

TEST(LogAnomalyDetectorTest, TenfoldRateJumpIsReportedAtItsOnsetOnly) {
  LogAnomalyDetector d;
  std::mt19937 rng(7);
  std::vector<AnomalyEvent> all;
  for (int m = 0; m < 90; ++m) {
    bool jump = m >= 60 && m < 65;
    int count = std::poisson_distribution<int>(jump ? 300 : 30)(rng);
    emit(d, m, "checkout", 5, count);
    emit(d, m, "checkout", 6, std::poisson_distribution<int>(30)(rng));
    auto events = endMinute(d, m);
    for (auto& e : events)
      e.labels["minute"] = std::to_string(m);
    all.insert(all.end(), events.begin(), events.end());
  }
  ASSERT_EQ(all.size(), 1u) << toJson(all.back()).dump();
  const AnomalyEvent& e = all[0];
  EXPECT_EQ(e.kind, AnomalyKind::kTemplateRate);
  EXPECT_EQ(e.signal, "5");
  EXPECT_EQ(e.startMs, minuteStart(60));
  EXPECT_NEAR(e.baseline, 30, 6);
  EXPECT_GT(e.observed, 250);
  EXPECT_EQ(e.templateText, "template 5 <NUM>");
  EXPECT_EQ(e.examples.size(), 1u);
  EXPECT_GT(e.score, 0.9);
}

TEST(LogAnomalyDetectorTest, RateJumpAfterRecoveryIsReportedAgain) {
  LogAnomalyDetector d;
  std::vector<AnomalyEvent> all;
  for (int m = 0; m < 80; ++m) {
    emit(d, m, "web", 1, (m == 40 || m == 70) ? 400 : 40);
    auto events = endMinute(d, m);
    all.insert(all.end(), events.begin(), events.end());
  }
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].startMs, minuteStart(40));
  EXPECT_EQ(all[1].startMs, minuteStart(70));
}

TEST(LogAnomalyDetectorTest, RareTemplateBurstBelowTheMinimumCountIsNoise) {
  LogAnomalyDetector d;
  std::vector<AnomalyEvent> all;
  for (int m = 0; m < 60; ++m) {
    emit(d, m, "batch", 1, 30);
    emit(d, m, "batch", 2, m % 5 == 0 ? 1 : 0);  // 0.2 a minute
    if (m == 45) emit(d, m, "batch", 2, 8);      // 40x its mean, but 8 lines
    auto events = endMinute(d, m);
    all.insert(all.end(), events.begin(), events.end());
  }
  EXPECT_TRUE(all.empty());
}

TEST(LogAnomalyDetectorTest, ErrorShareSpikeIsReported) {
  LogAnomalyDetector d;
  std::mt19937 rng(3);
  std::vector<AnomalyEvent> all;
  for (int m = 0; m < 70; ++m) {
    int errors = m == 60 ? 14 : std::binomial_distribution<int>(200, 0.002)(rng);
    emit(d, m, "checkout", 1, 200 - errors);
    emit(d, m, "checkout", 2, errors, /*isError=*/true, "payment failed for order <NUM>");
    auto events = endMinute(d, m);
    all.insert(all.end(), events.begin(), events.end());
  }
  auto shares = ofKind(all, AnomalyKind::kErrorShare);
  ASSERT_EQ(shares.size(), 1u);
  const AnomalyEvent& e = shares[0];
  EXPECT_EQ(e.service, "checkout");
  EXPECT_EQ(e.startMs, minuteStart(60));
  EXPECT_EQ(e.unit, "ratio");
  EXPECT_LT(e.baseline, 0.006);
  EXPECT_DOUBLE_EQ(e.observed, 14.0 / 200);
  EXPECT_EQ(e.labels.at("errors"), "14");
  EXPECT_EQ(e.labels.at("lines"), "200");
  EXPECT_EQ(e.examples.size(), 3u);
}

TEST(LogAnomalyDetectorTest, TinyServicesOneOfTwoErrorMinuteIsNot) {
  LogAnomalyDetector d;
  std::vector<AnomalyEvent> all;
  for (int m = 0; m < 60; ++m) {
    emit(d, m, "cron", 1, m == 50 ? 1 : 2);
    if (m == 50) emit(d, m, "cron", 2, 1, /*isError=*/true);  // 50% errors, of 2 lines
    auto events = endMinute(d, m);
    all.insert(all.end(), events.begin(), events.end());
  }
  EXPECT_TRUE(ofKind(all, AnomalyKind::kErrorShare).empty());
}

TEST(LogAnomalyDetectorTest, SmallRiseOfABusyServicesErrorShareIsNot) {
  LogAnomalyDetector d;
  std::vector<AnomalyEvent> all;
  for (int m = 0; m < 60; ++m) {
    // 1% errors, then 2.5%: significant with 1000 lines, but below the 2-point rise.
    int errors = m == 50 ? 25 : 10;
    emit(d, m, "api", 1, 1000 - errors);
    emit(d, m, "api", 2, errors, true);
    auto events = endMinute(d, m);
    all.insert(all.end(), events.begin(), events.end());
  }
  EXPECT_TRUE(ofKind(all, AnomalyKind::kErrorShare).empty());
}

TEST(LogAnomalyDetectorTest, PollJudgesTheMinutesOfQuietServices) {
  LogAnomalyDetector d;
  for (int m = 0; m < 15; ++m) {
    emit(d, m, "a", 1, 10);
    EXPECT_TRUE(endMinute(d, m).empty());
  }
  emit(d, 15, "a", 77, 4);
  EXPECT_TRUE(d.poll(minuteStart(15) + 59'999).empty());  // the minute is still open
  auto events = d.poll(minuteStart(16));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].signal, "77");
  EXPECT_TRUE(d.poll(minuteStart(30)).empty());
}

TEST(LogAnomalyDetectorTest, ALaterLineClosesTheMinuteWithoutAPoll) {
  LogAnomalyDetector d;
  for (int m = 0; m < 12; ++m)
    emit(d, m, "a", 1, 10);
  emit(d, 12, "a", 5, 2);
  emit(d, 13, "a", 1, 1);  // closes minute 12
  auto events = d.poll(minuteStart(13) + 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].startMs, minuteStart(12));
}

TEST(LogAnomalyDetectorTest, NewTemplatesPerMinuteAreCapped) {
  LogAnomalyOptions options;
  options.maxNewPerMinute = 2;
  LogAnomalyDetector d(options);
  for (int m = 0; m < 12; ++m)
    emit(d, m, "api", 1, 10);
  for (uint64_t t = 10; t < 16; ++t)
    emit(d, 12, "api", t, static_cast<int>(t));  // 6 new templates, the busiest last
  auto events = endMinute(d, 12);
  ASSERT_EQ(events.size(), 2u);
  // Ordered by signal within the minute; the busiest two were kept.
  EXPECT_EQ(events[0].signal, "14");
  EXPECT_EQ(events[1].signal, "15");
  EXPECT_EQ(events[0].labels.at("suppressed"), "4");
}

TEST(LogAnomalyDetectorTest, MemoryIsBounded) {
  LogAnomalyOptions options;
  options.maxServices = 3;
  options.maxTemplatesPerService = 10;
  LogAnomalyDetector d(options);
  for (int s = 0; s < 5; ++s)
    emit(d, s, "svc" + std::to_string(s), 1, 1);
  EXPECT_EQ(d.serviceCount(), 3u);
  for (uint64_t t = 0; t < 25; ++t)
    d.observe(minuteStart(6) + static_cast<int64_t>(t), "big", t, "t", false, "m");
  EXPECT_LE(d.templateCount(), 2u + 10u);  // svc3, svc4 and at most 10 of "big"
  EXPECT_EQ(d.serviceCount(), 3u);
}

TEST(LogAnomalyDetectorTest, TemplatesAreBoundedOverAllServices) {
  LogAnomalyOptions options;
  options.maxTemplates = 30;
  LogAnomalyDetector d(options);
  for (uint64_t t = 0; t < 25; ++t)
    d.observe(minuteStart(0) + static_cast<int64_t>(t), "a", t, "t", false, "m");
  for (uint64_t t = 0; t < 25; ++t)
    d.observe(minuteStart(1) + static_cast<int64_t>(t), "b", t, "t", false, "m");
  EXPECT_LE(d.templateCount(), 30u);
  EXPECT_GE(d.templateCount(), 25u);
  // The old service gave its templates up, the newcomer kept all of its own: seeing them
  // again adds nothing.
  const std::size_t before = d.templateCount();
  for (uint64_t t = 0; t < 25; ++t)
    d.observe(minuteStart(1) + 100, "b", t, "t", false, "m");
  EXPECT_EQ(d.templateCount(), before);
}

TEST(LogAnomalyDetectorTest, LongTextsAreClipped) {
  LogAnomalyOptions options;
  options.maxTemplateText = 10;
  options.maxExampleBytes = 8;
  LogAnomalyDetector d(options);
  for (int m = 0; m < 12; ++m)
    emit(d, m, "a", 1, 10);
  d.observe(minuteStart(12), "a", 2, std::string(100, 'x'), false, std::string(100, 'y'));
  auto events = endMinute(d, 12);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].templateText, "xxxxxxxxxx...");
  EXPECT_EQ(events[0].examples.at(0), "yyyyyyyy...");
}

}  // namespace
}  // namespace pharos::analysis
