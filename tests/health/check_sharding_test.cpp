// Health processes sharing one store split the checks between them: never one check in two
// processes at once, every check somewhere once the members settle, and a dead member's
// checks taken over in bounded time. Simulated on a manual clock, 100 ms at a time, with the
// members refreshing on their own (unaligned) schedules.
#include "health/check_sharding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"

namespace pharos::health {
namespace {

constexpr int kChecks = 1000;
const Millis kStep{100};

struct Process {
  std::string node;
  std::unique_ptr<store::MemberTable> table;
  std::unique_ptr<CheckSharding> sharding;
  std::int64_t nextRefreshMs = 0;
  bool alive = true;
};

class CheckShardingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    store_ = std::move(opened).value();
    for (int i = 0; i < kChecks; ++i)
      names_.push_back("check-" + std::to_string(i));
  }

  Process& join(const std::string& node, Millis phase) {
    auto p = std::make_unique<Process>();
    p->node = node;
    auto table = store::MemberTable::open(*store_, clock_);
    EXPECT_TRUE(table.ok());
    p->table = std::move(table).value();
    p->sharding = std::make_unique<CheckSharding>(*p->table, clock_,
                                                  CheckSharding::Options{node, {"api", "health"}});
    p->sharding->setChecks(names_);
    p->nextRefreshMs = toUnixMillis(clock_.now()) + phase.count();
    processes_.push_back(std::move(p));
    return *processes_.back();
  }

  // Advances `duration`, refreshing each live member when its turn comes; after each step,
  // no check may run in two processes. Returns how many checks ran nowhere at the end.
  int run(Millis duration) {
    const std::int64_t until = toUnixMillis(clock_.now()) + duration.count();
    int nowhere = 0;
    while (toUnixMillis(clock_.now()) < until) {
      clock_.advance(kStep);
      const std::int64_t now = toUnixMillis(clock_.now());
      for (auto& p : processes_) {
        if (!p->alive || now < p->nextRefreshMs) continue;
        EXPECT_TRUE(p->sharding->refresh().ok());
        p->nextRefreshMs = now + 2'000;
      }
      nowhere = 0;
      for (const std::string& check : names_) {
        int running = 0;
        for (auto& p : processes_)
          if (p->alive && p->sharding->runsHere(check)) ++running;
        if (running > 1) {
          ADD_FAILURE() << check << " runs in " << running << " processes at " << now - startMs_
                        << " ms";
          return -1;
        }
        if (running == 0) ++nowhere;
      }
    }
    return nowhere;
  }

  std::map<std::string, size_t> owned() {
    std::map<std::string, size_t> out;
    for (auto& p : processes_)
      if (p->alive) out[p->node] = p->sharding->view().owned;
    return out;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_;
  std::int64_t startMs_ = toUnixMillis(clock_.now());
  std::unique_ptr<store::Store> store_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<Process>> processes_;
};

// Alone, a member has no one to wait for: it runs every check from its first renewal.
TEST_F(CheckShardingTest, ALoneMemberRunsEveryCheckAtOnce) {
  Process& a = join("aaaa", Millis(0));
  EXPECT_EQ(run(Millis(200)), 0);
  EXPECT_EQ(a.sharding->view().owned, static_cast<size_t>(kChecks));
  EXPECT_EQ(a.sharding->view().pending, 0u);
}

TEST_F(CheckShardingTest, TwoShareWithoutOverlapThroughJoinsDeathsAndRejoins) {
  Process& a = join("aaaa", Millis(0));
  ASSERT_EQ(run(Millis(5'000)), 0);

  // B joins: it takes about half, and A gives them up before B starts them.
  Process& b = join("bbbb", Millis(700));
  ASSERT_EQ(run(Millis(8'000)), 0);
  auto shares = owned();
  EXPECT_EQ(shares["aaaa"] + shares["bbbb"], static_cast<size_t>(kChecks));
  EXPECT_NEAR(static_cast<double>(shares["bbbb"]), kChecks / 2.0, kChecks * 0.1);

  // A dies (kill -9: no leave). B takes A's checks once A's registration expires (10 s after
  // its last renewal, so at least 8 s from now), at once since B is alone then: within
  // memberTtl + refreshInterval of A's last renewal. B hears of exactly those, once.
  std::vector<std::string> aHad;
  for (const std::string& check : names_)
    if (a.sharding->runsHere(check)) aHad.push_back(check);
  std::vector<std::string> gained;
  b.sharding->setOnGained([&](const std::vector<std::string>& checks) {
    gained.insert(gained.end(), checks.begin(), checks.end());
  });
  a.alive = false;
  int nowhere = run(Millis(7'900));
  EXPECT_GT(nowhere, 0) << "A's checks moved before its registration expired";
  ASSERT_EQ(run(Millis(4'100)), 0);
  EXPECT_EQ(b.sharding->view().owned, static_cast<size_t>(kChecks));
  std::sort(gained.begin(), gained.end());
  std::sort(aHad.begin(), aHad.end());
  EXPECT_EQ(gained, aHad);
  b.sharding->setOnGained({});

  // A comes back (a paused process waking up, or a restart): it waits out the delay while B
  // lets go of A's share, then they split again.
  a.alive = true;
  a.nextRefreshMs = toUnixMillis(clock_.now()) + 300;
  ASSERT_EQ(run(Millis(8'000)), 0);
  shares = owned();
  EXPECT_EQ(shares["aaaa"] + shares["bbbb"], static_cast<size_t>(kChecks));
  EXPECT_GT(shares["aaaa"], 0u);
}

// A member paused past its ttl must not run anything when it wakes, before it has renewed,
// even though its last view of the ring still names it.
TEST_F(CheckShardingTest, AMemberThatMissedItsRenewalRunsNothing) {
  Process& a = join("aaaa", Millis(0));
  ASSERT_EQ(run(Millis(5'000)), 0);
  a.alive = false;  // paused: no refresh
  clock_.advance(Millis(10'500));
  size_t running = 0;
  for (const std::string& check : names_)
    if (a.sharding->runsHere(check)) ++running;
  EXPECT_EQ(running, 0u);
  EXPECT_FALSE(a.sharding->view().registered);
}

TEST_F(CheckShardingTest, ACleanLeaveHandsOverWithoutWaitingForTheTtl) {
  Process& a = join("aaaa", Millis(0));
  Process& b = join("bbbb", Millis(900));
  ASSERT_EQ(run(Millis(8'000)), 0);
  a.sharding->leave();
  a.alive = false;
  // B sees A gone at its next refresh (2 s at most) and, alone, starts A's checks at once.
  ASSERT_EQ(run(Millis(2'100)), 0);
  EXPECT_EQ(b.sharding->view().owned, static_cast<size_t>(kChecks));
}

TEST_F(CheckShardingTest, NewChecksGoToTheirOwnerAfterTheDelay) {
  Process& a = join("aaaa", Millis(0));
  Process& b = join("bbbb", Millis(1'100));
  ASSERT_EQ(run(Millis(8'000)), 0);
  names_.push_back("added-later");
  a.sharding->setChecks(names_);
  b.sharding->setChecks(names_);
  EXPECT_EQ(run(Millis(3'100)), 0);
}

}  // namespace
}  // namespace pharos::health
