// From log lines to a sentence: the detector's events through the correlator into the
// finding's summary, as the processor and the server will chain them.
#include <gtest/gtest.h>

#include "analysis/correlator.h"
#include "analysis/log_anomaly_detector.h"

namespace pharos::analysis {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kBase = 1'699'920'000'000 + (13 * 60 + 30) * kMinute;  // 13:30 UTC

void lines(LogAnomalyDetector& d, int m, const char* service, uint64_t tpl, const char* text,
           int count, bool isError) {
  for (int i = 0; i < count; ++i) {
    d.observe(kBase + m * kMinute + i * (kMinute / count), service, tpl, text, isError,
              std::string(text) + " #" + std::to_string(i));
  }
}

TEST(LogToFindingTest, ACheckoutOutageAfterAPaymentsChangeReadsAsOneStory) {
  LogAnomalyDetector detector;
  Correlator correlator;
  FindingUpdate last;
  int events = 0;
  for (int m = 0; m < 45; ++m) {
    lines(detector, m, "payments", 1, "charge <NUM> ok", 300, false);
    if (m >= 29) lines(detector, m, "payments", 2, "connection refused to <IP>:<NUM>", 5, false);
    const bool outage = m >= 32 && m < 36;
    lines(detector, m, "checkout", 10, "order <NUM> placed", outage ? 930 : 998, false);
    lines(detector, m, "checkout", 11, "payment failed for order <NUM>", outage ? 70 : 2, true);
    for (AnomalyEvent& e : detector.poll(kBase + (m + 1) * kMinute)) {
      ++events;
      last = correlator.add(std::move(e));
    }
  }
  // The new template (13:59), checkout's error share and its error template's rate (14:02).
  EXPECT_EQ(events, 3);
  ASSERT_EQ(correlator.openFindings().size(), 1u);
  const Finding& f = last.finding;
  ASSERT_EQ(f.events.size(), 3u);
  EXPECT_EQ(f.events[0].kind, AnomalyKind::kNewTemplate);
  EXPECT_EQ(f.summary,
            "checkout: error ratio rose from 0.2% to 7% at 14:02, 3 min after a new log template "
            "`connection refused to <IP>:<NUM>` appeared in payments; 1 other signal moved in "
            "checkout");
  EXPECT_EQ(correlator.closeIdle(kBase + 45 * kMinute).size(), 1u);
}

}  // namespace
}  // namespace pharos::analysis
