// The store's record of each heartbeat check's latest beat, on SQLite and (as pg.health.*)
// on PostgreSQL.
#include "health/shared_beats.h"

#include <gtest/gtest.h>

#include "fakes/temp_dir.h"
#include "fakes/test_store.h"

namespace pharos::health {
namespace {

using namespace std::chrono_literals;

TEST(SharedBeatsTest, KeepsTheLatestBeatOfEachCheck) {
  testing::TempDir dir;
  auto store = testing::openTestStore(dir.file("pharos.db"));
  ASSERT_TRUE(store.ok()) << store.error().toString();
  auto beats = SharedBeats::open(**store);
  ASSERT_TRUE(beats.ok()) << beats.error().toString();
  WallTime t0 = fromUnixMillis(1'800'000'000'000);
  ASSERT_TRUE((*beats)->record("cron", t0, "node-a").ok());
  ASSERT_TRUE((*beats)->record("cron", t0 + 2s, "node-b").ok());
  // A beat stamped earlier (a slower clock, a late write) does not go back in time.
  ASSERT_TRUE((*beats)->record("cron", t0 + 1s, "node-a").ok());
  ASSERT_TRUE((*beats)->record("backup", t0 + 5s, "node-a").ok());

  auto all = (*beats)->after(WallTime{});
  ASSERT_TRUE(all.ok()) << all.error().toString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].check, "cron");
  EXPECT_EQ((*all)[0].at, t0 + 2s);
  EXPECT_EQ((*all)[0].node, "node-b");
  EXPECT_EQ((*all)[1].check, "backup");

  auto recent = (*beats)->after(t0 + 2s);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].check, "backup");

  // Opened again (another process, a restart), the table and its rows are there.
  auto again = SharedBeats::open(**store);
  ASSERT_TRUE(again.ok()) << again.error().toString();
  EXPECT_EQ((*again)->after(WallTime{})->size(), 2u);
}

}  // namespace
}  // namespace pharos::health
