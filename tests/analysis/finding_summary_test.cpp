#include "analysis/finding_summary.h"

#include <gtest/gtest.h>

namespace pharos::analysis {
namespace {

constexpr int64_t kDay = 1'699'920'000'000;  // 2023-11-14T00:00:00Z

int64_t at(int hour, int minute) {
  return kDay + (hour * 3600 + minute * 60) * 1000LL;
}

AnomalyEvent event(AnomalyKind kind, std::string service, int64_t startMs, double score) {
  AnomalyEvent e;
  e.kind = kind;
  e.service = std::move(service);
  e.startMs = startMs;
  e.endMs = startMs + 60'000;
  e.score = score;
  return e;
}

AnomalyEvent newTemplate(std::string service, int64_t startMs, std::string text) {
  AnomalyEvent e = event(AnomalyKind::kNewTemplate, std::move(service), startMs, 0.9);
  e.signal = "41";
  e.templateText = std::move(text);
  e.observed = 12;
  e.unit = "lines/min";
  return e;
}

AnomalyEvent errorShare(std::string service, int64_t startMs, double from, double to) {
  AnomalyEvent e = event(AnomalyKind::kErrorShare, std::move(service), startMs, 1.0);
  e.signal = "error_share";
  e.baseline = from;
  e.observed = to;
  e.unit = "ratio";
  return e;
}

Finding findingOf(std::vector<AnomalyEvent> events) {
  Correlator c;
  FindingUpdate last;
  for (auto& e : events)
    last = c.add(std::move(e));
  return last.finding;
}

TEST(FindingSummaryTest, ErrorRatioAfterANewTemplateElsewhere) {
  Finding f = findingOf({errorShare("checkout", at(14, 2), 0.002, 0.07),
                         newTemplate("payments", at(13, 59), "connection refused to <IP>:<NUM>")});
  EXPECT_EQ(f.summary,
            "checkout: error ratio rose from 0.2% to 7% at 14:02, 3 min after a new log "
            "template `connection refused to <IP>:<NUM>` appeared in payments");
}

TEST(FindingSummaryTest, CountsTheOtherSignalsByService) {
  AnomalyEvent latency = event(AnomalyKind::kMetric, "db", at(14, 3), 0.7);
  latency.signal = "pg_query_seconds{quantile=\"0.99\"}";
  latency.baseline = 0.012;
  latency.observed = 2.5;
  latency.unit = "s";
  AnomalyEvent check = event(AnomalyKind::kCheckFailure, "checkout", at(14, 4), 0.8);
  check.signal = "checkout-http";
  AnomalyEvent rate = event(AnomalyKind::kTemplateRate, "db", at(14, 5), 0.6);
  rate.templateText = "lock wait timeout <NUM>";
  rate.signal = "7";
  Finding f = findingOf({errorShare("checkout", at(14, 2), 0.002, 0.07),
                         newTemplate("payments", at(13, 59), "connection refused to <IP>:<NUM>"),
                         latency, check, rate});
  EXPECT_EQ(f.summary,
            "checkout: error ratio rose from 0.2% to 7% at 14:02, 3 min after a new log "
            "template `connection refused to <IP>:<NUM>` appeared in payments; 3 other signals "
            "moved in db, checkout");
}

TEST(FindingSummaryTest, HeadlineAloneWhenTheStrongestCameFirst) {
  AnomalyEvent m = event(AnomalyKind::kMetric, "", at(9, 30), 0.95);
  m.signal = "node_load1";
  m.baseline = 1.5;
  m.observed = 0.2;
  Finding f = findingOf({m});
  EXPECT_EQ(f.summary, "node_load1 fell from 1.5 to 0.2 at 09:30");
}

TEST(FindingSummaryTest, TemplateRateAndCheckPhrases) {
  AnomalyEvent rate = event(AnomalyKind::kTemplateRate, "api", at(23, 59), 1.0);
  rate.templateText = "GET <PATH> 503";
  rate.baseline = 31.3;
  rate.observed = 12'400;
  rate.unit = "lines/min";
  AnomalyEvent check = event(AnomalyKind::kCheckFailure, "", at(23, 58) + 15'000, 0.5);
  check.signal = "api-health";
  Finding f = findingOf({rate, check});
  EXPECT_EQ(f.summary,
            "api: log template `GET <PATH> 503` rose from 31.3 lines/min to 12.4k lines/min at "
            "23:59, 45 s after check `api-health` started failing");
}

TEST(FindingSummaryTest, LongTemplatesAreShortened) {
  Finding f = findingOf({newTemplate("a", at(1, 0), std::string(200, 'w'))});
  EXPECT_EQ(f.summary, "a: a new log template `" + std::string(80, 'w') +
                           "...` appeared at 01:00 (12 lines/min)");
}

TEST(FindingSummaryTest, Percentages) {
  EXPECT_EQ(formatPercent(0.002), "0.2%");
  EXPECT_EQ(formatPercent(0.07), "7%");
  EXPECT_EQ(formatPercent(0.075), "7.5%");
  EXPECT_EQ(formatPercent(0.126), "13%");
  EXPECT_EQ(formatPercent(1), "100%");
  EXPECT_EQ(formatPercent(0), "0%");
  EXPECT_EQ(formatPercent(0.0005), "0.05%");
  EXPECT_EQ(formatPercent(0.000123), "0.012%");
  EXPECT_EQ(formatPercent(1e-9), "<0.0001%");
}

TEST(FindingSummaryTest, Numbers) {
  EXPECT_EQ(formatNumber(0), "0");
  EXPECT_EQ(formatNumber(3), "3");
  EXPECT_EQ(formatNumber(2.5), "2.5");
  EXPECT_EQ(formatNumber(31.26), "31.3");
  EXPECT_EQ(formatNumber(450.4), "450");
  EXPECT_EQ(formatNumber(9999), "9999");
  EXPECT_EQ(formatNumber(12'400), "12.4k");
  EXPECT_EQ(formatNumber(3'200'000), "3.2M");
  EXPECT_EQ(formatNumber(45'000'000), "45M");
  EXPECT_EQ(formatNumber(0.012), "0.012");
  EXPECT_EQ(formatNumber(-2.5), "-2.5");
  EXPECT_EQ(formatValue(0.25, "ratio"), "25%");
  EXPECT_EQ(formatValue(2.5, "s"), "2.5 s");
}

TEST(FindingSummaryTest, TimesAndDurations) {
  EXPECT_EQ(formatClockUtc(at(0, 0)), "00:00");
  EXPECT_EQ(formatClockUtc(at(14, 2) + 59'999), "14:02");
  EXPECT_EQ(formatDuration(45'000), "45 s");
  EXPECT_EQ(formatDuration(180'000), "3 min");
  EXPECT_EQ(formatDuration(3'600'000), "1 h");
  EXPECT_EQ(formatDuration(7'500'000), "2 h 5 min");
}

}  // namespace
}  // namespace pharos::analysis
