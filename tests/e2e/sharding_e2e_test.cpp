// Two `pharos serve --modules health` processes on one PostgreSQL share 1,000 checks (issue
// 11): together they run every check, no check runs in both, and when one is killed with -9
// the other takes its share within one interval plus the member lease (ttl, the renewal that
// notices, and the takeover delay). Each check probes its own path of a counting HTTP server
// here, and both processes place a check's runs on the same slots (an offset derived from its
// name), so a check run twice shows as two requests for its path milliseconds apart.
#if defined(PHAROS_HAVE_POSTGRES)

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fakes/http_client.h"
#include "fakes/postgres_server.h"
#include "fakes/temp_dir.h"
#include "net/http_server.h"
#include "pharos_server.h"

namespace pharos::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kChecks = 1000;
constexpr int kIntervalMs = 2'000;
// Membership's defaults: ttl 10 s and renewal every 2 s. A member left alone starts what it
// gains at once; with others live, it would wait 3 s more (the takeover delay).
constexpr int kLeaseMs = 10'000 + 2'000;

// Answers 200 on /c/{name} and keeps when each name was asked for.
class CountingTarget {
 public:
  CountingTarget() {
    auto router = std::make_shared<net::Router>();
    router->add("GET", "/c/{name}", [this](net::HttpRequest& r) {
      std::lock_guard lock(mutex_);
      hits_[std::string(r.pathParam("name"))].push_back(Clock::now());
      return net::HttpResponse::json(200, "{}");
    });
    net::ServerOptions o;
    o.port = 0;
    o.threads = 4;
    auto started = net::HttpServer::start(o, router);
    if (started.ok()) server_ = std::move(started).value();
  }
  ~CountingTarget() {
    if (server_) server_->stop(Millis(1'000));
  }
  uint16_t port() const { return server_ ? server_->port() : 0; }
  std::map<std::string, std::vector<Clock::time_point>> hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
  }

 private:
  net::HttpServerPtr server_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Clock::time_point>> hits_;
};

class ShardingE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(postgres_.ok());
    ASSERT_NE(target_.port(), 0);
    pgUrl_ = postgres_.createDatabase();
    std::ofstream out(config_);
    out << "env: dev\nstore:\n  backend: postgres\n  url: ${PHAROS_TEST_PG}\n"
           "health:\n  checks:\n";
    for (int i = 0; i < kChecks; ++i) {
      out << "    - {name: c" << i << ", type: http, url: 'http://127.0.0.1:" << target_.port()
          << "/c/c" << i << "', interval: " << kIntervalMs << "ms, timeout: 1s}\n";
    }
  }

  std::unique_ptr<Server> start(const std::string& name, const std::string& modules = "health",
                                const std::string& config = "", std::vector<std::string> env = {}) {
    env.push_back("PHAROS_TEST_PG=" + pgUrl_);
    env.push_back(std::string("PHAROS_MASTER_KEY=") + kSharedMasterKey);
    auto server = std::make_unique<Server>(
        dir_.file(name),
        std::vector<std::string>{"--config", config.empty() ? config_ : config, "--modules",
                                 modules},
        std::move(env));
    EXPECT_NE(server->port(), 0) << server->process().output();
    return server;
  }

  // One number from the test's database (libpq, as the fixture's server is reached).
  long long count(const std::string& sql) {
    PGconn* conn = PQconnectdb(pgUrl_.c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    long long n = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
      n = std::atoll(PQgetvalue(r, 0, 0));
    else
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
    PQclear(r);
    PQfinish(conn);
    return n;
  }

  static json shard(Server& s) {
    s.process().running();  // keeps its log pipe drained
    auto r = httpGet(s.port(), "/readyz");
    if (!r || r->status != 200) return json();
    return json::parse(r->body).value("health_shard", json());
  }

  // Waits until the live members' shares add up to every check, none pending.
  bool settled(std::vector<Server*> servers, seconds timeout, size_t checks = kChecks) {
    auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
      size_t owned = 0;
      bool ok = true;
      for (Server* s : servers) {
        json v = shard(*s);
        if (!v.is_object() || v["members"].size() != servers.size() || v["pending"] != 0) {
          ok = false;
          break;
        }
        owned += v["owned"].get<size_t>();
      }
      if (ok && owned == checks) return true;
      std::this_thread::sleep_for(milliseconds(200));
    }
    return false;
  }

  PostgresServer postgres_;
  CountingTarget target_;
  TempDir dir_;
  std::string config_ = dir_.file("pharos.yaml");
  std::string pgUrl_;
};

TEST_F(ShardingE2eTest, SlowTwoHealthProcessesShareAThousandChecksAndOneTakesOverFromTheOther) {
  auto a = start("data-a");
  auto b = start("data-b");
  ASSERT_NE(a->port(), 0);
  ASSERT_NE(b->port(), 0);
  ASSERT_TRUE(settled({a.get(), b.get()}, seconds(30)));
  json va = shard(*a), vb = shard(*b);
  std::printf("shares: a %d, b %d of %d checks\n", va["owned"].get<int>(), vb["owned"].get<int>(),
              kChecks);
  EXPECT_GT(va["owned"].get<int>(), kChecks / 4);
  EXPECT_GT(vb["owned"].get<int>(), kChecks / 4);

  // Both running: every check runs, each once per interval.
  auto sharedFrom = Clock::now();
  std::this_thread::sleep_for(milliseconds(4 * kIntervalMs + 500));
  a->process().running();
  b->process().running();

  // A dies without leaving; B alone must pick up A's checks.
  auto killedAt = Clock::now();
  auto killedAtMs =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  ASSERT_EQ(a->process().signalAndWait(SIGKILL, seconds(5)), 128 + SIGKILL);
  auto until = killedAt + milliseconds(kIntervalMs + kLeaseMs + 3'000);
  while (Clock::now() < until) {
    b->process().running();
    std::this_thread::sleep_for(milliseconds(200));
  }
  ASSERT_TRUE(settled({b.get()}, seconds(5)));
  auto end = Clock::now();

  auto hits = target_.hits();
  int runBoth = 0, missed = 0, late = 0;
  long worstGapMs = 0;
  for (int i = 0; i < kChecks; ++i) {
    std::string name = "c" + std::to_string(i);
    auto& at = hits[name];
    std::sort(at.begin(), at.end());
    // Never two runs of one check closer than half an interval: no slot ran in both.
    for (size_t k = 1; k < at.size(); ++k) {
      if (at[k] - at[k - 1] < milliseconds(kIntervalMs / 2)) ++runBoth;
    }
    // While both ran: every check ran (about 4 times).
    auto inShared = std::count_if(at.begin(), at.end(),
                                  [&](auto t) { return t >= sharedFrom && t < killedAt; });
    if (inShared < 3) ++missed;
    // After the kill: the longest silence of each check, and it ran again at the end.
    Clock::time_point last = killedAt;
    long gap = 0;
    for (auto t : at) {
      if (t < killedAt) {
        last = std::max(last, t);
        continue;
      }
      gap = std::max<long>(gap, std::chrono::duration_cast<milliseconds>(t - last).count());
      last = t;
    }
    gap = std::max<long>(gap, std::chrono::duration_cast<milliseconds>(end - last).count());
    worstGapMs = std::max(worstGapMs, gap);
    // A second of slack for a loaded test machine, where a renewal may run late.
    if (gap > kIntervalMs + kLeaseMs + 1'000) ++late;
  }
  std::printf("after kill -9: the longest a check went unprobed was %ld ms (bound %d ms)\n",
              worstGapMs, kIntervalMs + kLeaseMs);
  EXPECT_EQ(runBoth, 0) << "checks with two runs in one slot";
  EXPECT_EQ(missed, 0) << "checks that ran nowhere while both processes ran";
  EXPECT_EQ(late, 0) << "checks not taken over within one interval plus the lease";

  // B went on from the state A's checks were in (up): no transition from "unknown" since the
  // kill. (Results reach the store within a flush interval. Before it, a first run of a check
  // nobody had run yet is one, as it is on a single process.)
  std::this_thread::sleep_for(milliseconds(1'500));
  b->process().running();
  EXPECT_EQ(count("SELECT count(*) FROM health_transitions WHERE from_status = 'unknown' AND "
                  "at_ms >= " +
                  std::to_string(killedAtMs)),
            0);
}

// Heartbeat checks with two `api,health` processes: a beat may reach either (a proxy picks),
// only a check's owner judges it, and beats travel between them through the store. Beats sent
// to B alone keep A's checks up too; with B killed, A takes B's checks over and beats sent to
// A keep them up (no missed deadline is invented around the takeover); with no more beats,
// every check goes down.
TEST_F(ShardingE2eTest, SlowHeartbeatsTakenByEitherProcessReachTheCheckOwner) {
  constexpr int kBeatChecks = 16;
  std::string config = dir_.file("beats.yaml");
  std::vector<std::string> env;
  {
    std::ofstream out(config);
    out << "env: dev\nstore:\n  backend: postgres\n  url: ${PHAROS_TEST_PG}\n"
           "health:\n  checks:\n";
    for (int i = 0; i < kBeatChecks; ++i) {
      out << "    - {name: job" << i << ", type: heartbeat, interval: 2s, grace: 1s, token: "
          << "'${E2E_BEAT_" << i << "}', failure_threshold: 1, success_threshold: 1}\n";
      env.push_back("E2E_BEAT_" + std::to_string(i) + "=e2e-beat-token-" + std::to_string(i) +
                    "-4f1c9a7e");
    }
  }
  auto a = start("beats-a", "api,health", config, env);
  auto b = start("beats-b", "api,health", config, env);
  ASSERT_NE(a->port(), 0);
  ASSERT_NE(b->port(), 0);
  std::string auth = a->authHeader();  // the keys are in the shared store
  ASSERT_FALSE(a->adminKey().empty()) << a->process().output();
  ASSERT_TRUE(settled({a.get(), b.get()}, seconds(30), kBeatChecks));
  ASSERT_GT(shard(*a)["owned"].get<int>(), 0);  // A has checks whose beats reach it from B

  int refused = 0;
  auto beatFor = [&](std::vector<Server*> to, milliseconds during) {
    auto until = Clock::now() + during;
    for (size_t round = 0; Clock::now() < until; ++round) {
      for (int i = 0; i < kBeatChecks; ++i) {
        Server& s = *to[(round + static_cast<size_t>(i)) % to.size()];
        s.process().running();
        auto r = httpPost(s.port(),
                          "/api/v1/heartbeats/e2e-beat-token-" + std::to_string(i) + "-4f1c9a7e",
                          "", auth);
        if (!r || r->status != 200) ++refused;
      }
      std::this_thread::sleep_for(milliseconds(500));
    }
  };
  // Failed runs from a second after the first beats: deadlines set at start (interval + grace
  // after it) pass while the processes settle, and are rightly missed.
  beatFor({a.get(), b.get()}, milliseconds(1'000));
  std::string from = std::to_string(
      std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() +
      1);
  auto failedRuns = [&](Server& s) {
    json failed = json::array();
    for (int i = 0; i < kBeatChecks; ++i) {
      auto r = httpGet(s.port(),
                       "/api/v1/checks/job" + std::to_string(i) + "/results?ok=false&from=" + from,
                       auth);
      if (!r || r->status != 200) return json(r ? r->body : "no answer");
      json body = json::parse(r->body);
      for (json& run : body["results"])
        failed.push_back(json{{"check", i}, {"run", std::move(run)}});
    }
    return failed;
  };

  beatFor({b.get()}, milliseconds(8'000));
  EXPECT_EQ(refused, 0);
  // Each process shows the runs it recorded (its own metrics): together, every owner's.
  EXPECT_EQ(failedRuns(*a).dump(), "[]") << "A missed the beats B took";
  EXPECT_EQ(failedRuns(*b).dump(), "[]");

  ASSERT_EQ(b->process().signalAndWait(SIGKILL, seconds(5)), 128 + SIGKILL);
  beatFor({a.get()}, milliseconds(kLeaseMs + 5'000));
  ASSERT_TRUE(settled({a.get()}, seconds(5), kBeatChecks));
  EXPECT_EQ(refused, 0);
  EXPECT_EQ(failedRuns(*a).dump(), "[]") << "missed deadlines around the takeover";

  // No more beats: the survivor, owning every check now, calls each one down.
  auto down = [&] {
    auto r = httpGet(a->port(), "/api/v1/checks", auth);
    if (!r || r->status != 200) return 0;
    int n = 0;
    json body = json::parse(r->body);
    for (const json& c : body["checks"])
      n += c["state"]["status"] == "down" ? 1 : 0;
    return n;
  };
  auto until = Clock::now() + seconds(15);
  while (down() < kBeatChecks && Clock::now() < until) {
    a->process().running();
    std::this_thread::sleep_for(milliseconds(250));
  }
  EXPECT_EQ(down(), kBeatChecks) << httpGet(a->port(), "/api/v1/checks", auth)->body;
}

// A module that runs once (here alerting) is refused in a second process while the first one
// holds it, with the fix in the message.
TEST_F(ShardingE2eTest, ASecondProcessCannotAlsoRunAlerting) {
  auto first = std::make_unique<Server>(
      dir_.file("data-a"), std::vector<std::string>{"--config", config_, "--modules", "alerting"},
      std::vector<std::string>{"PHAROS_TEST_PG=" + pgUrl_,
                               std::string("PHAROS_MASTER_KEY=") + kSharedMasterKey});
  ASSERT_NE(first->port(), 0) << first->process().output();
  auto ready = httpGet(first->port(), "/readyz");
  ASSERT_TRUE(ready);
  json body = json::parse(ready->body);
  EXPECT_EQ(body["modules"], json({"alerting"}));
  EXPECT_TRUE(body["leases"].contains("module.alerting")) << ready->body;
  // SIGHUP reloads alerting (and the maintenance windows its SLOs read) without the checks.
  ASSERT_EQ(::kill(first->process().pid(), SIGHUP), 0);
  EXPECT_TRUE(first->process().waitForOutput("config reloaded", seconds(10)))
      << first->process().output();

  Process second(
      {PHAROS_BINARY, "serve", "--data", dir_.file("data-b"), "--listen", "127.0.0.1:0", "--syslog",
       "127.0.0.1:0", "--config", config_, "--modules", "alerting,api"},
      {"PHAROS_TEST_PG=" + pgUrl_, std::string("PHAROS_MASTER_KEY=") + kSharedMasterKey});
  EXPECT_EQ(second.wait(seconds(20)), 1);
  EXPECT_NE(second.output().find("alerting runs in one process only"), std::string::npos)
      << second.output();
}

}  // namespace
}  // namespace pharos::testing

#endif
