// `pharos serve` as a user runs it: the real binary, a real data directory, loopback HTTP.
#include <signal.h>

#include <gtest/gtest.h>

#include <regex>

#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "process.h"

namespace pharos::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Starts `pharos serve` on an ephemeral port and reads the port back from its log.
class Server {
 public:
  explicit Server(const std::string& dataDir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{PHAROS_BINARY, "serve",    "--data",
                                  dataDir,       "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Process>(args);
    if (process_->waitForOutput("pharos started", seconds(20))) {
      std::smatch m;
      static const std::regex portRe(R"(http=127\.0\.0\.1:(\d+))");
      if (std::regex_search(process_->output(), m, portRe))
        port_ = static_cast<uint16_t>(std::stoi(m[1]));
    }
  }
  uint16_t port() const { return port_; }
  Process& process() { return *process_; }

 private:
  std::unique_ptr<Process> process_;
  uint16_t port_ = 0;
};

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
  auto metrics = httpGet(server.port(), "/metrics");
  ASSERT_TRUE(metrics);
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
  // The data directory holds the embedded parts.
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / "pharos.db"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / "bus.db"));
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "data" / "objects"));
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
  auto [code, out] =
      run({PHAROS_BINARY, "serve", "--data", dir.file("data"), "--listen", "127.0.0.1:0"});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("in use by another pharos process"), std::string::npos) << out;
  EXPECT_EQ(first.process().signalAndWait(SIGTERM, seconds(15)), 0);
}

TEST(ServeTest, TakenPortIsAClearErrorAndReleasesTheDataDirectory) {
  TempDir dir;
  Server first(dir.file("a"));
  ASSERT_NE(first.port(), 0) << first.process().output();
  std::string taken = "127.0.0.1:" + std::to_string(first.port());
  auto [code, out] = run({PHAROS_BINARY, "serve", "--data", dir.file("b"), "--listen", taken});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("cannot start"), std::string::npos) << out;
  EXPECT_NE(out.find(taken), std::string::npos) << out;
  // The failed start stopped what it had opened: a new server can take directory b.
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

}  // namespace
}  // namespace pharos::testing
