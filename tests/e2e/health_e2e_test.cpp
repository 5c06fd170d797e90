// The health monitor through the real binary, with authentication on, probing a real nginx on
// loopback: checks from the config file and from the API, their history and metrics,
// heartbeats, reloads, reports, maintenance, badges, and `pharos config check`.
#include <signal.h>
#include <strings.h>
#include <time.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "nginx_server.h"
#include "pharos_server.h"

namespace pharos::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// What nginx serves: a JSON health document, and plain text everywhere else.
constexpr const char* kNginxLocations = R"(    location = /health {
      default_type application/json;
      return 200 '{"status":"ok","db":{"up":true}}';
    }
    location / { return 200 "ok\n"; })";

constexpr const char* kHeartbeatToken = "e2e-heartbeat-9f3a7c21d0b4";

// `text` with every "@NAME@" replaced by its value.
std::string substitute(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    std::string key = "@" + name + "@";
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at))
      text.replace(at, key.size(), value);
  }
  return text;
}

// Now plus `offset`, as RFC 3339 in UTC.
std::string utcTime(seconds offset) {
  time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
  tm parts{};
  gmtime_r(&t, &parts);
  char text[32];
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

// The 1-based line and column of the first `needle` in `text` (which must hold it).
std::pair<int, int> lineAndColumn(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  size_t lineStart = text.rfind('\n', at);
  lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
  int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
  return {line, static_cast<int>(at - lineStart) + 1};
}

json jsonOf(const std::optional<Response>& r) {
  if (!r) return nullptr;
  return json::parse(r->body, nullptr, false);
}

std::set<std::string> fieldsOf(const json& error) {
  std::set<std::string> out;
  for (const json& f : error["error"]["fields"])
    out.insert(f["field"].get<std::string>());
  return out;
}

// How many times a header is in a response (a second, different Content-Type is a bug).
int headerCount(const Response& r, const std::string& name) {
  return static_cast<int>(std::count_if(r.headers.begin(), r.headers.end(), [&](const auto& h) {
    return strcasecmp(h.first.c_str(), name.c_str()) == 0;
  }));
}

class HealthE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nginx_ = std::make_unique<Nginx>(dir_.path().string(), kNginxLocations);
    // Debian's nginx-light is part of the test environment: without it this must fail.
    ASSERT_NE(nginx_->port(), 0) << Nginx::kBinary << " did not start: " << nginx_->output();
    values_ = {{"PORT", std::to_string(nginx_->port())},
               {"CLOSED", std::to_string(freeLoopbackPort())}};
  }

  // Writes the config file: `health` is its health section, with @PORT@ (nginx) and
  // @CLOSED@ (a port nothing listens on) filled in. With the shared backends in it, so a
  // reload of the file in the shared run reads them too.
  void writeConfig(const std::string& health) {
    std::ofstream(config_) << withSharedBackends("env: dev\nlog:\n  level: info\n" +
                                                 substitute(health, values_));
  }

  // Starts pharos on the data directory (again, after a first start) with the config file.
  void start() {
    server_ = std::make_unique<Server>(
        dir_.file("data"), std::vector<std::string>{"--config", config_},
        std::vector<std::string>{std::string("E2E_HEARTBEAT_TOKEN=") + kHeartbeatToken});
    ASSERT_NE(server_->port(), 0) << server_->process().output();
    if (!server_->adminKey().empty()) adminKey_ = server_->adminKey();
    ASSERT_FALSE(adminKey_.empty()) << server_->process().output();
  }

  std::string admin() const { return bearer(adminKey_); }
  static std::string bearer(const std::string& key) {
    return "Authorization: Bearer " + key + "\r\n";
  }
  uint16_t port() const { return server_->port(); }

  std::optional<Response> get(const std::string& path) {
    server_->process().running();  // keeps its log pipe drained
    return httpGet(port(), path, admin());
  }
  json getJson(const std::string& path) {
    auto r = get(path);
    EXPECT_TRUE(r && r->status == 200) << path << ": " << (r ? r->body : "no answer");
    return jsonOf(r);
  }

  // A new key with `role`, made with the admin key: its Authorization header.
  std::string keyWithRole(const std::string& role) {
    auto r = httpPost(port(), "/api/v1/keys", json{{"name", role + "-e2e"}, {"role", role}}.dump(),
                      admin());
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    return bearer(jsonOf(r)["token"].get<std::string>());
  }

  // Every check GET /api/v1/checks lists, by name.
  std::map<std::string, json> checks() {
    std::map<std::string, json> out;
    json list = getJson("/api/v1/checks");
    for (const json& c : list["checks"])
      out[c["name"].get<std::string>()] = c;
    return out;
  }
  std::set<std::string> checkNames() {
    std::set<std::string> out;
    for (const auto& [name, c] : checks())
      out.insert(name);
    return out;
  }
  // The check's state ("up", "down", "unknown"), or "" when there is no such check.
  std::string status(const std::string& check) {
    auto r = get("/api/v1/checks/" + check);
    if (!r || r->status != 200) return "";
    return jsonOf(r)["state"]["status"].get<std::string>();
  }
  json results(const std::string& check, const std::string& query = "") {
    return getJson("/api/v1/checks/" + check + "/results" + query)["results"];
  }

  // Polls `done` until it holds or `timeout` passes; whether it held.
  template <typename F>
  bool eventually(F&& done, milliseconds timeout = seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(200));
    }
    return true;
  }
  bool becomes(const std::string& check, const std::string& want,
               milliseconds timeout = seconds(10)) {
    return eventually([&] { return status(check) == want; }, timeout);
  }

  TempDir dir_;
  std::string config_ = dir_.file("pharos.yaml");
  std::map<std::string, std::string> values_;
  std::unique_ptr<Nginx> nginx_;
  std::unique_ptr<Server> server_;
  std::string adminKey_;
};

// An http check with conditions on the status and on JSON body fields, one whose body
// condition fails, a tcp check, a check of a closed port and a heartbeat with its token from
// the environment.
constexpr const char* kConfigChecks = R"(health:
  checks:
    - name: web
      type: http
      url: http://127.0.0.1:@PORT@/health
      interval: 1s
      conditions:
        - "[STATUS] == 200"
        - "[BODY].status == ok && [BODY].db.up == true"
      labels: {team: web}
      failure_threshold: 1
      success_threshold: 1
    - name: wrong-body
      type: http
      url: http://127.0.0.1:@PORT@/health
      interval: 1s
      conditions: ["[BODY].db.up == false"]
      failure_threshold: 1
    - name: web-port
      type: tcp
      host: 127.0.0.1
      port: @PORT@
      interval: 1s
      conditions: ["[CONNECTED] == true"]
      labels: {team: web}
    - name: closed
      type: http
      url: http://127.0.0.1:@CLOSED@/
      interval: 1s
      failure_threshold: 1
      labels: {team: db}
    - name: nightly
      type: heartbeat
      interval: 1s
      grace: 200ms
      token: ${E2E_HEARTBEAT_TOKEN}
      failure_threshold: 1
)";

TEST_F(HealthE2eTest, ConfigChecksRunAndTheirHistoryIsQueryable) {
  writeConfig(kConfigChecks);
  ASSERT_NO_FATAL_FAILURE(start());

  std::map<std::string, std::string> want{{"web", "up"},
                                          {"wrong-body", "down"},
                                          {"web-port", "up"},
                                          {"closed", "down"},
                                          {"nightly", "down"}};
  std::map<std::string, json> all;
  ASSERT_TRUE(eventually([&] {
    all = checks();
    for (const auto& [name, state] : want) {
      if (!all.count(name) || all[name]["state"]["status"] != state) return false;
    }
    return all.size() == want.size();
  })) << json(all).dump();
  for (const auto& [name, c] : all)
    EXPECT_EQ(c["owner"], "config") << name;
  EXPECT_EQ(all["web"]["labels"]["team"], "web");
  EXPECT_EQ(all["web"]["state"]["last_error"], "");
  EXPECT_FALSE(all["closed"]["state"]["last_error"].get<std::string>().empty());
  // A failed condition says what it saw.
  EXPECT_NE(all["wrong-body"]["state"]["last_error"].get<std::string>().find(
                "[BODY].db.up (true) == false"),
            std::string::npos)
      << all["wrong-body"];
  EXPECT_NE(all["nightly"]["state"]["last_error"].get<std::string>().find("no heartbeat"),
            std::string::npos)
      << all["nightly"];
  EXPECT_EQ(all["nightly"].dump().find(kHeartbeatToken), std::string::npos);

  // Runs, newest first, a page at a time.
  ASSERT_TRUE(eventually([&] { return results("web").size() >= 4; })) << results("web");
  json first = getJson("/api/v1/checks/web/results?limit=2");
  ASSERT_EQ(first["results"].size(), 2u) << first;
  EXPECT_GT(first["results"][0]["at"], first["results"][1]["at"]);
  for (const json& run : first["results"]) {
    EXPECT_EQ(run["ok"], true) << run;
    EXPECT_EQ(run["status"], 200) << run;
    EXPECT_GT(run["latency_ms"].get<double>(), 0) << run;
  }
  ASSERT_TRUE(first["next_before"].is_string()) << first;
  EXPECT_EQ(first["next_before"], first["results"][1]["at"]);
  json second = getJson("/api/v1/checks/web/results?limit=2&before=" +
                        first["next_before"].get<std::string>());
  ASSERT_EQ(second["results"].size(), 2u) << second;
  json whole = results("web", "?limit=1000");
  // The second page is what follows the first in the whole list (runs may have been added
  // at its head meanwhile).
  size_t at = 0;
  while (at < whole.size() && whole[at]["at"] != first["results"][0]["at"])
    ++at;
  ASSERT_LT(at + 3, whole.size()) << whole;
  EXPECT_EQ(whole[at + 1], first["results"][1]);
  EXPECT_EQ(whole[at + 2], second["results"][0]);
  EXPECT_EQ(whole[at + 3], second["results"][1]);
  for (const json& run : results("closed")) {
    EXPECT_EQ(run["ok"], false) << run;
    EXPECT_FALSE(run["error"].get<std::string>().empty()) << run;
  }

  // The same runs as metrics, with the check's labels.
  json up = getJson("/api/v1/metrics/query?query=pharos_check_up{check=\"web\"}");
  ASSERT_EQ(up["data"]["result"].size(), 1u) << up;
  EXPECT_EQ(up["data"]["result"][0]["metric"]["team"], "web") << up;
  EXPECT_EQ(up["data"]["result"][0]["metric"]["type"], "http") << up;
  EXPECT_EQ(up["data"]["result"][0]["value"][1], "1") << up;
  json down = getJson("/api/v1/metrics/query?query=pharos_check_up{check=\"closed\"}");
  ASSERT_EQ(down["data"]["result"].size(), 1u) << down;
  EXPECT_EQ(down["data"]["result"][0]["value"][1], "0") << down;
  size_t runs = results("web", "?limit=1000").size();
  json counted =
      getJson("/api/v1/metrics/query?query=count_over_time(pharos_check_up{check=\"web\"}[1h])");
  ASSERT_EQ(counted["data"]["result"].size(), 1u) << counted;
  EXPECT_GE(std::stoul(counted["data"]["result"][0]["value"][1].get<std::string>()), runs)
      << counted;

  // nginx goes away: the http check turns down, and the change is recorded with its reason.
  nginx_->stop();
  ASSERT_TRUE(becomes("web", "down")) << checks()["web"];
  // Results reach the store in batches (health.flush_interval, 1 s by default).
  json transitions;
  EXPECT_TRUE(eventually([&] {
    transitions = getJson("/api/v1/checks/web/transitions")["transitions"];
    return transitions.size() >= 2;
  }));
  ASSERT_EQ(transitions.size(), 2u) << transitions;
  EXPECT_EQ(transitions[0]["from"], "up");
  EXPECT_EQ(transitions[0]["to"], "down");
  EXPECT_FALSE(transitions[0]["reason"].get<std::string>().empty()) << transitions;
  EXPECT_EQ(transitions[1]["from"], "unknown");
  EXPECT_EQ(transitions[1]["to"], "up");
  EXPECT_GT(transitions[0]["at"], transitions[1]["at"]);
  json closedTransitions = getJson("/api/v1/checks/closed/transitions")["transitions"];
  ASSERT_EQ(closedTransitions.size(), 1u) << closedTransitions;
  EXPECT_EQ(closedTransitions[0]["to"], "down");

  json uptime = getJson("/api/v1/checks/web/uptime?window=1h");
  int total = uptime["runs"];
  int failed = uptime["failed_runs"];
  EXPECT_GE(failed, 1) << uptime;
  EXPECT_GT(total, failed) << uptime;
  EXPECT_DOUBLE_EQ(uptime["uptime"].get<double>(), double(total - failed) / total) << uptime;
  json closedUptime = getJson("/api/v1/checks/closed/uptime?window=1h");
  EXPECT_EQ(closedUptime["uptime"], 0.0) << closedUptime;
  EXPECT_EQ(closedUptime["failed_runs"], closedUptime["runs"]) << closedUptime;
  EXPECT_EQ(server_->process().signalAndWait(SIGTERM, seconds(15)), 0);
}

constexpr const char* kOneConfigCheck = R"(health:
  checks:
    - name: from-file
      type: tcp
      host: 127.0.0.1
      port: @PORT@
      interval: 1s
)";

TEST_F(HealthE2eTest, ApiChecksAreValidatedOwnedAndSurviveARestart) {
  writeConfig(kOneConfigCheck);
  ASSERT_NO_FATAL_FAILURE(start());
  std::string url = "http://127.0.0.1:" + values_["PORT"];
  json check{{"name", "api-web"},
             {"type", "http"},
             {"url", url + "/"},
             {"interval", "1s"},
             {"conditions", {"[STATUS] == 200"}},
             {"labels", {{"team", "web"}}},
             {"failure_threshold", 1},
             {"success_threshold", 1}};

  auto created = httpPost(port(), "/api/v1/checks", check.dump(), admin());
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(created->header("Location"), "/api/v1/checks/api-web");
  EXPECT_EQ(jsonOf(created)["owner"], "api");
  EXPECT_EQ(httpPost(port(), "/api/v1/checks", check.dump(), admin())->status, 409);
  ASSERT_TRUE(becomes("api-web", "up"));
  json got = getJson("/api/v1/checks/api-web");
  EXPECT_EQ(got["url"], url + "/");
  EXPECT_EQ(got["labels"]["team"], "web");

  check["url"] = url + "/health";
  check["conditions"] = {"[STATUS] == 200", "[BODY].status == ok"};
  auto replaced = httpPut(port(), "/api/v1/checks/api-web", check.dump(), admin());
  ASSERT_TRUE(replaced);
  ASSERT_EQ(replaced->status, 200) << replaced->body;
  got = getJson("/api/v1/checks/api-web");
  EXPECT_EQ(got["url"], url + "/health");
  EXPECT_EQ(got["conditions"].size(), 2u) << got;

  // Every wrong field at once.
  json bad = check;
  bad["name"] = "bad";
  bad["colour"] = "red";
  bad["conditions"] = {"[STATUS] = 200"};
  bad["timeout"] = "5s";
  auto refused = httpPost(port(), "/api/v1/checks", bad.dump(), admin());
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(fieldsOf(jsonOf(refused)),
            (std::set<std::string>{"colour", "conditions[0]", "timeout"}))
      << refused->body;
  EXPECT_NE(refused->body.find("use == to compare"), std::string::npos) << refused->body;

  // The outbound policy, at create time, for an http and a tcp target.
  json metadata = check;
  metadata["name"] = "metadata";
  metadata["url"] = "http://169.254.169.254/latest/meta-data/";
  auto blocked = httpPost(port(), "/api/v1/checks", metadata.dump(), admin());
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->status, 400);
  EXPECT_NE(blocked->body.find("deny 169.254.0.0/16"), std::string::npos) << blocked->body;
  json metadataTcp{
      {"name", "metadata-tcp"}, {"type", "tcp"}, {"host", "169.254.169.254"}, {"port", 80}};
  blocked = httpPost(port(), "/api/v1/checks", metadataTcp.dump(), admin());
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->status, 400);
  EXPECT_NE(blocked->body.find("deny 169.254.0.0/16"), std::string::npos) << blocked->body;
  EXPECT_EQ(status("metadata"), "");

  // A check from the config file is changed there, not through the API.
  json fromFile{{"name", "from-file"},
                {"type", "tcp"},
                {"host", "127.0.0.1"},
                {"port", nginx_->port()},
                {"interval", "2s"}};
  for (auto r : {httpPut(port(), "/api/v1/checks/from-file", fromFile.dump(), admin()),
                 httpDelete(port(), "/api/v1/checks/from-file", admin())}) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 409) << r->body;
    EXPECT_EQ(jsonOf(r)["error"]["code"], "failed_precondition") << r->body;
    EXPECT_NE(r->body.find("defined in the config file"), std::string::npos) << r->body;
  }
  EXPECT_EQ(getJson("/api/v1/checks/from-file")["interval"], "1s");

  // A viewer reads checks but cannot write them.
  std::string viewer = keyWithRole("viewer");
  json kept{{"name", "api-kept"},
            {"type", "tcp"},
            {"host", "127.0.0.1"},
            {"port", nginx_->port()},
            {"interval", "1s"}};
  EXPECT_EQ(httpPost(port(), "/api/v1/checks", kept.dump(), viewer)->status, 403);
  EXPECT_EQ(httpGet(port(), "/api/v1/checks/api-web", viewer)->status, 200);

  auto deleted = httpDelete(port(), "/api/v1/checks/api-web", admin());
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 204) << deleted->body;
  EXPECT_EQ(get("/api/v1/checks/api-web")->status, 404);
  EXPECT_EQ(httpDelete(port(), "/api/v1/checks/api-web", admin())->status, 404);
  ASSERT_EQ(httpPost(port(), "/api/v1/checks", kept.dump(), admin())->status, 201);

  // No clean stop: API checks are in the store, not only in memory.
  EXPECT_EQ(server_->process().signalAndWait(SIGKILL, seconds(5)), 128 + SIGKILL);
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(checkNames(), (std::set<std::string>{"api-kept", "from-file"}));
  EXPECT_EQ(getJson("/api/v1/checks/api-kept")["owner"], "api");
  EXPECT_TRUE(becomes("api-kept", "up"));
  EXPECT_EQ(server_->process().signalAndWait(SIGTERM, seconds(15)), 0);
}

constexpr const char* kHeartbeatCheck = R"(health:
  checks:
    - name: backup-job
      type: heartbeat
      interval: 1s
      grace: 500ms
      token: ${E2E_HEARTBEAT_TOKEN}
      failure_threshold: 1
      success_threshold: 1
)";

TEST_F(HealthE2eTest, HeartbeatsKeepACheckUpAndTheTokenIsNeverShown) {
  writeConfig(kHeartbeatCheck);
  ASSERT_NO_FATAL_FAILURE(start());
  std::string ingest = keyWithRole("ingest");
  std::string viewer = keyWithRole("viewer");
  std::string beatPath = std::string("/api/v1/heartbeats/") + kHeartbeatToken;

  auto beat = httpPost(port(), beatPath, "", ingest);
  ASSERT_TRUE(beat);
  ASSERT_EQ(beat->status, 200) << beat->body;
  EXPECT_EQ(jsonOf(beat)["check"], "backup-job");
  EXPECT_EQ(status("backup-job"), "up");
  EXPECT_EQ(httpPost(port(), "/api/v1/heartbeats/e2e-not-the-token-123456", "", ingest)->status,
            404);
  // Refused attempts are audited: with the route, not the token in its path.
  EXPECT_EQ(httpPost(port(), beatPath, "", viewer)->status, 403);
  EXPECT_EQ(httpPost(port(), beatPath, "")->status, 401);

  // interval + grace without a beat: down, with the time of the last one.
  ASSERT_TRUE(becomes("backup-job", "down", seconds(5)));
  json late = getJson("/api/v1/checks/backup-job");
  EXPECT_NE(late["state"]["last_error"].get<std::string>().find("no heartbeat since"),
            std::string::npos)
      << late;
  EXPECT_TRUE(late["state"]["last_beat"].is_string()) << late;
  ASSERT_EQ(httpPost(port(), beatPath, "", ingest)->status, 200);
  EXPECT_EQ(status("backup-job"), "up");
  json transitions;
  EXPECT_TRUE(eventually([&] {
    transitions = getJson("/api/v1/checks/backup-job/transitions")["transitions"];
    return transitions.size() >= 3;
  }));
  // Newest first; a slow start may have let the first deadline pass before the first beat.
  ASSERT_GE(transitions.size(), 3u) << transitions;
  EXPECT_EQ(transitions[0]["from"], "down");
  EXPECT_EQ(transitions[0]["to"], "up");
  EXPECT_EQ(transitions[1]["from"], "up");
  EXPECT_EQ(transitions[1]["to"], "down");
  EXPECT_EQ(transitions.back()["from"], "unknown");

  // A heartbeat check made through the API gets its token once, in the answer.
  auto created = httpPost(
      port(), "/api/v1/checks",
      json{{"name", "api-beat"}, {"type", "heartbeat"}, {"interval", "1h"}}.dump(), admin());
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  std::string apiToken = jsonOf(created)["token"];
  ASSERT_GE(apiToken.size(), 16u);
  EXPECT_EQ(jsonOf(created)["heartbeat_url"], "/api/v1/heartbeats/" + apiToken);
  EXPECT_EQ(get("/api/v1/checks/api-beat")->body.find(apiToken), std::string::npos);
  EXPECT_EQ(get("/api/v1/checks")->body.find(apiToken), std::string::npos);
  auto apiBeat = httpPost(port(), "/api/v1/heartbeats/" + apiToken, "", ingest);
  ASSERT_TRUE(apiBeat);
  EXPECT_EQ(jsonOf(apiBeat)["check"], "api-beat") << apiBeat->body;
  EXPECT_EQ(status("api-beat"), "up");

  auto audit = get("/api/v1/audit?limit=1000");
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->status, 200) << audit->body;
  EXPECT_NE(audit->body.find("POST /api/v1/heartbeats/{token}"), std::string::npos) << audit->body;
  EXPECT_NE(audit->body.find("denied"), std::string::npos) << audit->body;
  EXPECT_EQ(audit->body.find(kHeartbeatToken), std::string::npos) << audit->body;
  EXPECT_EQ(audit->body.find(apiToken), std::string::npos) << audit->body;

  EXPECT_EQ(server_->process().signalAndWait(SIGTERM, seconds(15)), 0);
  const std::string& log = server_->process().output();
  EXPECT_NE(log.find("check state changed"), std::string::npos) << log;
  EXPECT_EQ(log.find(kHeartbeatToken), std::string::npos) << log;
  EXPECT_EQ(log.find(apiToken), std::string::npos) << log;
}

// Checks a and another, as tcp checks of nginx.
std::string twoChecks(const std::string& other,
                      const std::string& condition = "[CONNECTED] == true") {
  std::string out = "health:\n  checks:\n";
  for (const std::string& name : {std::string("a"), other}) {
    out += "    - name: " + name +
           "\n      type: tcp\n      host: 127.0.0.1\n      port: @PORT@\n      interval: 1s\n"
           "      conditions: [\"" +
           condition + "\"]\n";
  }
  return out;
}

TEST_F(HealthE2eTest, ReloadFollowsTheFileAndKeepsRunningOnABrokenOne) {
  writeConfig(twoChecks("b"));
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_EQ(httpPost(port(), "/api/v1/checks",
                     json{{"name", "from-api"}, {"type", "heartbeat"}, {"interval", "1h"}}.dump(),
                     admin())
                ->status,
            201);
  EXPECT_EQ(checkNames(), (std::set<std::string>{"a", "b", "from-api"}));

  // SIGHUP: b removed, c added; the API's check stays.
  writeConfig(twoChecks("c"));
  ASSERT_EQ(kill(server_->process().pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] {
    return checkNames() == std::set<std::string>{"a", "c", "from-api"};
  })) << ::testing::PrintToString(checkNames());
  EXPECT_EQ(getJson("/api/v1/checks/from-api")["owner"], "api");
  EXPECT_TRUE(becomes("c", "up"));

  // The API: an admin's request, answered once the new set is in place.
  writeConfig(twoChecks("d"));
  EXPECT_EQ(httpPost(port(), "/api/v1/config/reload", "", keyWithRole("editor"))->status, 403);
  auto reloaded = httpPost(port(), "/api/v1/config/reload", "", admin());
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(reloaded->status, 200) << reloaded->body;
  EXPECT_NE(reloaded->body.find("2 check(s)"), std::string::npos) << reloaded->body;
  EXPECT_EQ(checkNames(), (std::set<std::string>{"a", "d", "from-api"}));

  // A broken file: 400 pointing into it, and the running checks stay as they were.
  writeConfig(twoChecks("e", "[CONNECTED] = true"));
  std::string written;
  {
    std::ifstream in(config_);
    written.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto [line, column] = lineAndColumn(written, "= true");
  auto broken = httpPost(port(), "/api/v1/config/reload", "", admin());
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 400) << broken->body;
  std::string where = config_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ":";
  EXPECT_NE(broken->body.find(where), std::string::npos) << where << "\n" << broken->body;
  EXPECT_EQ(checkNames(), (std::set<std::string>{"a", "d", "from-api"}));
  ASSERT_EQ(kill(server_->process().pid(), SIGHUP), 0);
  EXPECT_TRUE(server_->process().waitForOutput("config reload failed", seconds(5)))
      << server_->process().output();
  EXPECT_EQ(checkNames(), (std::set<std::string>{"a", "d", "from-api"}));
  size_t runs = results("d", "?limit=1000").size();
  EXPECT_TRUE(eventually([&] { return results("d", "?limit=1000").size() > runs; }));
  EXPECT_EQ(status("d"), "up");
  EXPECT_EQ(server_->process().signalAndWait(SIGTERM, seconds(15)), 0);
}

// Two checks of team web (up), two of team db that fail, one of them inside a maintenance
// window around now.
constexpr const char* kReportChecks = R"(health:
  checks:
    - name: web
      type: http
      url: http://127.0.0.1:@PORT@/health
      interval: 1s
      conditions: ["[STATUS] == 200 && [BODY].status == ok"]
      labels: {team: web}
    - name: web-port
      type: tcp
      host: 127.0.0.1
      port: @PORT@
      interval: 1s
      labels: {team: web}
    - name: db
      type: tcp
      host: 127.0.0.1
      port: @CLOSED@
      interval: 1s
      failure_threshold: 1
      labels: {team: db}
    - name: db-replica
      type: tcp
      host: 127.0.0.1
      port: @CLOSED@
      interval: 1s
      failure_threshold: 1
      labels: {team: db}
  maintenance:
    - name: replica-upgrade
      start: @START@
      end: @END@
      checks: [db-replica]
    - name: every-minute
      every: "* * * * *"
      duration: 59s
      labels: ['team="nobody"']
)";

// The rows of an uptime CSV by check, each as its fields.
std::map<std::string, std::vector<std::string>> csvRows(const std::string& csv) {
  std::map<std::string, std::vector<std::string>> out;
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');)
      fields.push_back(cell);
    if (line.back() == ',') fields.emplace_back();
    out[fields.at(0)] = fields;
  }
  return out;
}

TEST_F(HealthE2eTest, ReportsCountMaintenanceApartAndBadgesShowTheState) {
  values_["START"] = utcTime(-seconds(3600));
  values_["END"] = utcTime(seconds(3600));
  writeConfig(kReportChecks);
  ASSERT_NO_FATAL_FAILURE(start());
  for (const std::string name : {"web", "web-port", "db", "db-replica"}) {
    ASSERT_TRUE(eventually([&] { return results(name).size() >= 2; })) << name;
  }
  EXPECT_EQ(status("web"), "up");
  EXPECT_EQ(status("db"), "down");
  json replica = getJson("/api/v1/checks/db-replica");
  EXPECT_EQ(replica["state"]["in_maintenance"], true) << replica;
  for (const json& run : results("db-replica"))
    EXPECT_EQ(run["maintenance"], true) << run;
  for (const json& run : results("db"))
    EXPECT_EQ(run["maintenance"], false) << run;

  auto csv = get("/api/v1/reports/uptime?period=day&format=csv");
  ASSERT_TRUE(csv);
  ASSERT_EQ(csv->status, 200) << csv->body;
  EXPECT_EQ(csv->header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(headerCount(*csv, "Content-Type"), 1);
  EXPECT_EQ(csv->body.substr(0, csv->body.find('\n')),
            "check,uptime_percent,runs,failed_runs,maintenance_runs,downtime_seconds");
  auto rows = csvRows(csv->body);
  ASSERT_EQ(rows.size(), 4u) << csv->body;
  EXPECT_EQ(rows["web"][1], "100.0000") << csv->body;
  EXPECT_EQ(rows["web"][3], "0");
  EXPECT_EQ(rows["db"][1], "0.0000") << csv->body;
  EXPECT_EQ(rows["db"][2], rows["db"][3]) << "every run of db failed\n" << csv->body;
  EXPECT_EQ(rows["db"][4], "0");
  EXPECT_NE(rows["db"][5], "0");
  // Maintenance runs are neither failures nor runs: no ratio at all.
  EXPECT_EQ(rows["db-replica"][1], "") << csv->body;
  EXPECT_EQ(rows["db-replica"][2], "0");
  EXPECT_EQ(rows["db-replica"][3], "0");
  EXPECT_GE(std::stoi(rows["db-replica"][4]), 2) << csv->body;

  auto web = get("/api/v1/reports/uptime?period=day&format=csv&labels=team%3D%22web%22");
  ASSERT_TRUE(web);
  ASSERT_EQ(web->status, 200) << web->body;
  auto webRows = csvRows(web->body);
  EXPECT_EQ(webRows.size(), 2u) << web->body;
  EXPECT_TRUE(webRows.count("web") && webRows.count("web-port")) << web->body;
  json replicaUptime = getJson("/api/v1/checks/db-replica/uptime?window=1h");
  EXPECT_TRUE(replicaUptime["uptime"].is_null()) << replicaUptime;
  EXPECT_EQ(replicaUptime["failed_runs"], 0) << replicaUptime;

  std::map<std::string, std::string> shown{
      {"web", ">up<"}, {"db", ">down<"}, {"db-replica", ">maintenance<"}};
  for (const auto& [check, value] : shown) {
    auto badge = get("/api/v1/checks/" + check + "/badge");
    ASSERT_TRUE(badge);
    EXPECT_EQ(badge->status, 200) << badge->body;
    EXPECT_EQ(badge->header("Content-Type"), "image/svg+xml");
    EXPECT_EQ(headerCount(*badge, "Content-Type"), 1);
    EXPECT_EQ(badge->body.rfind("<svg", 0), 0u) << badge->body;
    EXPECT_NE(badge->body.find(value), std::string::npos) << badge->body;
  }
  auto uptimeBadge = get("/api/v1/checks/web/badge?window=1h");
  ASSERT_TRUE(uptimeBadge);
  EXPECT_NE(uptimeBadge->body.find(">100.00%<"), std::string::npos) << uptimeBadge->body;
  EXPECT_EQ(server_->process().signalAndWait(SIGTERM, seconds(15)), 0);
}

TEST(HealthConfigCheckTest, ABrokenConditionIsPointedAtInTheFile) {
  TempDir dir;
  std::string file = dir.file("pharos.yaml");
  // The error is the single '=' in each condition, after text written in each way YAML
  // allows on one line: plain, double-quoted with escapes, single-quoted with a doubled quote.
  std::string yaml = R"(health:
  checks:
    - name: api
      type: http
      url: http://127.0.0.1:9/
      conditions:
        - "[STATUS] == 200"
        - len([BODY].items) = 0
        - "[BODY].state == \"a b\" && [HEADER].x == \u00e9t\u00e9 && [STATUS] = 200"
    - name: port
      type: tcp
      host: 127.0.0.1
      port: 9
      conditions: ['[IP] == ''::1'' || [CONNECTED] = true']
)";
  std::ofstream(file) << yaml;
  auto [code, out] = run({PHAROS_BINARY, "config", "check", file});
  EXPECT_EQ(code, 1) << out;
  // The '=' is the third character of each of these.
  for (const std::string context : {") = 0", "] = 200", "] = true"}) {
    auto [line, column] = lineAndColumn(yaml, context);
    std::string where = file + ":" + std::to_string(line) + ":" + std::to_string(column + 2) + ": ";
    EXPECT_NE(out.find(where), std::string::npos) << where << "\n" << out;
  }
  EXPECT_NE(out.find("use == to compare"), std::string::npos) << out;
  EXPECT_NE(out.find("3 problems"), std::string::npos) << out;
}

}  // namespace
}  // namespace pharos::testing
