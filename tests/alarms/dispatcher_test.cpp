#include "alarms/dispatcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "alarms/route_parse.h"
#include "alarms/silence_json.h"
#include "fakes/manual_clock.h"
#include "route_test_util.h"

namespace pharos::alarms {
namespace {

using namespace std::chrono_literals;
using testing::firing;
using testing::jsonNode;
using testing::resolved;

RouteTree tree(std::string_view json) {
  auto parsed = parseRouteTree(jsonNode(json), "route", {"default", "pager", "db", "backup"});
  if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
    ADD_FAILURE() << (p->empty() ? "?" : p->front().message);
    return {};
  }
  return std::get<RouteTree>(std::move(parsed));
}

InhibitRule inhibitRule(std::string_view json) {
  return std::get<InhibitRule>(parseInhibitRule(jsonNode(json), ""));
}

constexpr const char* kGroupByName = R"({"receiver": "default", "group_by": ["alertname"],
    "group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"})";

Labels alert(std::string_view name, std::string_view instance) {
  return Labels{{"alertname", std::string(name)}, {"instance", std::string(instance)}};
}

// A dispatcher over a manual clock whose sink records what it is given (or refuses it).
class DispatcherTest : public ::testing::Test {
 protected:
  void make(RouteTree routes, std::vector<InhibitRule> rules = {}, Millis resolveTimeout = 24h) {
    DispatcherOptions options;
    options.externalUrl = "https://pharos.example";
    options.resolveTimeout = resolveTimeout;
    dispatcher_ =
        std::make_unique<Dispatcher>(std::move(routes), std::move(rules), clock_, options,
                                     [this](notify::Notification n) -> Status {
                                       if (failing_) {
                                         return makeError(ErrorCode::kUnavailable, "full");
                                       }
                                       sent_.push_back(std::move(n));
                                       return okStatus();
                                     });
  }

  // Moves the clock and ticks; returns what was sent by this tick.
  std::vector<notify::Notification> after(Millis by) {
    clock_.advance(by);
    std::size_t before = sent_.size();
    dispatcher_->tick(clock_.now());
    return {sent_.begin() + static_cast<std::ptrdiff_t>(before), sent_.end()};
  }

  // Ticks every second for `span`; returns everything sent.
  std::vector<notify::Notification> run(Millis span) {
    std::vector<notify::Notification> out;
    for (Millis t{0}; t < span; t += 1s) {
      for (auto& n : after(1s))
        out.push_back(std::move(n));
    }
    return out;
  }

  pharos::testing::ManualClock clock_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::vector<notify::Notification> sent_;
  bool failing_ = false;
};

TEST_F(DispatcherTest, GroupWaitThenGroupIntervalThenRepeatInterval) {
  make(tree(kGroupByName));
  dispatcher_->put(firing(alert("Disk", "a")));
  EXPECT_TRUE(after(29s).empty());
  auto first = after(1s);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].alerts.size(), 1u);
  EXPECT_TRUE(first[0].firing);

  // A new alert in the group waits for the group interval, counted from the last flush.
  dispatcher_->put(firing(alert("Disk", "b")));
  EXPECT_TRUE(run(299s).empty());
  auto second = after(1s);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].alerts.size(), 2u);
  EXPECT_EQ(second[0].groupKey, first[0].groupKey);

  // Unchanged: nothing until repeat_interval has passed since the last notification, at the
  // first group flush from then on (4h is a multiple of 5m here).
  EXPECT_TRUE(after(4h - 1s).empty());
  auto repeat = after(1s);
  ASSERT_EQ(repeat.size(), 1u);
  EXPECT_EQ(repeat[0].alerts.size(), 2u);
  EXPECT_EQ(repeat[0].idempotencyKey, second[0].idempotencyKey);  // same content, same key
  EXPECT_NE(repeat[0].id, second[0].id);
  EXPECT_NE(second[0].idempotencyKey, first[0].idempotencyKey);
}

TEST_F(DispatcherTest, RepeatedPutsAreIdempotent) {
  make(tree(kGroupByName));
  for (int i = 0; i < 100; ++i)
    dispatcher_->put(firing(alert("Disk", "a")));
  auto sent = after(30s);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].alerts.size(), 1u);
  for (int i = 0; i < 100; ++i)
    dispatcher_->put(firing(alert("Disk", "a")));
  EXPECT_TRUE(run(10min).empty());
  EXPECT_EQ(dispatcher_->stats().alertsReceived, 200u);
  EXPECT_EQ(dispatcher_->stats().alerts, 1u);
}

TEST_F(DispatcherTest, AResolvedAlertIsSentOnceThenForgotten) {
  make(tree(kGroupByName));
  dispatcher_->put(firing(alert("Disk", "a"), clock_.now()));
  dispatcher_->put(firing(alert("Disk", "b"), clock_.now()));
  ASSERT_EQ(after(30s).size(), 1u);
  WallTime end = clock_.now();
  dispatcher_->put(resolved(alert("Disk", "a"), end));
  dispatcher_->put(resolved(alert("Disk", "a"), end));  // a repeat changes nothing
  auto sent = after(5min);
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].alerts.size(), 2u);
  EXPECT_FALSE(sent[0].alerts[0].firing);  // sorted by labels: a before b
  EXPECT_EQ(sent[0].alerts[0].endsAt, end);
  EXPECT_TRUE(sent[0].alerts[1].firing);
  EXPECT_TRUE(sent[0].firing);
  EXPECT_EQ(dispatcher_->stats().alerts, 1u);

  dispatcher_->put(resolved(alert("Disk", "b"), clock_.now()));
  auto last = after(5min);
  ASSERT_EQ(last.size(), 1u);
  ASSERT_EQ(last[0].alerts.size(), 1u);
  EXPECT_FALSE(last[0].firing);
  EXPECT_TRUE(run(10min).empty());
  EXPECT_EQ(dispatcher_->stats().alerts, 0u);
  EXPECT_EQ(dispatcher_->stats().groups, 0u);
}

TEST_F(DispatcherTest, AnAlertResolvedBeforeItsGroupWasSentIsNeverSent) {
  make(tree(kGroupByName));
  dispatcher_->put(firing(alert("Disk", "a")));
  clock_.advance(10s);
  dispatcher_->put(resolved(alert("Disk", "a"), clock_.now()));
  EXPECT_TRUE(run(10min).empty());
  EXPECT_EQ(dispatcher_->stats().alerts, 0u);
  EXPECT_EQ(dispatcher_->stats().groups, 0u);
  // Resolved and never seen firing: ignored.
  dispatcher_->put(resolved(alert("Disk", "z"), clock_.now()));
  EXPECT_EQ(dispatcher_->stats().alerts, 0u);
}

TEST_F(DispatcherTest, ASinkFailureIsRetriedAtTheNextTick) {
  make(tree(kGroupByName));
  dispatcher_->put(firing(alert("Disk", "a")));
  failing_ = true;
  EXPECT_TRUE(after(30s).empty());
  EXPECT_TRUE(after(1s).empty());
  EXPECT_EQ(dispatcher_->stats().sinkFailures, 2u);
  failing_ = false;
  auto sent = after(1s);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].alerts.size(), 1u);
  EXPECT_EQ(dispatcher_->stats().notificationsSent, 1u);
  // The group keeps its rhythm: the next flush is group_interval after the one that was due
  // (at 30s), not after the retry that went through (at 32s).
  dispatcher_->put(firing(alert("Disk", "b")));
  EXPECT_TRUE(run(297s).empty());
  EXPECT_EQ(after(1s).size(), 1u);
}

TEST_F(DispatcherTest, AFailedResolvedNotificationIsNotLost) {
  make(tree(kGroupByName));
  dispatcher_->put(firing(alert("Disk", "a")));
  ASSERT_EQ(after(30s).size(), 1u);
  dispatcher_->put(resolved(alert("Disk", "a"), clock_.now()));
  failing_ = true;
  EXPECT_TRUE(after(5min).empty());
  failing_ = false;
  auto sent = after(1s);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(sent[0].firing);
  EXPECT_EQ(dispatcher_->stats().alerts, 0u);
}

TEST_F(DispatcherTest, NotificationsCarryTheGroupAndWhatTheAlertsShare) {
  make(tree(R"({"receiver": "default", "fallback": "backup", "group_by": ["alertname"],
      "group_wait": "0s"})"));
  Alert a = firing(Labels{{"alertname", "Disk"}, {"instance", "b"}, {"env", "prod"}});
  a.annotations = Labels{{"summary", "disk full"}, {"runbook_url", "https://rb/1"}};
  a.generatorUrl = "https://pharos.example/rules/disk";
  Alert b = firing(Labels{{"alertname", "Disk"}, {"instance", "a"}, {"env", "prod"}});
  b.annotations = Labels{{"summary", "disk almost full"}, {"runbook_url", "https://rb/1"}};
  dispatcher_->put(a);
  dispatcher_->put(b);
  auto sent = after(1s);
  ASSERT_EQ(sent.size(), 1u);
  const notify::Notification& n = sent[0];
  EXPECT_EQ(n.receiver, "default");
  EXPECT_EQ(n.fallback, "backup");
  EXPECT_EQ(n.groupKey, R"({}:{alertname="Disk"})");
  EXPECT_EQ(n.idempotencyKey.rfind(n.groupKey + "/", 0), 0u);
  EXPECT_EQ(n.groupLabels, (Labels{{"alertname", "Disk"}}));
  EXPECT_EQ(n.commonLabels, (Labels{{"alertname", "Disk"}, {"env", "prod"}}));
  EXPECT_EQ(n.commonAnnotations, (Labels{{"runbook_url", "https://rb/1"}}));
  EXPECT_EQ(n.externalUrl, "https://pharos.example");
  EXPECT_EQ(n.id.size(), 26u);
  EXPECT_EQ(n.createdAt, clock_.now());
  ASSERT_EQ(n.alerts.size(), 2u);
  EXPECT_EQ(n.alerts[0].labels.get("instance"), "a");
  EXPECT_EQ(n.alerts[1].generatorUrl, "https://pharos.example/rules/disk");
  EXPECT_EQ(n.alerts[1].fingerprint, fingerprintHex(a.labels.hash()));
  EXPECT_EQ(n.alerts[1].fingerprint.size(), 16u);
}

TEST_F(DispatcherTest, GroupsSplitByGroupByValuesAndRoutes) {
  make(tree(R"({"receiver": "default", "group_by": ["alertname"], "group_wait": "0s",
      "routes": [{"matchers": ["severity=page"], "receiver": "pager", "continue": true},
                 {"matchers": ["team=db"], "receiver": "db", "group_by": ["..."]}]})"));
  dispatcher_->put(firing(Labels{{"alertname", "A"}, {"severity", "page"}, {"team", "db"}}));
  dispatcher_->put(firing(Labels{{"alertname", "B"}, {"severity", "page"}}));
  dispatcher_->put(firing(Labels{{"alertname", "C"}}));
  dispatcher_->put(firing(Labels{{"alertname", "C"}, {"x", "1"}}));
  auto sent = after(1s);
  std::multiset<std::string> got;
  for (const auto& n : sent)
    got.insert(n.receiver + " " + n.groupKey + " " + std::to_string(n.alerts.size()));
  EXPECT_EQ(got, (std::multiset<std::string>{
                     R"(pager {}/{severity="page"}:{alertname="A"} 1)",
                     R"(pager {}/{severity="page"}:{alertname="B"} 1)",
                     R"(db {}/{team="db"}:{alertname="A",severity="page",team="db"} 1)",
                     R"(default {}:{alertname="C"} 2)"}));
}

TEST_F(DispatcherTest, SilencedAlertsAreLeftOutAndCounted) {
  make(tree(kGroupByName));
  auto parsed = parseSilence(jsonNode(R"({"matchers": ["instance=b"], "ends_at": ")" +
                                      formatSilenceTime(clock_.now() + 1h) + R"("})"),
                             "", clock_.now());
  Silence silence = std::get<Silence>(std::move(parsed));
  dispatcher_->setSilences(std::make_shared<const SilenceSet>(std::vector{silence}, clock_.now()));
  dispatcher_->put(firing(alert("Disk", "a")));
  dispatcher_->put(firing(alert("Disk", "b")));
  dispatcher_->put(firing(alert("Cpu", "b")));  // its whole group is silenced
  auto sent = after(30s);
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].alerts.size(), 1u);
  EXPECT_EQ(sent[0].alerts[0].labels.get("instance"), "a");
  EXPECT_EQ(dispatcher_->stats().alertsSilenced, 2u);
  // The silence ends: the muted alerts are news at the next flush of each group.
  clock_.advance(1h);
  auto later = after(1s);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0].groupKey, R"({}:{alertname="Cpu"})");
  EXPECT_EQ(later[1].alerts.size(), 2u);
}

TEST_F(DispatcherTest, AnAlertMutedAfterItWasSentStillGetsItsResolve) {
  make(tree(kGroupByName));
  dispatcher_->put(firing(alert("Disk", "a")));
  ASSERT_EQ(after(30s).size(), 1u);
  auto parsed = parseSilence(jsonNode(R"({"matchers": ["instance=a"], "ends_at": ")" +
                                      formatSilenceTime(clock_.now() + 5h) + R"("})"),
                             "", clock_.now());
  dispatcher_->setSilences(std::make_shared<const SilenceSet>(
      std::vector{std::get<Silence>(std::move(parsed))}, clock_.now()));
  EXPECT_TRUE(after(4h).empty());  // muted: no repeat
  dispatcher_->put(resolved(alert("Disk", "a"), clock_.now()));
  auto sent = after(5min);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(sent[0].firing);
}

TEST_F(DispatcherTest, InhibitedAlertsAreLeftOutWhileTheSourceFires) {
  make(tree(kGroupByName), {inhibitRule(R"({"source_matchers": ["severity=critical"],
           "target_matchers": ["severity=warning"], "equal": ["cluster"]})")});
  Labels critical{{"alertname", "Down"}, {"severity", "critical"}, {"cluster", "eu"}};
  Labels warning{{"alertname", "Slow"}, {"severity", "warning"}, {"cluster", "eu"}};
  Labels elsewhere{{"alertname", "Slow"}, {"severity", "warning"}, {"cluster", "us"}};
  dispatcher_->put(firing(critical));
  dispatcher_->put(firing(warning));
  dispatcher_->put(firing(elsewhere));
  auto sent = after(30s);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].groupKey, R"({}:{alertname="Down"})");
  ASSERT_EQ(sent[1].alerts.size(), 1u);
  EXPECT_EQ(sent[1].alerts[0].labels.get("cluster"), "us");
  EXPECT_EQ(dispatcher_->stats().alertsInhibited, 1u);
  // The source resolves: the target is sent at its group's next flush.
  dispatcher_->put(resolved(critical, clock_.now()));
  auto later = after(5min);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_FALSE(later[0].firing);
  EXPECT_EQ(later[1].alerts.size(), 2u);
}

TEST_F(DispatcherTest, AnAlertNotRefreshedTimesOutAsResolved) {
  make(tree(kGroupByName), {}, 5min);
  dispatcher_->put(firing(alert("Disk", "a")));
  WallTime lastSeen = clock_.now();
  ASSERT_EQ(after(30s).size(), 1u);
  EXPECT_TRUE(run(4min).empty());
  auto sent = run(2min);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(sent[0].firing);
  EXPECT_EQ(sent[0].alerts[0].endsAt, lastSeen + 5min);
  EXPECT_EQ(dispatcher_->stats().alertsTimedOut, 1u);
  EXPECT_EQ(dispatcher_->stats().alerts, 0u);
}

TEST_F(DispatcherTest, AReloadKeepsTheStateOfGroupsThatKeepTheirKey) {
  make(tree(kGroupByName));
  dispatcher_->put(firing(alert("Disk", "a")));
  ASSERT_EQ(after(30s).size(), 1u);
  dispatcher_->setRouting(tree(kGroupByName), {});
  EXPECT_TRUE(run(10min).empty());  // unchanged group, already told
  // A new route for it: a new group, notified after its group_wait.
  dispatcher_->setRouting(tree(R"({"receiver": "default", "group_by": ["alertname"],
      "routes": [{"matchers": ["alertname=Disk"], "receiver": "db", "group_wait": "10s"}]})"),
                          {});
  auto sent = run(10s);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].receiver, "db");
  EXPECT_EQ(dispatcher_->stats().groups, 1u);
}

TEST_F(DispatcherTest, WithoutRoutesNothingIsKept) {
  make(RouteTree());
  dispatcher_->put(firing(alert("Disk", "a")));
  EXPECT_TRUE(run(1min).empty());
  EXPECT_EQ(dispatcher_->stats().alerts, 0u);
}

TEST_F(DispatcherTest, PutsAndTicksFromTwoThreads) {
  make(tree(R"({"receiver": "default", "group_by": ["instance"], "group_wait": "0s",
      "group_interval": "1s"})"));
  std::atomic<bool> done{false};
  std::thread ticker([&] {
    while (!done.load())
      dispatcher_->tick(clock_.now() + 1h);
  });
  for (int i = 0; i < 2000; ++i) {
    Labels l = alert("A", std::to_string(i % 50));
    dispatcher_->put(i % 3 == 0 ? resolved(l, clock_.now()) : firing(l));
  }
  done = true;
  ticker.join();
  EXPECT_EQ(dispatcher_->stats().alertsReceived, 2000u);
}

}  // namespace
}  // namespace pharos::alarms
