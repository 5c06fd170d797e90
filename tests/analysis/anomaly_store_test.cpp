#include "analysis/anomaly_store.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/ids.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"

namespace pharos::analysis {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kT0 = 1'700'000'040'000;

AnomalyEvent event(std::string service, AnomalyKind kind, int minute, double score = 0.5) {
  AnomalyEvent e;
  e.startMs = kT0 + minute * kMinute;
  e.endMs = e.startMs + kMinute;
  e.id = newId(fromUnixMillis(e.startMs));
  e.kind = kind;
  e.service = std::move(service);
  e.signal = "sig" + std::to_string(minute);
  e.score = score;
  e.baseline = 0.01;
  e.observed = 0.2;
  e.unit = "ratio";
  return e;
}

class AnomalyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(reopen()); }

  void reopen() {
    anomalies_.reset();
    store_.reset();
    auto store = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(store.ok()) << store.error().toString();
    store_ = std::move(store).value();
    auto anomalies = AnomalyStore::open(*store_);
    ASSERT_TRUE(anomalies.ok()) << anomalies.error().toString();
    anomalies_ = std::move(anomalies).value();
  }

  AnomalyPage list(AnomalyQuery q) {
    auto page = anomalies_->listAnomalies(q);
    EXPECT_TRUE(page.ok()) << page.error().toString();
    return page.ok() ? std::move(page).value() : AnomalyPage{};
  }

  pharos::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AnomalyStore> anomalies_;
};

TEST_F(AnomalyStoreTest, EventsRoundTripAcrossAReopen) {
  AnomalyEvent e = event("checkout", AnomalyKind::kNewTemplate, 3, 0.9);
  e.templateText = "connection refused to <IP>:<NUM>";
  e.examples = {"connection refused to 10.0.0.1:5432"};
  e.labels = {{"errors", "4"}};
  ASSERT_TRUE(anomalies_->record(e).ok());
  ASSERT_TRUE(anomalies_->record(e).ok());  // idempotent
  ASSERT_NO_FATAL_FAILURE(reopen());
  AnomalyPage page = list({});
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0], e);
  EXPECT_TRUE(page.nextCursor.empty());
}

TEST_F(AnomalyStoreTest, EventsWithoutAnIdAreRefused) {
  AnomalyEvent e = event("a", AnomalyKind::kMetric, 0);
  e.id.clear();
  auto s = anomalies_->record(e);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(AnomalyStoreTest, PagesNewestFirst) {
  for (int m = 0; m < 7; ++m)
    ASSERT_TRUE(anomalies_->record(event("a", AnomalyKind::kMetric, m)).ok());
  std::vector<std::string> seen;
  AnomalyQuery q;
  q.limit = 3;
  int pages = 0;
  for (;;) {
    AnomalyPage page = list(q);
    ++pages;
    for (const auto& e : page.items)
      seen.push_back(e.signal);
    if (page.nextCursor.empty()) break;
    EXPECT_EQ(page.items.size(), 3u);
    q.cursor = page.nextCursor;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"sig6", "sig5", "sig4", "sig3", "sig2", "sig1", "sig0"}));
}

TEST_F(AnomalyStoreTest, ExactlyFullPageHasNoNextCursor) {
  for (int m = 0; m < 3; ++m)
    ASSERT_TRUE(anomalies_->record(event("a", AnomalyKind::kMetric, m)).ok());
  AnomalyQuery q;
  q.limit = 3;
  AnomalyPage page = list(q);
  EXPECT_EQ(page.items.size(), 3u);
  EXPECT_TRUE(page.nextCursor.empty());
}

TEST_F(AnomalyStoreTest, FiltersByServiceKindAndTime) {
  ASSERT_TRUE(anomalies_->record(event("a", AnomalyKind::kMetric, 0)).ok());
  ASSERT_TRUE(anomalies_->record(event("b", AnomalyKind::kErrorShare, 1)).ok());
  ASSERT_TRUE(anomalies_->record(event("a", AnomalyKind::kErrorShare, 2)).ok());
  ASSERT_TRUE(anomalies_->record(event("a", AnomalyKind::kNewTemplate, 10)).ok());

  AnomalyQuery byService;
  byService.service = "a";
  EXPECT_EQ(list(byService).items.size(), 3u);

  AnomalyQuery byKind;
  byKind.kind = AnomalyKind::kErrorShare;
  auto shares = list(byKind).items;
  ASSERT_EQ(shares.size(), 2u);
  EXPECT_EQ(shares[0].service, "a");

  AnomalyQuery both;
  both.service = "a";
  both.kind = AnomalyKind::kErrorShare;
  EXPECT_EQ(list(both).items.size(), 1u);

  // Overlap with [minute 1.5, minute 10): the minute-1 and minute-2 events.
  AnomalyQuery range;
  range.fromMs = kT0 + kMinute + kMinute / 2;
  range.toMs = kT0 + 10 * kMinute;
  auto inRange = list(range).items;
  ASSERT_EQ(inRange.size(), 2u);
  EXPECT_EQ(inRange[0].signal, "sig2");
  EXPECT_EQ(inRange[1].signal, "sig1");
}

TEST_F(AnomalyStoreTest, FindingsRoundTripAndLinkTheirEvents) {
  Correlator c;
  c.add(event("payments", AnomalyKind::kNewTemplate, 0, 0.9));
  FindingUpdate u = c.add(event("checkout", AnomalyKind::kErrorShare, 3, 1.0));
  ASSERT_TRUE(anomalies_->upsertFinding(u.finding, u.mergedIds).ok());
  ASSERT_NO_FATAL_FAILURE(reopen());

  auto got = anomalies_->finding(u.finding.id);
  ASSERT_TRUE(got.ok()) << got.error().toString();
  EXPECT_EQ(got->summary, u.finding.summary);
  EXPECT_EQ(got->events, u.finding.events);
  EXPECT_EQ(got->startMs, kT0);
  EXPECT_EQ(got->endMs, kT0 + 4 * kMinute);

  // The events are listed on their own too, and know their finding.
  AnomalyPage page = list({});
  ASSERT_EQ(page.items.size(), 2u);
  auto link = anomalies_->findingOf(page.items[0].id);
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(*link, u.finding.id);

  auto missing = anomalies_->finding("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(AnomalyStoreTest, MergedFindingsAreDeleted) {
  Correlator c({.gapMs = kMinute});
  FindingUpdate a = c.add(event("a", AnomalyKind::kMetric, 0));
  ASSERT_TRUE(anomalies_->upsertFinding(a.finding).ok());
  FindingUpdate b = c.add(event("b", AnomalyKind::kMetric, 4));
  ASSERT_TRUE(anomalies_->upsertFinding(b.finding).ok());
  ASSERT_NE(a.finding.id, b.finding.id);
  FindingUpdate bridge = c.add(event("c", AnomalyKind::kMetric, 2));
  ASSERT_EQ(bridge.mergedIds, std::vector<std::string>{b.finding.id});
  ASSERT_TRUE(anomalies_->upsertFinding(bridge.finding, bridge.mergedIds).ok());

  auto page = anomalies_->listFindings({});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, a.finding.id);
  EXPECT_EQ(page->items[0].events.size(), 3u);
  EXPECT_FALSE(anomalies_->finding(b.finding.id).ok());
}

TEST_F(AnomalyStoreTest, FindingsPageNewestFirst) {
  Correlator c({.gapMs = kMinute});
  std::vector<std::string> ids;
  for (int m = 0; m < 5; ++m) {
    FindingUpdate u = c.add(event("a", AnomalyKind::kMetric, m * 10));
    ASSERT_TRUE(anomalies_->upsertFinding(u.finding).ok());
    ids.push_back(u.finding.id);
  }
  FindingQuery q;
  q.limit = 2;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 5; ++pages) {
    auto page = anomalies_->listFindings(q);
    ASSERT_TRUE(page.ok());
    for (const auto& f : page->items)
      seen.push_back(f.id);
    if (page->nextCursor.empty()) break;
    q.cursor = page->nextCursor;
  }
  std::reverse(ids.begin(), ids.end());
  EXPECT_EQ(seen, ids);

  FindingQuery range;
  range.fromMs = kT0 + 15 * kMinute;
  range.toMs = kT0 + 35 * kMinute;
  auto inRange = anomalies_->listFindings(range);
  ASSERT_TRUE(inRange.ok());
  EXPECT_EQ(inRange->items.size(), 2u);  // minutes 20 and 30
}

TEST_F(AnomalyStoreTest, DeleteBeforeRemovesWhatEndedEarlier) {
  Correlator c({.gapMs = kMinute});
  ASSERT_TRUE(anomalies_->upsertFinding(c.add(event("a", AnomalyKind::kMetric, 0)).finding).ok());
  ASSERT_TRUE(anomalies_->upsertFinding(c.add(event("a", AnomalyKind::kMetric, 30)).finding).ok());
  ASSERT_TRUE(anomalies_->record(event("b", AnomalyKind::kMetric, 10)).ok());
  // Ended at minutes 1 and 11: gone; the minute-30 ones stay.
  auto deleted = anomalies_->deleteBefore(kT0 + 20 * kMinute);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 3);  // two events, one finding
  EXPECT_EQ(list({}).items.size(), 1u);
  auto findings = anomalies_->listFindings({});
  ASSERT_TRUE(findings.ok());
  ASSERT_EQ(findings->items.size(), 1u);
  EXPECT_EQ(findings->items[0].startMs, kT0 + 30 * kMinute);
}

}  // namespace
}  // namespace pharos::analysis
