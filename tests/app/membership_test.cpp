// A process's share of the work on a shared store: the leases of the modules that run once,
// and the self-fence that keeps a process paused past its lease from acting on it.
#include "app/membership.h"

#include <gtest/gtest.h>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::app {
namespace {

using namespace std::chrono_literals;

class MembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::SqliteStore::open(dir_.file("pharos.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    store_ = std::move(opened).value();
    auto leases = store::LeaseTable::open(*store_, clock_);
    ASSERT_TRUE(leases.ok()) << leases.error().toString();
    leases_ = std::move(leases).value();
  }

  std::unique_ptr<Membership> member(const std::string& node, bool shared = true) {
    Membership::Options o;
    o.node = node;
    o.modules = {"alerting", "backups"};
    o.shared = shared;
    auto m = Membership::open(*store_, *leases_, clock_, std::move(o));
    EXPECT_TRUE(m.ok()) << m.error().toString();
    return m.ok() ? std::move(m).value() : nullptr;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::LeaseTable> leases_;
};

// Paused past the ttl (no renewal), a process stops acting for its module at once, by its own
// clock: by then another process may hold the lease, as here.
TEST_F(MembershipTest, AProcessPausedPastItsLeaseActsForNothing) {
  auto a = member("aaaa");
  ASSERT_TRUE(a->holdSingleton("alerting").ok());
  EXPECT_TRUE(a->holds("alerting"));
  EXPECT_FALSE(a->holds("backups"));  // never taken

  auto b = member("bbbb");
  EXPECT_EQ(b->holdSingleton("alerting").error().code, ErrorCode::kFailedPrecondition);
  clock_.advance(9'900ms);
  EXPECT_TRUE(a->holds("alerting"));
  clock_.advance(200ms);  // 10.1 s without a renewal: the lease is up
  EXPECT_FALSE(a->holds("alerting"));
  ASSERT_TRUE(b->holdSingleton("alerting").ok());
  EXPECT_TRUE(b->holds("alerting"));
  EXPECT_FALSE(a->holds("alerting"));
}

TEST_F(MembershipTest, OnTheEmbeddedStoreEveryModuleIsHeld) {
  auto alone = member("aaaa", false);
  EXPECT_TRUE(alone->holdSingleton("alerting").ok());
  EXPECT_TRUE(alone->holds("alerting"));
  clock_.advance(1h);
  EXPECT_TRUE(alone->holds("backups"));
}

}  // namespace
}  // namespace pharos::app
