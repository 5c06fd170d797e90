// Who is alive on a shared store, on every backend: the list health sharding is computed from.
#include "store/member_table.h"

#include <gtest/gtest.h>

#include "fakes/manual_clock.h"
#include "store_backend_test.h"

namespace pharos::store {
namespace {

class MemberTableTest : public StoreBackendTest {
 protected:
  std::unique_ptr<MemberTable> members(Store& store) {
    auto opened = MemberTable::open(store, clock_);
    EXPECT_TRUE(opened.ok()) << opened.error().toString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  std::vector<std::string> nodes(MemberTable& table, std::string_view module = {}) {
    auto live = table.live(module);
    EXPECT_TRUE(live.ok()) << live.error().toString();
    std::vector<std::string> out;
    if (live.ok())
      for (const Member& m : *live)
        out.push_back(m.node);
    return out;
  }

  testing::ManualClock clock_;
};

TEST_P(MemberTableTest, LiveUntilTheTtlRunsOutUnlessRenewed) {
  auto table = members(*store_);
  auto secondStore = open();  // a second process on the same store
  auto other = members(*secondStore);
  ASSERT_TRUE(table->heartbeat("a", {"api", "health"}, Millis(10'000)).ok());
  ASSERT_TRUE(other->heartbeat("b", {"health"}, Millis(10'000)).ok());
  EXPECT_EQ(nodes(*other), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(nodes(*other, "api"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(nodes(*table, "health"), (std::vector<std::string>{"a", "b"}));

  clock_.advance(Millis(6'000));
  ASSERT_TRUE(table->heartbeat("a", {"api", "health"}, Millis(10'000)).ok());
  clock_.advance(Millis(5'000));  // b's row is 11 s old, a's 5 s
  EXPECT_EQ(nodes(*table), (std::vector<std::string>{"a"}));
  auto live = table->live();
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->front().modules, (std::vector<std::string>{"api", "health"}));
}

TEST_P(MemberTableTest, ARenewalKeepsTheJoinTimeAndARegistrationAfterExpiryStartsAgain) {
  auto table = members(*store_);
  auto first = table->heartbeat("a", {"health"}, Millis(10'000));
  ASSERT_TRUE(first.ok());
  clock_.advance(Millis(4'000));
  auto renewed = table->heartbeat("a", {"health"}, Millis(10'000));
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed->joinedAt, first->joinedAt);
  EXPECT_EQ(renewed->expiresAt, clock_.now() + Millis(10'000));

  // Paused past its ttl: the others may have taken its work, so it joins anew.
  clock_.advance(Millis(11'000));
  auto again = table->heartbeat("a", {"health"}, Millis(10'000));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->joinedAt, clock_.now());
}

TEST_P(MemberTableTest, ACleanStopLeavesAtOnce) {
  auto table = members(*store_);
  ASSERT_TRUE(table->heartbeat("a", {"health"}, Millis(10'000)).ok());
  ASSERT_TRUE(table->heartbeat("b", {"health"}, Millis(10'000)).ok());
  ASSERT_TRUE(table->leave("a").ok());
  EXPECT_EQ(nodes(*table), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(table->leave("never-joined").ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, MemberTableTest, kStoreBackends,
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace pharos::store
