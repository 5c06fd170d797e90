// Receiver secrets at rest, through the real binary (issue 10): a receiver created through the
// API with a token and an API-key header leaves neither in the data directory's files; a GET shows
// them as "[redacted]", and that GET put back keeps them (the webhook still gets its token),
// before and after a restart.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "net/http_server.h"
#include "pharos_server.h"

namespace pharos::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;

constexpr std::string_view kToken = "e2e-bearer-7f3c9a1d55";
constexpr std::string_view kApiKey = "e2e-api-key-4b8e02c6aa";
const std::string kCredentials = "Bearer " + std::string(kToken) + " | " + std::string(kApiKey);

// An HTTP endpoint that keeps the credentials of each request it gets: "Authorization | X-Api-Key".
class AuthCapture {
 public:
  AuthCapture() {
    auto router = std::make_shared<net::Router>();
    router->add("POST", "/hook", [this](net::HttpRequest& r) {
      std::lock_guard lock(mutex_);
      seen_.push_back(std::string(r.header("Authorization")) + " | " +
                      std::string(r.header("X-Api-Key")));
      return net::HttpResponse::json(200, "{}");
    });
    net::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    auto started = net::HttpServer::start(options, router);
    if (!started.ok()) {
      ADD_FAILURE() << started.error().toString();
      return;
    }
    server_ = std::move(started).value();
  }
  ~AuthCapture() {
    if (server_) server_->stop(Millis(2'000));
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook";
  }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;
  net::HttpServerPtr server_;
};

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Lowercase hex, as PostgreSQL shows a bytea.
std::string hexOf(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

class ReceiverSecretsE2eTest : public ::testing::Test {
 protected:
  void start() {
    server_ = std::make_unique<Server>(data_);
    ASSERT_NE(server_->port(), 0) << server_->process().output();
    if (!server_->adminKey().empty()) auth_ = server_->authHeader();
  }
  void stop() {
    ASSERT_EQ(server_->process().signalAndWait(SIGTERM, seconds(15)), 0)
        << server_->process().output();
  }
  std::optional<Response> call(std::string_view method, const std::string& path,
                               const std::string& body = "") {
    server_->process().running();  // keeps its log pipe drained
    return httpRequest(server_->port(), method, path, body, auth_);
  }
  // Sends the sample notification through `name` and returns the credentials it arrived with.
  std::string sentCredentials(const std::string& name) {
    size_t before = hook_.seen().size();
    auto r = call("POST", "/api/v1/receivers/" + name + "/test?send=true");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    auto seen = hook_.seen();
    return seen.size() > before ? seen.back() : "(nothing arrived)";
  }

  TempDir dir_;
  std::string data_ = dir_.file("data");
  AuthCapture hook_;
  std::unique_ptr<Server> server_;
  std::string auth_;
};

TEST_F(ReceiverSecretsE2eTest, SecretsAreNotInTheDataDirectoryAndARedactedPutKeepsThem) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_FALSE(auth_.empty()) << server_->process().output();
  // One receiver: with a second, a restart needs `alerting.route` (the config's rule). Its
  // secrets: the bearer token and a credential header.
  json hook = {{"name", "hook"},
               {"type", "webhook"},
               {"url", hook_.url()},
               {"headers", {{"X-Api-Key", std::string(kApiKey)}}},
               {"bearer_token", std::string(kToken)}};
  auto created = call("POST", "/api/v1/receivers", hook.dump());
  ASSERT_TRUE(created && created->status == 201) << (created ? created->body : "no answer");
  EXPECT_EQ(created->body.find(kToken), std::string::npos);
  EXPECT_EQ(created->body.find(kApiKey), std::string::npos);

  // GET, change one field, PUT it back as it is (secret "[redacted]", "owner" included).
  auto got = call("GET", "/api/v1/receivers/hook");
  ASSERT_TRUE(got && got->status == 200);
  json shown = json::parse(got->body);
  EXPECT_EQ(shown["bearer_token"], "[redacted]");
  shown["timeout"] = "5s";
  auto put = call("PUT", "/api/v1/receivers/hook", shown.dump());
  ASSERT_TRUE(put && put->status == 200) << (put ? put->body : "no answer");
  EXPECT_EQ(json::parse(put->body)["timeout"], "5s");
  EXPECT_EQ(sentCredentials("hook"), kCredentials);

  // A placeholder with no stored secret behind it (here: another type) is refused, not stored
  // as the credential.
  auto refused =
      call("PUT", "/api/v1/receivers/hook",
           json{{"name", "hook"}, {"type", "ntfy"}, {"url", hook_.url()}, {"token", "[redacted]"}}
               .dump());
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_NE(refused->body.find("token"), std::string::npos) << refused->body;

  ASSERT_NO_FATAL_FAILURE(stop());
  // The store is in the data directory, or in the shared run PostgreSQL's database: neither
  // holds a secret, as text or as bytes.
  ASSERT_EQ(fs::exists(fs::path(data_) / "pharos.db"), !testsRunOnSharedBackends());
  for (const auto& entry : fs::recursive_directory_iterator(data_)) {
    if (!entry.is_regular_file()) continue;
    std::string bytes = readFile(entry.path());
    EXPECT_EQ(bytes.find(kToken), std::string::npos) << entry.path() << " holds the token";
    EXPECT_EQ(bytes.find(kApiKey), std::string::npos) << entry.path() << " holds the API key";
  }
  const std::string rows = sharedDatabaseText();
  if (testsRunOnSharedBackends()) {
    ASSERT_NE(rows.find("notify_receivers: "), std::string::npos) << "no receiver in the store";
  }
  for (std::string_view secret : {kToken, kApiKey}) {
    EXPECT_EQ(rows.find(secret), std::string::npos) << secret << " in the database";
    EXPECT_EQ(rows.find(hexOf(secret)), std::string::npos) << secret << " in the database";
  }

  // The sealed rows open on the next start, with the same key.
  ASSERT_NO_FATAL_FAILURE(start());
  auto again = call("GET", "/api/v1/receivers");
  ASSERT_TRUE(again && again->status == 200) << server_->process().output();
  EXPECT_EQ(json::parse(again->body)["receivers"].size(), 1u) << again->body;
  EXPECT_EQ(sentCredentials("hook"), kCredentials);
  ASSERT_NO_FATAL_FAILURE(stop());
}

}  // namespace
}  // namespace pharos::testing
