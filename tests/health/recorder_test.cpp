// The recorder into a real metrics store, SQLite store and embedded bus: what a result
// becomes (samples with the check's labels, failure and transition rows, state events), and
// pruning.
#include "health/recorder.h"

#include <cmath>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/manual_clock.h"
#include "health/health_test_util.h"

namespace pharos::health {
namespace {

using namespace std::chrono_literals;
using testing::eq;
using testing::HealthStores;

constexpr std::int64_t kNow = 1'700'000'000'000;

Labels identity(const std::string& check, const std::string& type) {
  return Labels{{"check", check}, {"type", type}, {"team", "db"}};
}

RecordedResult result(const std::string& check, std::int64_t atMs, bool ok,
                      std::string error = {}) {
  RecordedResult r;
  r.series = std::make_shared<CheckSeries>(check, identity(check, "http"));
  r.at = fromUnixMillis(atMs);
  r.result.ok = ok;
  r.result.error = std::move(error);
  r.result.attempts = 1;
  return r;
}

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(stores_.open()); }

  void flush() {
    Status s = stores_.recorder().flush();
    ASSERT_TRUE(s.ok()) << s.error().toString();
  }

  pharos::testing::ManualClock clock_{fromUnixMillis(kNow)};
  HealthStores stores_{clock_};
};

TEST_F(RecorderTest, ResultsBecomeSamplesWithTheChecksLabels) {
  RecordedResult good = result("api", kNow - 2000, true);
  good.result.latencyMs = 42;
  good.result.status = 200;
  good.result.certExpiresInMs = 86'400'000;
  RecordedResult refused = result("api", kNow - 1000, false, "cannot connect to 10.0.0.1:80");
  stores_.recorder().add(good);
  stores_.recorder().add(refused);
  EXPECT_EQ(stores_.recorder().recorded(), 2u);
  flush();

  auto up = stores_.series({eq("__name__", "pharos_check_up")});
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].labels.str(), R"(pharos_check_up{check="api",team="db",type="http"})");
  ASSERT_EQ(up[0].samples.size(), 2u);
  EXPECT_EQ(up[0].samples[0].t, kNow - 2000);
  EXPECT_EQ(up[0].samples[0].v, 1.0);
  EXPECT_EQ(up[0].samples[1].t, kNow - 1000);
  EXPECT_EQ(up[0].samples[1].v, 0.0);

  // The run that never connected has neither latency nor status.
  std::vector<Sample> duration =
      stores_.samples({eq("__name__", "pharos_check_duration_seconds"), eq("team", "db")});
  ASSERT_EQ(duration.size(), 1u);
  // Kept at 1/65536 s: within 8 us of the 42 ms measured.
  EXPECT_NEAR(duration[0].v, 0.042, 1.0 / 131072);
  EXPECT_EQ(duration[0].v * 65536, std::round(duration[0].v * 65536));
  std::vector<Sample> status =
      stores_.samples({eq("__name__", "pharos_check_http_status"), eq("check", "api")});
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].v, 200.0);
  std::vector<Sample> expiry = stores_.samples(
      {eq("__name__", "pharos_check_cert_expiry_timestamp_seconds"), eq("check", "api")});
  ASSERT_EQ(expiry.size(), 1u);
  EXPECT_DOUBLE_EQ(expiry[0].v, static_cast<double>(kNow - 2000 + 86'400'000) / 1000.0);

  // Later results of the same series (by ref now) and of a maintenance run (a series of its
  // own, maintenance="true").
  RecordedResult later = result("api", kNow, true);
  later.result.latencyMs = 5;
  RecordedResult quiet = result("api", kNow + 1000, false, "down for the deploy");
  quiet.maintenance = true;
  stores_.recorder().add(later);
  stores_.recorder().add(quiet);
  flush();
  EXPECT_EQ(stores_.samples({eq("__name__", "pharos_check_up"), eq("maintenance", "")}).size(), 3u);
  std::vector<Sample> maintenance =
      stores_.samples({eq("__name__", "pharos_check_up"), eq("maintenance", "true")});
  ASSERT_EQ(maintenance.size(), 1u);
  EXPECT_EQ(maintenance[0].t, kNow + 1000);
  EXPECT_EQ(stores_.recorder().recorded(), 4u);
}

TEST_F(RecorderTest, FailuresAndTransitionsAreQueryableAndPublished) {
  for (int i = 0; i < 5; ++i) {
    RecordedResult r = result("db", kNow - 10'000 + i * 1000, false, "reason " + std::to_string(i));
    r.maintenance = i == 4;
    if (i == 2) r.transition = CheckState::Transition{CheckStatus::kUp, CheckStatus::kDown};
    stores_.recorder().add(r);
  }
  RecordedResult back = result("db", kNow - 4000, true);
  back.transition = CheckState::Transition{CheckStatus::kDown, CheckStatus::kUp};
  stores_.recorder().add(back);
  stores_.recorder().add(result("other", kNow - 4000, false, "elsewhere"));
  flush();

  auto all = stores_.recorder().failures("db", fromUnixMillis(0), fromUnixMillis(kNow), 100);
  ASSERT_TRUE(all.ok()) << all.error().toString();
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].reason, "reason 4");  // newest first
  EXPECT_TRUE((*all)[0].maintenance);
  EXPECT_FALSE((*all)[1].maintenance);
  EXPECT_EQ((*all)[4].at, fromUnixMillis(kNow - 10'000));

  // [from, to), and the limit keeps the newest.
  auto range = stores_.recorder().failures("db", fromUnixMillis(kNow - 9000),
                                           fromUnixMillis(kNow - 7000), 100);
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->size(), 2u);
  EXPECT_EQ((*range)[0].reason, "reason 2");
  EXPECT_EQ((*range)[1].reason, "reason 1");
  auto limited = stores_.recorder().failures("db", fromUnixMillis(0), fromUnixMillis(kNow), 2);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[1].reason, "reason 3");

  auto transitions =
      stores_.recorder().transitions("db", fromUnixMillis(0), fromUnixMillis(kNow), 100);
  ASSERT_TRUE(transitions.ok()) << transitions.error().toString();
  ASSERT_EQ(transitions->size(), 2u);
  EXPECT_EQ((*transitions)[0].from, CheckStatus::kDown);
  EXPECT_EQ((*transitions)[0].to, CheckStatus::kUp);
  EXPECT_EQ((*transitions)[0].reason, "");
  EXPECT_EQ((*transitions)[1].from, CheckStatus::kUp);
  EXPECT_EQ((*transitions)[1].to, CheckStatus::kDown);
  EXPECT_EQ((*transitions)[1].reason, "reason 2");
  EXPECT_EQ((*transitions)[1].at, fromUnixMillis(kNow - 8000));

  std::vector<std::string> events = stores_.stateEvents();
  ASSERT_EQ(events.size(), 2u);
  nlohmann::json down = nlohmann::json::parse(events[0]);
  EXPECT_EQ(down["check"], "db");
  EXPECT_EQ(down["at_ms"], kNow - 8000);
  EXPECT_EQ(down["from"], "up");
  EXPECT_EQ(down["to"], "down");
  EXPECT_EQ(down["reason"], "reason 2");
  EXPECT_EQ(down["maintenance"], false);
  EXPECT_EQ(down["labels"], (nlohmann::json{{"check", "db"}, {"team", "db"}, {"type", "http"}}));
  EXPECT_EQ(nlohmann::json::parse(events[1])["to"], "up");
}

TEST_F(RecorderTest, LastStatusesGiveEachChecksNewestTransitionInFewQueries) {
  // 1,203 checks: more than one query's worth. Check i went up and, for odd i, down later;
  // every third has no transition at all.
  std::vector<std::string> checks;
  for (int i = 0; i < 1203; ++i) {
    const std::string name = "c" + std::to_string(i);
    checks.push_back(name);
    if (i % 3 == 0) continue;
    RecordedResult up = result(name, kNow - 5000, true);
    up.transition = CheckState::Transition{CheckStatus::kUnknown, CheckStatus::kUp};
    stores_.recorder().add(up);
    if (i % 2 == 1) {
      RecordedResult down = result(name, kNow - 1000 - i, false, "gone");
      down.transition = CheckState::Transition{CheckStatus::kUp, CheckStatus::kDown};
      stores_.recorder().add(down);
    }
  }
  flush();
  checks.push_back("never-defined");
  auto statuses = stores_.recorder().lastStatuses(checks);
  ASSERT_TRUE(statuses.ok()) << statuses.error().toString();
  EXPECT_EQ(statuses->size(), 802u);
  for (int i = 0; i < 1203; ++i) {
    auto found = statuses->find("c" + std::to_string(i));
    if (i % 3 == 0) {
      EXPECT_EQ(found, statuses->end()) << i;
    } else {
      ASSERT_NE(found, statuses->end()) << i;
      EXPECT_EQ(found->second, i % 2 == 1 ? CheckStatus::kDown : CheckStatus::kUp) << i;
    }
  }
  auto none = stores_.recorder().lastStatuses({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(RecorderTest, PruneDeletesRowsOlderThanTheCutoff) {
  for (int i = 0; i < 4; ++i) {
    RecordedResult r = result("db", kNow - 4 * 3'600'000LL + i * 3'600'000LL, false, "x");
    r.transition = CheckState::Transition{CheckStatus::kUnknown, CheckStatus::kDown};
    stores_.recorder().add(r);
  }
  flush();
  auto deleted = stores_.recorder().prune(fromUnixMillis(kNow - 2 * 3'600'000LL));
  ASSERT_TRUE(deleted.ok()) << deleted.error().toString();
  EXPECT_EQ(*deleted, 4);  // two failures and two transitions
  auto left = stores_.recorder().failures("db", fromUnixMillis(0), fromUnixMillis(kNow), 100);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ(left->back().at, fromUnixMillis(kNow - 2 * 3'600'000LL));
  auto transitions =
      stores_.recorder().transitions("db", fromUnixMillis(0), fromUnixMillis(kNow), 100);
  ASSERT_TRUE(transitions.ok());
  EXPECT_EQ(transitions->size(), 2u);
  // Samples are the metrics store's retention, not this.
  EXPECT_EQ(stores_.samples({eq("__name__", "pharos_check_up")}).size(), 4u);
  deleted = stores_.recorder().prune(fromUnixMillis(kNow - 2 * 3'600'000LL));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 0);
}

TEST_F(RecorderTest, ResultsSurviveARestart) {
  stores_.recorder().add(result("db", kNow - 2000, false, "first life"));
  flush();
  stores_.close();
  ASSERT_NO_FATAL_FAILURE(stores_.open());
  stores_.recorder().add(result("db", kNow - 1000, true));
  flush();
  std::vector<Sample> up = stores_.samples({eq("__name__", "pharos_check_up"), eq("check", "db")});
  ASSERT_EQ(up.size(), 2u);
  EXPECT_EQ(up[0].v, 0.0);
  EXPECT_EQ(up[1].v, 1.0);
  auto rows = stores_.recorder().failures("db", fromUnixMillis(0), fromUnixMillis(kNow), 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].reason, "first life");
}

}  // namespace
}  // namespace pharos::health
