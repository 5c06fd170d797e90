// The engine with real probes against real servers on loopback, writing into a real metrics
// store, SQLite store and embedded bus: state changes, the circuit breaker, the concurrency
// cap, redefinitions, pauses, heartbeats and maintenance, on 1 s schedules in real time.
#include "health/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "health/health_test_util.h"
#include "health/loopback_targets.h"
#include "health/uptime.h"
#include "net/http_server.h"
#include "net/outbound_client.h"

namespace pharos::health {
namespace {

using namespace std::chrono_literals;
using testing::conditions;
using testing::eq;
using testing::HealthStores;
using testing::ScriptedTcpServer;

// A real HTTP server whose answer the test changes: the status, a delay, and counts of the
// requests it served and of how many it served at once.
class Target {
 public:
  Target() {
    auto router = std::make_shared<net::Router>();
    router->add("GET", "/health", [this](net::HttpRequest&) { return answer(); });
    net::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 4;
    auto server = net::HttpServer::start(options, router);
    EXPECT_TRUE(server.ok()) << server.error().toString();
    if (server.ok()) server_ = std::move(server).value();
  }
  ~Target() {
    if (server_) server_->stop(0ms);
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/health";
  }

  std::atomic<int> status{200};
  std::atomic<int> delayMs{0};
  std::atomic<int> requests{0};
  std::atomic<int> maxConcurrent{0};

 private:
  net::HttpResponse answer() {
    ++requests;
    int now = ++concurrent_;
    int seen = maxConcurrent.load();
    while (now > seen && !maxConcurrent.compare_exchange_weak(seen, now)) {
    }
    if (delayMs > 0) std::this_thread::sleep_for(Millis(delayMs.load()));
    --concurrent_;
    int s = status;
    return net::HttpResponse::text(s, s < 400 ? R"({"status":"ok"})" : R"({"status":"degraded"})",
                                   "application/json");
  }

  std::atomic<int> concurrent_{0};
  net::HttpServerPtr server_;
};

CheckSpec httpCheck(std::string name, std::string url, Millis interval = 1s) {
  CheckSpec s;
  s.name = std::move(name);
  s.type = CheckType::kHttp;
  s.url = std::move(url);
  s.interval = interval;
  s.timeout = std::min<Millis>(interval, 800ms);
  s.failureThreshold = 1;
  s.successThreshold = 1;
  return s;
}

CheckSpec heartbeatCheck(std::string name, Millis interval, Millis grace) {
  CheckSpec s;
  s.name = std::move(name);
  s.type = CheckType::kHeartbeat;
  s.interval = interval;
  s.grace = grace;
  s.failureThreshold = 1;
  s.successThreshold = 1;
  return s;
}

// Polls `done` every 5 ms for up to `timeout`; returns whether it came true.
bool waitFor(const std::function<bool()>& done, Millis timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(stores_.open()); }
  void TearDown() override { stopEngine(); }

  HealthEngine& start(std::vector<CheckSpec> checks, HealthEngine::Options options = {},
                      std::shared_ptr<const MaintenanceCalendar> maintenance = nullptr) {
    options.flushInterval = 200ms;
    engine_ = std::make_unique<HealthEngine>(options, client_, policy_, stores_.recorder(),
                                             systemClock());
    if (maintenance) engine_->setMaintenance(std::move(maintenance));
    engine_->setChecks(std::move(checks));
    engine_->start();
    return *engine_;
  }
  // Stops the engine (results flushed) and keeps it for its views and stats.
  void stopEngine() {
    if (engine_) engine_->stop();
  }

  CheckView view(const std::string& name) const {
    auto v = engine_->check(name);
    EXPECT_TRUE(v.has_value()) << name;
    return v.value_or(CheckView{});
  }
  // Waits until `name`'s view satisfies `done`.
  bool waitView(const std::string& name, const std::function<bool(const CheckView&)>& done,
                Millis timeout) {
    return waitFor([&] { return done(view(name)); }, timeout);
  }

  std::vector<FailureRow> failures(const std::string& check) {
    auto rows = stores_.recorder().failures(check, WallTime{}, WallTime::max(), 1000);
    EXPECT_TRUE(rows.ok()) << rows.error().toString();
    std::vector<FailureRow> out = rows.ok() ? std::move(rows).value() : std::vector<FailureRow>{};
    std::reverse(out.begin(), out.end());  // oldest first
    return out;
  }
  std::vector<TransitionRow> transitions(const std::string& check) {
    auto rows = stores_.recorder().transitions(check, WallTime{}, WallTime::max(), 1000);
    EXPECT_TRUE(rows.ok()) << rows.error().toString();
    std::vector<TransitionRow> out =
        rows.ok() ? std::move(rows).value() : std::vector<TransitionRow>{};
    std::reverse(out.begin(), out.end());
    return out;
  }
  std::vector<Sample> up(const std::string& check) {
    return stores_.samples({eq("__name__", "pharos_check_up"), eq("check", check)});
  }

  HealthStores stores_{systemClock()};
  net::OutboundPolicy policy_{config::Environment::kProd};
  net::OutboundClient client_{policy_, {}};
  std::unique_ptr<HealthEngine> engine_;
};

TEST_F(EngineTest, HttpCheckFollowsItsTargetUpDownAndUpAgain) {
  Target target;
  CheckSpec web = httpCheck("web", target.url());
  web.conditions = conditions({"[STATUS] == 200", "[BODY].status == ok"});
  web.failureThreshold = 2;
  web.successThreshold = 2;
  web.labels = {{"team", "web"}};
  start({web});

  // From unknown one success is enough.
  ASSERT_TRUE(waitView(
      "web", [](const CheckView& v) { return v.status == CheckStatus::kUp; }, 3s));
  target.status = 503;
  ASSERT_TRUE(waitView(
      "web", [](const CheckView& v) { return v.status == CheckStatus::kDown; }, 5s));
  EXPECT_EQ(view("web").consecutiveFailures, 2);
  EXPECT_EQ(view("web").lastError,
            "condition failed: [STATUS] (503) == 200; [BODY].status (\"degraded\") == ok");
  target.status = 200;
  ASSERT_TRUE(waitView(
      "web", [](const CheckView& v) { return v.status == CheckStatus::kUp; }, 5s));
  EXPECT_EQ(view("web").consecutiveSuccesses, 2);
  stopEngine();

  // Every run is a sample on its slot, 1 s apart, with the check's labels.
  auto series = stores_.series({eq("__name__", "pharos_check_up"), eq("check", "web")});
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].labels.str(), R"(pharos_check_up{check="web",team="web",type="http"})");
  std::vector<Sample> runs = series[0].samples;
  ASSERT_GE(runs.size(), 5u);
  for (std::size_t i = 1; i < runs.size(); ++i)
    EXPECT_EQ(runs[i].t - runs[i - 1].t, 1000) << i;
  std::vector<Sample> statuses =
      stores_.samples({eq("__name__", "pharos_check_http_status"), eq("check", "web")});
  ASSERT_EQ(statuses.size(), runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i)
    EXPECT_EQ(runs[i].v, statuses[i].v == 200 ? 1.0 : 0.0) << i;
  std::vector<Sample> durations =
      stores_.samples({eq("__name__", "pharos_check_duration_seconds"), eq("check", "web")});
  ASSERT_EQ(durations.size(), runs.size());
  for (const Sample& d : durations) {
    EXPECT_GT(d.v, 0);
    EXPECT_LT(d.v, 0.8);
  }

  // The transitions stored are exactly those the recorded runs imply, each failure has its
  // row, and each transition was published on the bus.
  CheckState replay(2, 2);
  std::vector<std::pair<std::int64_t, CheckState::Transition>> expected;
  std::size_t failed = 0;
  for (const Sample& s : runs) {
    failed += s.v == 0 ? 1 : 0;
    if (auto t = replay.record(s.v == 1)) expected.emplace_back(s.t, *t);
  }
  std::vector<TransitionRow> rows = transitions("web");
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_EQ(expected.size(), rows.size());
  std::vector<std::string> events = stores_.stateEvents();
  ASSERT_EQ(events.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(toUnixMillis(rows[i].at), expected[i].first) << i;
    EXPECT_EQ(rows[i].from, expected[i].second.from) << i;
    EXPECT_EQ(rows[i].to, expected[i].second.to) << i;
    nlohmann::json event = nlohmann::json::parse(events[i]);
    EXPECT_EQ(event["check"], "web");
    EXPECT_EQ(event["at_ms"], expected[i].first);
    EXPECT_EQ(event["from"], checkStatusName(rows[i].from));
    EXPECT_EQ(event["to"], checkStatusName(rows[i].to));
    EXPECT_EQ(event["reason"], rows[i].reason);
    EXPECT_EQ(event["labels"]["team"], "web");
    EXPECT_EQ(event["maintenance"], false);
  }
  EXPECT_EQ(rows[0].from, CheckStatus::kUnknown);
  EXPECT_EQ(rows[1].to, CheckStatus::kDown);
  EXPECT_EQ(rows[1].reason,
            "condition failed: [STATUS] (503) == 200; [BODY].status (\"degraded\") == ok");
  EXPECT_EQ(failures("web").size(), failed);
  EXPECT_EQ(target.requests.load(), static_cast<int>(runs.size()));
}

TEST_F(EngineTest, TargetThatNeverAnswersIsRecordedDownWithTheReason) {
  ScriptedTcpServer silent(ScriptedTcpServer::holdSilently);
  CheckSpec check = httpCheck("silent", silent.url("/"));
  check.timeout = 300ms;
  start({check});
  ASSERT_TRUE(waitView(
      "silent", [](const CheckView& v) { return v.status == CheckStatus::kDown; }, 3s));
  stopEngine();

  std::string reason = "timed out after 300 ms while waiting for the response (127.0.0.1:" +
                       std::to_string(silent.port()) + ")";
  std::vector<FailureRow> rows = failures("silent");
  ASSERT_FALSE(rows.empty());
  for (const FailureRow& r : rows)
    EXPECT_EQ(r.reason, reason);
  ASSERT_EQ(transitions("silent").size(), 1u);
  EXPECT_EQ(transitions("silent")[0].reason, reason);
  std::vector<Sample> runs = up("silent");
  ASSERT_EQ(runs.size(), rows.size());
  for (const Sample& s : runs)
    EXPECT_EQ(s.v, 0.0);
  // A run that got no answer has no latency to report.
  EXPECT_TRUE(stores_.series({eq("__name__", "pharos_check_duration_seconds")}).empty());
}

TEST_F(EngineTest, CircuitBreakerSkipsProbesOnGrowingIntervals) {
  Target target;
  target.status = 500;
  start({httpCheck("flaky", target.url(), 200ms)});

  // 5 probed failures open the circuit; then the target is probed every 2nd, then every 4th
  // slot: P P P P P s P s s s P.
  constexpr std::size_t kPattern = 11;
  ASSERT_TRUE(waitFor([&] { return stores_.recorder().recorded() >= kPattern; }, 5s));
  EXPECT_TRUE(view("flaky").circuitOpen);
  target.status = 200;
  ASSERT_TRUE(waitView(
      "flaky", [](const CheckView& v) { return v.lastOk; }, 4s));
  EXPECT_FALSE(view("flaky").circuitOpen);
  stopEngine();

  std::vector<FailureRow> rows = failures("flaky");
  ASSERT_GE(rows.size(), kPattern);
  std::string pattern;
  int probed = 0;
  int skipped = 0;
  for (const FailureRow& r : rows) {
    bool open = r.reason.rfind("circuit open", 0) == 0;
    pattern += open ? 's' : 'P';
    (open ? skipped : probed)++;
    if (!open) {
      EXPECT_EQ(r.reason, "unexpected status 500");
    }
  }
  EXPECT_EQ(pattern.substr(0, kPattern), "PPPPPsPsssP") << pattern;
  // After the 7th probe the next one is due 8 slots on: at most 7 skips follow it.
  EXPECT_LE(pattern.size() - kPattern, 7u) << pattern;
  EXPECT_EQ(rows[5].reason,
            "circuit open after 5 consecutive failures (last: unexpected status 500); probing "
            "again in 1 run(s)");
  EXPECT_EQ(rows[7].reason,
            "circuit open after 7 consecutive failures (last: unexpected status 500); probing "
            "again in 3 run(s)");
  // Every skipped slot is still a down sample, so uptime counts it; the good runs close the
  // circuit, so each slot after the first good one is probed.
  std::vector<Sample> runs = up("flaky");
  auto good = static_cast<int>(
      std::count_if(runs.begin(), runs.end(), [](const Sample& s) { return s.v == 1; }));
  EXPECT_GE(good, 1);
  ASSERT_EQ(runs.size(), rows.size() + static_cast<std::size_t>(good));
  EXPECT_EQ(runs.back().v, 1.0);
  // Skipped runs connected to nothing: the target saw the probes only.
  EXPECT_EQ(target.requests.load(), probed + good);
  EngineStats stats = engine_->stats();
  EXPECT_EQ(stats.probesSkippedByBreaker, static_cast<std::uint64_t>(skipped));
  EXPECT_EQ(stats.probesFailed, static_cast<std::uint64_t>(probed));
  EXPECT_EQ(stats.probesOk, static_cast<std::uint64_t>(good));
}

TEST_F(EngineTest, CircuitBreakerGapStopsGrowingAtEvery32ndSlotSlow) {
  Target target;
  target.status = 500;
  start({httpCheck("dead", target.url(), 100ms)});
  // Probes at slots 0-4, then gaps of 1, 3, 7, 15, 31 and 31 skipped slots.
  const std::vector<int> gaps = {1, 3, 7, 15, 31, 31};
  std::size_t slots = 5;
  for (int g : gaps)
    slots += static_cast<std::size_t>(g) + 1;
  ASSERT_TRUE(waitFor([&] { return stores_.recorder().recorded() >= slots; }, 20s));
  stopEngine();

  std::vector<int> seen;
  int run = 0;
  std::vector<FailureRow> rows = failures("dead");
  for (std::size_t i = 5; i < rows.size(); ++i) {
    if (rows[i].reason.rfind("circuit open", 0) == 0) {
      ++run;
    } else {
      seen.push_back(run);
      run = 0;
    }
  }
  ASSERT_GE(seen.size(), gaps.size());
  seen.resize(gaps.size());
  EXPECT_EQ(seen, gaps);
  EXPECT_EQ(static_cast<std::uint64_t>(target.requests.load()),
            rows.size() - engine_->stats().probesSkippedByBreaker);
}

TEST_F(EngineTest, ConcurrencyCapOfOneStillRunsEveryCheck) {
  Target target;
  target.delayMs = 450;
  std::vector<CheckSpec> checks;
  for (const char* name : {"slow-a", "slow-b", "slow-c"})
    checks.push_back(httpCheck(name, target.url()));
  HealthEngine::Options options;
  options.maxConcurrency = 1;
  start(checks, options);

  // 3 checks of 450 ms a second: more work than one probe at a time can do, so runs queue.
  std::uint64_t maxWaiting = 0;
  ASSERT_TRUE(waitFor(
      [&] {
        maxWaiting = std::max(maxWaiting, engine_->stats().waiting);
        for (const CheckSpec& c : checks) {
          if (!view(c.name).lastRun) return false;
        }
        return engine_->stats().latenessCount >= 6;
      },
      10s));
  stopEngine();

  EXPECT_EQ(target.maxConcurrent.load(), 1);
  EXPECT_GE(maxWaiting, 1u);
  EngineStats stats = engine_->stats();
  for (const CheckSpec& c : checks)
    EXPECT_GE(up(c.name).size(), 1u) << c.name;
  // Waiting shows as lateness: some run started more than 100 ms after its slot.
  EXPECT_GE(stats.latenessCount, 6u);
  EXPECT_LT(stats.latenessBuckets[5], stats.latenessCount);  // le=0.1
  EXPECT_GT(stats.latenessSum, 0.1);
  EXPECT_EQ(stats.probesOk + stats.probesFailed, stats.latenessCount);
}

TEST_F(EngineTest, RedefiningKeepsStateAndOnlyAChangeMovesTheSchedule) {
  Target target;
  target.status = 500;
  CheckSpec check = httpCheck("steady", target.url());
  check.failureThreshold = 10;
  start({check});

  ASSERT_TRUE(waitView(
      "steady", [](const CheckView& v) { return v.consecutiveFailures >= 2; }, 4s));
  CheckView before = view("steady");
  ASSERT_TRUE(before.nextRun.has_value());

  // The same definition again (and another check beside it): nothing moves.
  engine_->setChecks({check, httpCheck("other", target.url())});
  CheckView same = view("steady");
  EXPECT_EQ(same.nextRun, before.nextRun);
  EXPECT_EQ(same.consecutiveFailures, before.consecutiveFailures);
  ASSERT_TRUE(waitView(
      "steady", [&](const CheckView& v) { return v.lastRun != before.lastRun; }, 3s));
  EXPECT_EQ(view("steady").lastRun, before.nextRun);
  EXPECT_EQ(view("steady").consecutiveFailures, before.consecutiveFailures + 1);

  // A changed one keeps its state and runs on its new schedule, 2 s apart.
  check.interval = 2s;
  int failuresBefore = view("steady").consecutiveFailures;
  engine_->setChecks({check});
  EXPECT_FALSE(engine_->check("other").has_value());
  CheckView changed = view("steady");
  EXPECT_EQ(changed.consecutiveFailures, failuresBefore);
  ASSERT_TRUE(changed.nextRun.has_value());
  EXPECT_LE(*changed.nextRun - systemClock().now(), 2s);
  ASSERT_TRUE(waitView(
      "steady", [&](const CheckView& v) { return v.consecutiveFailures >= failuresBefore + 2; },
      6s));
  stopEngine();
  std::vector<FailureRow> rows = failures("steady");
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[rows.size() - 1].at - rows[rows.size() - 2].at, 2s);
  EXPECT_EQ(toUnixMillis(rows.back().at) % 2000, toUnixMillis(*changed.nextRun) % 2000);
}

// With the checks shared between health processes, a slot whose check another process owns
// is neither probed nor recorded here, and the view says so.
TEST_F(EngineTest, SlotsOwnedByAnotherProcessAreNeitherProbedNorRecorded) {
  Target mine, theirs;
  HealthEngine::Options options;
  options.runsHere = [](std::string_view check) { return check == "mine"; };
  start({httpCheck("mine", mine.url()), httpCheck("theirs", theirs.url())}, options);
  ASSERT_TRUE(waitView(
      "mine", [](const CheckView& v) { return v.lastRun.has_value(); }, 3s));
  ASSERT_TRUE(waitFor([&] { return engine_->stats().slotsElsewhere > 0; }, 3s));
  stopEngine();
  EXPECT_GE(mine.requests.load(), 1);
  EXPECT_EQ(theirs.requests.load(), 0);
  EXPECT_TRUE(view("mine").runsHere);
  EXPECT_FALSE(view("theirs").runsHere);
  EXPECT_FALSE(view("theirs").lastRun.has_value());
  EXPECT_TRUE(up("theirs").empty());
  EXPECT_FALSE(up("mine").empty());
}

// A check gained from another process goes on from the state that process left (its last
// transition, HealthEngine::continueStatuses): no "unknown -> up" at each takeover, a down
// check is down from its first run here, and coming back up takes the usual runs.
TEST_F(EngineTest, AGainedCheckGoesOnFromItsPreviousOwnersState) {
  Target good, bad;
  bad.status = 500;
  std::atomic<bool> gained{false};
  HealthEngine::Options options;
  options.runsHere = [&](std::string_view) { return gained.load(); };
  start({httpCheck("was-up", good.url()), httpCheck("was-down", bad.url())}, options);
  ASSERT_TRUE(waitFor([&] { return engine_->stats().slotsElsewhere >= 2; }, 3s));

  engine_->continueStatuses({{"was-up", CheckStatus::kUp}, {"was-down", CheckStatus::kDown}});
  gained = true;
  ASSERT_TRUE(waitView(
      "was-down", [](const CheckView& v) { return v.lastRun.has_value(); }, 3s));
  EXPECT_EQ(view("was-down").status, CheckStatus::kDown);
  // The threshold's failures, then one here.
  EXPECT_EQ(view("was-down").consecutiveFailures, view("was-down").spec->failureThreshold + 1);
  // A check defined after its gain (a start gains before it defines) goes on too.
  engine_->continueStatuses({{"defined-later", CheckStatus::kDown}});
  engine_->setChecks(std::vector<CheckSpec>{httpCheck("was-up", good.url()),
                                            httpCheck("was-down", bad.url()),
                                            httpCheck("defined-later", good.url(), 10s)});
  EXPECT_EQ(view("defined-later").status, CheckStatus::kDown);
  ASSERT_TRUE(waitView(
      "was-up", [](const CheckView& v) { return v.lastRun.has_value(); }, 3s));
  EXPECT_EQ(view("was-up").status, CheckStatus::kUp);
  stopEngine();
  EXPECT_TRUE(transitions("was-up").empty());
  EXPECT_TRUE(transitions("was-down").empty());
}

TEST_F(EngineTest, PausedChecksRecordNothing) {
  Target target;
  CheckSpec http = httpCheck("paused-http", target.url());
  http.paused = true;
  CheckSpec beat = heartbeatCheck("paused-beat", 1s, 200ms);
  beat.paused = true;
  start({http, beat});

  std::this_thread::sleep_for(2500ms);
  EXPECT_TRUE(engine_->heartbeat("paused-beat").ok());
  EXPECT_EQ(target.requests.load(), 0);
  EXPECT_EQ(stores_.recorder().recorded(), 0u);
  EXPECT_FALSE(view("paused-http").lastRun.has_value());
  EXPECT_FALSE(view("paused-beat").lastRun.has_value());
  EXPECT_EQ(view("paused-beat").status, CheckStatus::kUnknown);

  // Unpaused, it runs.
  http.paused = false;
  engine_->setChecks({http, beat});
  ASSERT_TRUE(waitView(
      "paused-http", [](const CheckView& v) { return v.lastRun.has_value(); }, 2s));
  EXPECT_GE(target.requests.load(), 1);
  stopEngine();
  EXPECT_TRUE(up("paused-beat").empty());
  EXPECT_FALSE(up("paused-http").empty());
}

TEST_F(EngineTest, HeartbeatGoesDownWithoutBeatsAndUpOnABeat) {
  start({heartbeatCheck("cron", 1s, 300ms), httpCheck("web", "http://127.0.0.1:9/")});
  auto started = std::chrono::steady_clock::now();

  ASSERT_TRUE(waitView(
      "cron", [](const CheckView& v) { return v.status == CheckStatus::kDown; }, 3s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1250ms);
  EXPECT_EQ(view("cron").lastError, "no heartbeat received (expected every 1s, grace 300ms)");

  ASSERT_TRUE(engine_->heartbeat("cron").ok());
  EXPECT_EQ(view("cron").status, CheckStatus::kUp);
  ASSERT_TRUE(view("cron").lastBeat.has_value());
  WallTime firstBeat = *view("cron").lastBeat;

  // Beats within the interval keep it up: no missed deadline in between.
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(500ms);
    ASSERT_TRUE(engine_->heartbeat("cron").ok());
  }
  EXPECT_EQ(view("cron").status, CheckStatus::kUp);
  EXPECT_EQ(view("cron").consecutiveSuccesses, 5);
  WallTime lastBeat = *view("cron").lastBeat;
  EXPECT_GT(lastBeat, firstBeat);

  // Silence again: down 1.3 s after the last beat, naming it.
  auto silentFrom = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitView(
      "cron", [](const CheckView& v) { return v.status == CheckStatus::kDown; }, 3s));
  EXPECT_GE(std::chrono::steady_clock::now() - silentFrom, 1200ms);
  EXPECT_EQ(view("cron").lastError,
            fmt::format("no heartbeat since {:%Y-%m-%dT%H:%M:%SZ} (expected every 1s, grace 300ms)",
                        fmt::gmtime(std::chrono::system_clock::to_time_t(lastBeat))));

  EXPECT_EQ(engine_->heartbeat("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(engine_->heartbeat("web").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(engine_->stats().heartbeats, 5u);
  stopEngine();

  std::vector<TransitionRow> rows = transitions("cron");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].to, CheckStatus::kDown);
  EXPECT_EQ(rows[1].to, CheckStatus::kUp);
  EXPECT_EQ(rows[2].to, CheckStatus::kDown);
  std::vector<Sample> runs = up("cron");
  ASSERT_GE(runs.size(), 7u);
  EXPECT_EQ(std::count_if(runs.begin(), runs.end(), [](const Sample& s) { return s.v == 1; }), 5);
}

// With several health processes, a beat is written for the others before it is taken (a
// failed write refuses it), recorded only by the check's owner, and a beat another process
// took is recorded here only when it is fresh; an old one only moves the deadline.
TEST_F(EngineTest, HeartbeatsAreSharedBetweenHealthProcesses) {
  std::vector<std::string> shared;
  std::atomic<bool> storeDown{false};
  HealthEngine::Options options;
  options.runsHere = [](std::string_view check) { return check != "theirs"; };
  options.shareBeat = [&](const std::string& check, WallTime) -> Status {
    if (storeDown) return makeError(ErrorCode::kUnavailable, "store down");
    shared.push_back(check);
    return okStatus();
  };
  options.sharedBeatDelay = 500ms;
  start({heartbeatCheck("mine", 1s, 300ms), heartbeatCheck("theirs", 1s, 300ms),
         heartbeatCheck("late", 10s, 0ms)},
        options);

  ASSERT_TRUE(engine_->heartbeat("theirs").ok());
  EXPECT_TRUE(view("theirs").lastBeat.has_value());
  EXPECT_EQ(view("theirs").status, CheckStatus::kUnknown);  // its owner records it
  EXPECT_EQ(engine_->heartbeat("nope").error().code, ErrorCode::kNotFound);
  storeDown = true;
  EXPECT_EQ(engine_->heartbeat("mine").error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(view("mine").lastBeat.has_value());
  storeDown = false;
  EXPECT_EQ(shared, std::vector<std::string>{"theirs"});

  // Another process took a beat of a check that runs here: recorded once, however often read.
  WallTime beat = systemClock().now();
  auto beatSeen = std::chrono::steady_clock::now();
  ASSERT_TRUE(engine_->beatElsewhere("mine", beat).ok());
  ASSERT_TRUE(engine_->beatElsewhere("mine", beat).ok());
  EXPECT_EQ(view("mine").status, CheckStatus::kUp);
  EXPECT_EQ(view("mine").consecutiveSuccesses, 1);
  // Its deadline waits for beats still on their way from the others: 1 s + 300 ms + 500 ms.
  ASSERT_TRUE(waitView(
      "mine", [](const CheckView& v) { return v.status == CheckStatus::kDown; }, 4s));
  EXPECT_GE(std::chrono::steady_clock::now() - beatSeen, 1700ms);

  // A beat from long ago (read at start) is not a result now, but names the deadline it missed.
  WallTime old = systemClock().now() - 30s;
  ASSERT_TRUE(engine_->beatElsewhere("late", old).ok());
  ASSERT_TRUE(waitView(
      "late", [](const CheckView& v) { return v.status == CheckStatus::kDown; }, 2s));
  EXPECT_EQ(view("late").lastError,
            fmt::format("no heartbeat since {:%Y-%m-%dT%H:%M:%SZ} (expected every 10s, grace 0s)",
                        fmt::gmtime(std::chrono::system_clock::to_time_t(old))));
  EXPECT_EQ(engine_->stats().heartbeats, 1u);
  stopEngine();
  EXPECT_TRUE(up("theirs").empty());
  std::vector<Sample> mine = up("mine");
  EXPECT_EQ(std::count_if(mine.begin(), mine.end(), [](const Sample& s) { return s.v == 1; }), 1);
  std::vector<Sample> late = up("late");
  EXPECT_EQ(std::count_if(late.begin(), late.end(), [](const Sample& s) { return s.v == 1; }), 0);
}

TEST_F(EngineTest, ResultsInAMaintenanceWindowAreMarked) {
  Target good;
  Target bad;
  bad.status = 500;
  MaintenanceWindow window;
  window.name = "deploy";
  window.start = systemClock().now() - 1h;
  window.end = systemClock().now() + 1h;
  window.checks = {"maint"};
  auto calendar = std::make_shared<const MaintenanceCalendar>(std::vector{window});
  WallTime from = systemClock().now();

  start({httpCheck("maint", bad.url()), httpCheck("normal", good.url())}, {}, calendar);
  ASSERT_TRUE(waitFor([&] { return stores_.recorder().recorded() >= 4; }, 4s));
  EXPECT_TRUE(view("maint").inMaintenance);
  EXPECT_FALSE(view("normal").inMaintenance);
  EXPECT_TRUE(
      engine_->inMaintenance("maint", view("maint").spec->identity(), window.end.value() - 1s));
  EXPECT_FALSE(engine_->inMaintenance("maint", view("maint").spec->identity(), *window.end));
  stopEngine();

  auto maint = stores_.series({eq("__name__", "pharos_check_up"), eq("check", "maint")});
  ASSERT_EQ(maint.size(), 1u);
  EXPECT_EQ(maint[0].labels.get("maintenance"), "true");
  auto normal = stores_.series({eq("__name__", "pharos_check_up"), eq("check", "normal")});
  ASSERT_EQ(normal.size(), 1u);
  EXPECT_EQ(normal[0].labels.get("maintenance"), "");
  EXPECT_TRUE(stores_.series({eq("check", "maint"), eq("maintenance", "")}).empty());

  for (const FailureRow& r : failures("maint"))
    EXPECT_TRUE(r.maintenance);
  ASSERT_EQ(transitions("maint").size(), 1u);
  EXPECT_TRUE(transitions("maint")[0].maintenance);
  std::vector<std::string> events = stores_.stateEvents();
  ASSERT_EQ(events.size(), 2u);  // maint: unknown -> down; normal: unknown -> up
  for (const std::string& text : events) {
    nlohmann::json event = nlohmann::json::parse(text);
    EXPECT_EQ(event["maintenance"], event["check"] == "maint") << text;
  }

  // Uptime leaves the maintenance runs out of the ratio.
  auto uptime = uptimeByCheck(stores_.metrics(), {}, from, systemClock().now() + 1s);
  ASSERT_TRUE(uptime.ok()) << uptime.error().toString();
  EXPECT_EQ(uptime->at("maint").runs, 0u);
  EXPECT_EQ(uptime->at("maint").maintenanceRuns, maint[0].samples.size());
  EXPECT_EQ(uptime->at("normal").runs, normal[0].samples.size());
  EXPECT_EQ(uptime->at("normal").ratio(), 1.0);
}

}  // namespace
}  // namespace pharos::health
