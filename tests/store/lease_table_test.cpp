// Leases with fencing tokens, on every backend: who runs the work that must happen once.
#include "store/lease_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "fakes/manual_clock.h"
#include "store_backend_test.h"

namespace pharos::store {
namespace {

class LeaseTableTest : public StoreBackendTest {
 protected:
  std::unique_ptr<LeaseTable> leases(Store& store) {
    auto opened = LeaseTable::open(store, clock_);
    EXPECT_TRUE(opened.ok()) << opened.error().toString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  testing::ManualClock clock_;
};

TEST_P(LeaseTableTest, OneHolderAtATimeAndTheNextGetsAHigherToken) {
  auto table = leases(*store_);
  auto a = table->acquire("backup.schedule", "node-a", Millis(10'000));
  ASSERT_TRUE(a.ok()) << a.error().toString();
  EXPECT_EQ(a->token, 1);
  auto b = table->acquire("backup.schedule", "node-b", Millis(10'000));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(b.error().message.find("node-a"), std::string::npos) << b.error().message;

  // Renewed in time: the same token.
  clock_.advance(Millis(9'000));
  auto renewed = table->acquire("backup.schedule", "node-a", Millis(10'000));
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed->token, 1);

  // Not renewed: expired, and the next holder gets token 2.
  clock_.advance(Millis(10'001));
  auto taken = table->acquire("backup.schedule", "node-b", Millis(10'000));
  ASSERT_TRUE(taken.ok()) << taken.error().toString();
  EXPECT_EQ(taken->holder, "node-b");
  EXPECT_EQ(taken->token, 2);
}

// The paused-process case: A holds the lease, stops (a GC pause, a frozen VM), B takes it
// after expiry, A wakes up and tries its write. The fence refuses A's write; B's goes through.
TEST_P(LeaseTableTest, AHolderThatLostItsLeaseIsFencedOff) {
  auto table = leases(*store_);
  ASSERT_TRUE(store_->execute("CREATE TABLE work_done (by TEXT NOT NULL)").ok());
  auto a = table->acquire("retention.audit", "node-a", Millis(5'000));
  ASSERT_TRUE(a.ok());
  clock_.advance(Millis(6'000));  // A is paused past its ttl
  auto b = table->acquire("retention.audit", "node-b", Millis(5'000));
  ASSERT_TRUE(b.ok());

  auto writeAs = [&](const std::string& who, int64_t token) {
    return store_->transaction([&](Session& s) -> Status {
      PHAROS_TRY(table->checkFence(s, "retention.audit", token));
      PHAROS_TRY(s.execute("INSERT INTO work_done (by) VALUES ($1)", {who}));
      return okStatus();
    });
  };
  Status late = writeAs("node-a", a->token);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(writeAs("node-b", b->token).ok());
  auto rows = store_->query("SELECT by FROM work_done");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).text(0), "node-b");

  // Even the holder itself is fenced once its lease has run out unrenewed.
  clock_.advance(Millis(5'001));
  EXPECT_FALSE(writeAs("node-b", b->token).ok());
}

TEST_P(LeaseTableTest, ReleaseFreesItButTheTokenNeverGoesBack) {
  auto table = leases(*store_);
  auto a = table->acquire("sweep", "node-a", Millis(60'000));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(table->release("sweep", a->token).ok());
  auto b = table->acquire("sweep", "node-b", Millis(60'000));
  ASSERT_TRUE(b.ok()) << b.error().toString();
  EXPECT_GT(b->token, a->token);
  // A stale release (an old token) does not free someone else's lease.
  ASSERT_TRUE(table->release("sweep", a->token).ok());
  EXPECT_FALSE(table->acquire("sweep", "node-c", Millis(60'000)).ok());
  auto all = table->list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().holder, "node-b");
}

// Processes race for a free lease through two handles on the database: exactly one wins
// each round, whatever the backend does to the loser's transaction.
TEST_P(LeaseTableTest, RacingHoldersGetItExactlyOnce) {
  auto other = open();
  auto mine = leases(*store_);
  auto theirs = leases(*other);
  for (int round = 0; round < 10; ++round) {
    std::string name = "shard-" + std::to_string(round);
    std::atomic<int> winners{0};
    std::vector<std::thread> racers;
    for (int i = 0; i < 4; ++i) {
      LeaseTable* table = i % 2 == 0 ? mine.get() : theirs.get();
      racers.emplace_back([&, table, i] {
        auto got = table->acquire(name, "node-" + std::to_string(i), Millis(60'000));
        if (got.ok()) ++winners;
      });
    }
    for (std::thread& t : racers)
      t.join();
    EXPECT_EQ(winners.load(), 1) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, LeaseTableTest, kStoreBackends,
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace pharos::store
