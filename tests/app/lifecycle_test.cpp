#include "app/lifecycle.h"

#include <gtest/gtest.h>

#include "fakes/manual_clock.h"

namespace pharos::app {
namespace {

Service recording(std::string name, std::vector<std::string> deps, std::vector<std::string>& events,
                  bool failStart = false) {
  Service s;
  s.name = name;
  s.dependsOn = std::move(deps);
  s.start = [name, &events, failStart]() -> Status {
    events.push_back("start " + name);
    if (failStart) return makeError(ErrorCode::kUnavailable, "port in use");
    return okStatus();
  };
  s.stop = [name, &events](MonoTime) { events.push_back("stop " + name); };
  return s;
}

TEST(LifecycleTest, StartsInDependencyOrderAndStopsInReverse) {
  testing::ManualClock clock;
  std::vector<std::string> events;
  Lifecycle lc(clock);
  lc.add(recording("api", {"store", "bus"}, events));
  lc.add(recording("bus", {"core"}, events));
  lc.add(recording("store", {"core"}, events));
  lc.add(recording("core", {}, events));
  ASSERT_TRUE(lc.startAll().ok());
  lc.stopAll(Millis(1000));
  EXPECT_EQ(events, (std::vector<std::string>{"start core", "start store", "start bus", "start api",
                                              "stop api", "stop bus", "stop store", "stop core"}));
}

TEST(LifecycleTest, RefusesACycleAndNamesIt) {
  testing::ManualClock clock;
  std::vector<std::string> events;
  Lifecycle lc(clock);
  lc.add(recording("compute", {"security"}, events));
  lc.add(recording("security", {"storage"}, events));
  lc.add(recording("storage", {"compute"}, events));
  lc.add(recording("ui", {}, events));
  Status s = lc.startAll();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "dependency cycle: compute -> security -> storage -> compute");
  EXPECT_TRUE(events.empty());  // nothing started
}

TEST(LifecycleTest, RefusesUnknownDependencyAndDuplicates) {
  testing::ManualClock clock;
  std::vector<std::string> events;
  Lifecycle a(clock);
  a.add(recording("api", {"ghost"}, events));
  EXPECT_NE(a.startOrder().error().message.find("'ghost', which is not configured"),
            std::string::npos);
  Lifecycle b(clock);
  b.add(recording("api", {}, events));
  b.add(recording("api", {}, events));
  EXPECT_FALSE(b.startOrder().ok());
}

TEST(LifecycleTest, FailedStartStopsWhatAlreadyStarted) {
  testing::ManualClock clock;
  std::vector<std::string> events;
  Lifecycle lc(clock);
  lc.add(recording("store", {}, events));
  lc.add(recording("bus", {"store"}, events));
  lc.add(recording("api", {"bus"}, events, /*failStart=*/true));
  Status s = lc.startAll();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().context, "api");
  EXPECT_EQ(events, (std::vector<std::string>{"start store", "start bus", "start api", "stop bus",
                                              "stop store"}));
}

TEST(LifecycleTest, StopGetsOneSharedDeadline) {
  testing::ManualClock clock;
  Lifecycle lc(clock);
  std::vector<MonoTime> deadlines;
  for (const char* name : {"a", "b"}) {
    Service s;
    s.name = name;
    s.start = [] { return okStatus(); };
    s.stop = [&](MonoTime d) { deadlines.push_back(d); };
    lc.add(std::move(s));
  }
  ASSERT_TRUE(lc.startAll().ok());
  MonoTime expected = clock.monotonic() + Millis(2500);
  lc.stopAll(Millis(2500));
  ASSERT_EQ(deadlines.size(), 2u);
  EXPECT_EQ(deadlines[0], expected);
  EXPECT_EQ(deadlines[1], expected);
}

}  // namespace
}  // namespace pharos::app
