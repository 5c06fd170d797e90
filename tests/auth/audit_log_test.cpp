#include <gtest/gtest.h>

#include "auth/auth.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"

namespace pharos::auth {
namespace {

using namespace std::chrono_literals;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    store_ = std::move(opened).value();
    auto log = openAuditLog(*store_, clock_);
    ASSERT_TRUE(log.ok()) << log.error().toString();
    log_ = std::move(log).value();
  }

  void record(std::string action, std::string keyId = "k1") {
    Status s = log_->record(
        AuditEntry{0, {}, std::move(keyId), std::move(action), "target-1", "192.0.2.7", "ok"});
    ASSERT_TRUE(s.ok()) << s.error().toString();
  }

  std::vector<std::string> actions(const std::vector<AuditEntry>& entries) {
    std::vector<std::string> out;
    for (const AuditEntry& e : entries)
      out.push_back(e.action);
    return out;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  AuditLogPtr log_;
};

TEST_F(AuditLogTest, RecordsEveryFieldAndAssignsIdAndTime) {
  WallTime t0 = clock_.now();
  // The caller's id and time are ignored: the log assigns both.
  ASSERT_TRUE(log_->record(AuditEntry{42, fromUnixMillis(5), "", "auth.failed", "", "198.51.100.1",
                                      "unauthenticated"})
                  .ok());
  clock_.advance(1s);
  record("POST /api/v1/keys");
  auto entries = log_->list(10, std::nullopt);
  ASSERT_TRUE(entries.ok()) << entries.error().toString();
  ASSERT_EQ(entries->size(), 2u);
  const AuditEntry& failed = entries->at(1);
  EXPECT_EQ(failed.id, 1);
  EXPECT_EQ(failed.at, t0);
  EXPECT_EQ(failed.keyId, "");
  EXPECT_EQ(failed.action, "auth.failed");
  EXPECT_EQ(failed.remoteAddress, "198.51.100.1");
  EXPECT_EQ(failed.outcome, "unauthenticated");
  const AuditEntry& created = entries->at(0);
  EXPECT_EQ(created.id, 2);
  EXPECT_EQ(created.at, t0 + 1s);
  EXPECT_EQ(created.keyId, "k1");
  EXPECT_EQ(created.target, "target-1");
}

TEST_F(AuditLogTest, ListsNewestFirstAndPagesWithBeforeId) {
  for (int i = 1; i <= 5; ++i)
    record("a" + std::to_string(i));
  auto page1 = log_->list(2, std::nullopt);
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(actions(*page1), (std::vector<std::string>{"a5", "a4"}));
  auto page2 = log_->list(2, page1->back().id);
  EXPECT_EQ(actions(*page2), (std::vector<std::string>{"a3", "a2"}));
  auto page3 = log_->list(2, page2->back().id);
  EXPECT_EQ(actions(*page3), (std::vector<std::string>{"a1"}));
  EXPECT_TRUE(log_->list(2, page3->back().id)->empty());
  EXPECT_TRUE(log_->list(0, std::nullopt)->empty());
}

TEST_F(AuditLogTest, PruneDeletesOnlyOldEntries) {
  record("old1");
  record("old2");
  clock_.advance(48h);
  record("recent");
  clock_.advance(1h);
  auto pruned = log_->prune(24h);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 2u);
  EXPECT_EQ(actions(*log_->list(10, std::nullopt)), (std::vector<std::string>{"recent"}));
  EXPECT_EQ(*log_->prune(24h), 0u);

  // Ids keep growing after a prune, so a page boundary stays meaningful.
  record("next");
  auto entries = log_->list(10, std::nullopt);
  EXPECT_EQ(entries->at(0).id, 4);
}

TEST_F(AuditLogTest, SecondInstanceSharesTheLog) {
  record("first");
  auto other = openAuditLog(*store_, clock_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->record(AuditEntry{0, {}, "k2", "second", "", "", "ok"}).ok());
  auto entries = log_->list(10, std::nullopt);
  EXPECT_EQ(actions(*entries), (std::vector<std::string>{"second", "first"}));
  EXPECT_EQ(entries->at(0).id, 2);
}

}  // namespace
}  // namespace pharos::auth
