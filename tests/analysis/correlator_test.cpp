#include "analysis/correlator.h"

#include <gtest/gtest.h>

namespace pharos::analysis {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kT0 = 1'700'000'040'000;

AnomalyEvent event(std::string service, std::string signal, int minute, double score,
                   AnomalyKind kind = AnomalyKind::kMetric) {
  AnomalyEvent e;
  e.kind = kind;
  e.service = std::move(service);
  e.signal = std::move(signal);
  e.startMs = kT0 + minute * kMinute;
  e.endMs = e.startMs + kMinute;
  e.score = score;
  e.baseline = 1;
  e.observed = 10;
  return e;
}

std::vector<std::string> signals(const Finding& f) {
  std::vector<std::string> out;
  for (const auto& e : f.events)
    out.push_back(e.signal);
  return out;
}

TEST(CorrelatorTest, GroupsEventsCloseInTimeAcrossServicesAndKinds) {
  Correlator c;  // 5-minute gap
  c.add(event("checkout", "latency", 10, 0.7));
  c.add(event("payments", "41", 7, 0.9, AnomalyKind::kNewTemplate));
  FindingUpdate u = c.add(event("", "checkout-http", 12, 0.8, AnomalyKind::kCheckFailure));
  ASSERT_EQ(c.openFindings().size(), 1u);
  const Finding& f = u.finding;
  // What moved first, first.
  EXPECT_EQ(signals(f), (std::vector<std::string>{"41", "latency", "checkout-http"}));
  EXPECT_EQ(f.startMs, kT0 + 7 * kMinute);
  EXPECT_EQ(f.endMs, kT0 + 13 * kMinute);
  EXPECT_EQ(f.id.size(), 26u);
  EXPECT_FALSE(f.summary.empty());
}

TEST(CorrelatorTest, SameOnsetRanksTheStrongerFirst) {
  Correlator c;
  c.add(event("a", "weak", 10, 0.3));
  Finding f = c.add(event("b", "strong", 10, 0.9)).finding;
  EXPECT_EQ(signals(f), (std::vector<std::string>{"strong", "weak"}));
}

TEST(CorrelatorTest, SplitsByGap) {
  Correlator c({.gapMs = 5 * kMinute});
  std::string first = c.add(event("a", "x", 0, 0.5)).finding.id;
  // Ends at minute 1; minute 6 is exactly 5 minutes later: still together.
  EXPECT_EQ(c.add(event("b", "y", 6, 0.5)).finding.id, first);
  // Ends at minute 7; minute 13 is 6 minutes later: a new finding.
  std::string second = c.add(event("c", "z", 13, 0.5)).finding.id;
  EXPECT_NE(second, first);
  EXPECT_EQ(c.openFindings().size(), 2u);
}

TEST(CorrelatorTest, ABridgingEventMergesFindingsIntoTheOlder) {
  Correlator c({.gapMs = 2 * kMinute});
  std::string older = c.add(event("a", "x", 0, 0.5)).finding.id;
  std::string newer = c.add(event("b", "y", 6, 0.6)).finding.id;
  ASSERT_NE(older, newer);
  FindingUpdate u = c.add(event("c", "bridge", 3, 0.4));
  EXPECT_EQ(u.finding.id, older);
  EXPECT_EQ(u.mergedIds, std::vector<std::string>{newer});
  EXPECT_EQ(signals(u.finding), (std::vector<std::string>{"x", "bridge", "y"}));
  EXPECT_EQ(c.openFindings().size(), 1u);
}

TEST(CorrelatorTest, TheSameEventAgainReplacesItsCopy) {
  Correlator c;
  AnomalyEvent e = event("a", "x", 0, 0.5);
  e.id = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
  c.add(e);
  e.score = 0.8;
  e.endMs += 2 * kMinute;
  Finding f = c.add(e).finding;
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].score, 0.8);
  EXPECT_EQ(f.endMs, e.endMs);
}

TEST(CorrelatorTest, ClosesIdleFindingsByEventTime) {
  Correlator c;
  c.add(event("a", "x", 0, 0.4));
  c.add(event("b", "y", 30, 0.9));
  // The first ended at minute 1: idle once now is past minute 6.
  EXPECT_TRUE(c.closeIdle(kT0 + 6 * kMinute).empty());
  auto closed = c.closeIdle(kT0 + 6 * kMinute + 1);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(signals(closed[0]), std::vector<std::string>{"x"});
  EXPECT_EQ(c.openFindings().size(), 1u);
  closed = c.closeIdle(kT0 + 100 * kMinute);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_TRUE(c.openFindings().empty());
}

TEST(CorrelatorTest, FindingsAreRankedByStrength) {
  Correlator c;
  c.add(event("a", "x", 0, 0.4));
  c.add(event("b", "y", 30, 0.9));
  c.add(event("c", "z", 60, 0.6));
  auto open = c.openFindings();
  ASSERT_EQ(open.size(), 3u);
  EXPECT_EQ(open[0].events[0].signal, "y");
  EXPECT_EQ(open[1].events[0].signal, "z");
  EXPECT_EQ(open[2].events[0].signal, "x");
}

TEST(CorrelatorTest, StrengthIsTheStrongestCorroborated) {
  EXPECT_DOUBLE_EQ(findingStrength({}), 0);
  EXPECT_DOUBLE_EQ(findingStrength({event("a", "x", 0, 0.6)}), 0.6);
  // 1 - 0.4 * (1 - 0.3 * 0.5)
  EXPECT_DOUBLE_EQ(findingStrength({event("a", "x", 0, 0.5), event("a", "y", 0, 0.6)}),
                   1 - 0.4 * 0.85);
  // Ten weak signals stay weaker than one sure one.
  std::vector<AnomalyEvent> weak(10, event("a", "x", 0, 0.3));
  EXPECT_LT(findingStrength(weak), 0.9);
}

TEST(CorrelatorTest, EventsPerFindingAreCappedKeepingTheFirstOnset) {
  Correlator c({.gapMs = 5 * kMinute, .maxOpenFindings = 8, .maxEventsPerFinding = 3});
  c.add(event("a", "first", 0, 0.1));
  c.add(event("a", "s5", 1, 0.5));
  c.add(event("a", "s9", 2, 0.9));
  Finding f = c.add(event("a", "s7", 3, 0.7)).finding;
  EXPECT_EQ(signals(f), (std::vector<std::string>{"first", "s9", "s7"}));
  EXPECT_EQ(f.droppedEvents, 1u);
}

TEST(CorrelatorTest, OpenFindingsAreCapped) {
  Correlator c({.gapMs = kMinute, .maxOpenFindings = 2, .maxEventsPerFinding = 50});
  c.add(event("a", "x", 0, 0.5));
  c.add(event("b", "y", 10, 0.5));
  c.add(event("c", "z", 20, 0.5));
  EXPECT_EQ(c.openFindings().size(), 2u);
  // The one that ended first was closed early and comes out with the next closeIdle().
  auto closed = c.closeIdle(kT0);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].events[0].signal, "x");
}

TEST(CorrelatorTest, FindingJsonRoundTrips) {
  Correlator c;
  c.add(event("a", "x", 0, 0.5));
  AnomalyEvent t = event("b", "7", 1, 0.9, AnomalyKind::kNewTemplate);
  t.templateText = "user <*> logged in";
  t.examples = {"user ana logged in"};
  t.labels = {{"errors", "0"}};
  Finding f = c.add(t).finding;
  auto back = findingFromJson(toJson(f));
  ASSERT_TRUE(back.ok()) << back.error().toString();
  EXPECT_EQ(back->id, f.id);
  EXPECT_EQ(back->events, f.events);
  EXPECT_EQ(back->summary, f.summary);
  EXPECT_DOUBLE_EQ(back->strength, f.strength);
  EXPECT_FALSE(findingFromJson(nlohmann::json{{"id", "x"}}).ok());
}

}  // namespace
}  // namespace pharos::analysis
