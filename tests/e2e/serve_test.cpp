// `pharos serve` as a user runs it: the real binary, a real data directory, loopback HTTP.
#include <signal.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "pharos_server.h"
#include "process.h"

namespace pharos::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ServeTest, StartsServesAndStopsCleanlyOnSigterm) {
  TempDir dir;
  Server server(dir.file("data"));
  ASSERT_NE(server.port(), 0) << server.process().output();

  auto health = httpGet(server.port(), "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto ready = httpGet(server.port(), "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  ASSERT_FALSE(server.adminKey().empty()) << server.process().output();
  auto anonymous = httpGet(server.port(), "/metrics");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);  // secure by default, even in dev
  auto metrics = httpGet(server.port(), "/metrics", server.authHeader());
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(metrics->body.find("pharos_http_requests_total "), std::string::npos);
  auto missing = httpGet(server.port(), "/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("\"error\":{\"code\":\"not_found\""), std::string::npos)
      << missing->body;

  EXPECT_EQ(server.process().signalAndWait(SIGTERM, seconds(15)), 0) << server.process().output();
  EXPECT_NE(server.process().output().find("pharos stopped"), std::string::npos);
  EXPECT_FALSE(httpGet(server.port(), "/healthz"));  // nothing listens any more
  // The data directory holds the embedded parts, and none of them on the shared backends.
  const bool embedded = !testsRunOnSharedBackends();
  EXPECT_EQ(std::filesystem::exists(dir.path() / "data" / "pharos.db"), embedded);
  EXPECT_EQ(std::filesystem::exists(dir.path() / "data" / "bus.db"), embedded);
  EXPECT_EQ(std::filesystem::is_directory(dir.path() / "data" / "objects"), embedded);
}

TEST(ServeTest, FirstStartPrintsAnAdminKeyOnceAndNeverLogsIt) {
  TempDir dir;
  std::string key;
  {
    Server first(dir.file("data"));
    ASSERT_NE(first.port(), 0) << first.process().output();
    key = first.adminKey();
    ASSERT_FALSE(key.empty());
    auto keys = httpGet(first.port(), "/api/v1/keys", first.authHeader());
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->status, 200) << keys->body;
    EXPECT_EQ(keys->body.find(key), std::string::npos);  // listing never shows a secret
    // The key is printed on its own line, not inside a log line.
    std::istringstream lines(first.process().output());
    for (std::string line; std::getline(lines, line);) {
      if (line.find(key) != std::string::npos) {
        EXPECT_EQ(line, "  " + key);
      }
    }
    EXPECT_EQ(first.process().signalAndWait(SIGTERM, seconds(15)), 0);
  }
  Server second(dir.file("data"));
  ASSERT_NE(second.port(), 0) << second.process().output();
  EXPECT_TRUE(second.adminKey().empty()) << "a second start printed a key";
  auto spec = httpGet(second.port(), "/openapi.json");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->status, 200);
  EXPECT_NE(spec->body.find("\"openapi\":\"3.1.0\""), std::string::npos);
  auto withOldKey = httpGet(second.port(), "/metrics", "Authorization: Bearer " + key + "\r\n");
  ASSERT_TRUE(withOldKey);
  EXPECT_EQ(withOldKey->status, 200);
}

TEST(ServeTest, ProdRefusesToStartWithoutAnyApiKey) {
  TempDir dir;
  std::vector<std::string> serve{PHAROS_BINARY, "serve",          "--env",    "staging",
                                 "--data",      dir.file("data"), "--listen", "127.0.0.1:0",
                                 "--syslog",    "127.0.0.1:0"};
  // The keyring starts before the API keys (their salts are sealed with it): without a master
  // key, that is what staging refuses first.
  auto [noKeyCode, noKey] = run(serve);
  EXPECT_EQ(noKeyCode, 1);
  EXPECT_NE(noKey.find("staging needs a master key"), std::string::npos) << noKey;
  EXPECT_NE(noKey.find("PHAROS_MASTER_KEY"), std::string::npos) << noKey;
  auto [code, out] = run(serve, {"PHAROS_MASTER_KEY=" + std::string(64, '7')});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("no API key exists"), std::string::npos) << out;
}

TEST(ServeTest, SigintStopsToo) {
  TempDir dir;
  Server server(dir.file("data"));
  ASSERT_NE(server.port(), 0) << server.process().output();
  EXPECT_EQ(server.process().signalAndWait(SIGINT, seconds(15)), 0) << server.process().output();
}

TEST(ServeTest, SecondServerOnTheSameDataDirectoryIsRefused) {
  TempDir dir;
  Server first(dir.file("data"));
  ASSERT_NE(first.port(), 0) << first.process().output();
  auto [code, out] = run({PHAROS_BINARY, "serve", "--data", dir.file("data"), "--listen",
                          "127.0.0.1:0", "--syslog", "127.0.0.1:0"});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("in use by another pharos process"), std::string::npos) << out;
  EXPECT_EQ(first.process().signalAndWait(SIGTERM, seconds(15)), 0);
}

TEST(ServeTest, TakenPortIsAClearErrorAndReleasesTheDataDirectory) {
  TempDir dir;
  Server first(dir.file("a"));
  ASSERT_NE(first.port(), 0) << first.process().output();
  std::string taken = "127.0.0.1:" + std::to_string(first.port());
  auto [code, out] = run({PHAROS_BINARY, "serve", "--data", dir.file("b"), "--listen", taken,
                          "--syslog", "127.0.0.1:0"});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("cannot start"), std::string::npos) << out;
  EXPECT_NE(out.find(taken), std::string::npos) << out;
  // The failed start stopped what it had opened: a new server can take directory b. (Once the
  // first has gone: on shared backends the two are one installation, which runs alerting once.)
  EXPECT_EQ(first.process().signalAndWait(SIGTERM, seconds(15)), 0);
  Server again(dir.file("b"));
  EXPECT_NE(again.port(), 0) << again.process().output();
}

TEST(ServeTest, ProdRefusesToStartWithoutTlsAndAuth) {
  TempDir dir;
  auto [code, out] = run({PHAROS_BINARY, "serve", "--env", "prod", "--data", dir.file("data")});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("prod requires TLS"), std::string::npos) << out;
  EXPECT_NE(out.find("refusing to start"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data"));  // nothing was created
}

TEST(ServeTest, ExampleConfigStarts) {
  TempDir dir;
  Server server(dir.file("data"),
                {"--config", std::string(PHAROS_SOURCE_DIR) + "/examples/pharos.yaml"});
  ASSERT_NE(server.port(), 0) << server.process().output();
  EXPECT_EQ(httpGet(server.port(), "/readyz")->status, 200);
}

TEST(ServeTest, AScrapeTargetThePolicyRefusesIsAStartError) {
  TempDir dir;
  std::string config = dir.file("pharos.yaml");
  std::ofstream(config) << "metrics:\n  scrape:\n    - job: cloud\n"
                           "      targets: [\"169.254.169.254:80\"]\n";
  auto [code, out] = run({PHAROS_BINARY, "serve", "--config", config, "--data", dir.file("data"),
                          "--listen", "127.0.0.1:0", "--syslog", "127.0.0.1:0"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("target 169.254.169.254:80 is refused by the outbound policy: deny "
                     "169.254.0.0/16"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace pharos::testing
