// `pharos serve` on the scale-out backends (issue 11): PostgreSQL for the store, NATS
// JetStream for the bus, an S3 bucket for objects, each a real server the test starts. Logs go
// in over HTTP and come out of a search (their batches crossed NATS), a backup lands in the
// bucket, and a second server on a fresh data directory finds the first one's API key (the
// state lives in PostgreSQL, not in the data directory).
#if defined(PHAROS_HAVE_POSTGRES) && defined(PHAROS_HAVE_NATS) && defined(PHAROS_HAVE_S3)

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "bus/nats_server.h"
#include "fakes/http_client.h"
#include "fakes/postgres_server.h"
#include "fakes/temp_dir.h"
#include "objects/s3_server.h"
#include "pharos_server.h"

namespace pharos::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace fs = std::filesystem;

class BackendsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(postgres_.ok());
    ASSERT_TRUE(nats_.available());
    ASSERT_EQ(s3_.start({"pharos"}), "");
    pgUrl_ = postgres_.createDatabase();
    std::ofstream(config_) << "env: dev\n"
                              "store:\n"
                              "  backend: postgres\n"
                              "  url: ${PHAROS_TEST_PG}\n"
                              "bus:\n"
                              "  backend: nats\n"
                              "  servers: ["
                           << nats_.url()
                           << "]\n"
                              "objects:\n"
                              "  backend: s3\n"
                              "  s3:\n"
                              "    endpoint: "
                           << s3_.endpoint()
                           << "\n"
                              "    bucket: pharos\n"
                              "    access_key_id: S3RVER\n"
                              "    secret_access_key: ${PHAROS_TEST_S3_SECRET}\n"
                              "backup:\n"
                              "  schedule: '0 3 1 1 *'\n";
  }

  // All modules, or only `modules` ("api,logs").
  std::unique_ptr<Server> start(const std::string& dataDir, const std::string& modules = "") {
    std::vector<std::string> args{"--config", config_};
    if (!modules.empty()) args.insert(args.end(), {"--modules", modules});
    auto server = std::make_unique<Server>(
        dataDir, std::move(args),
        std::vector<std::string>{"PHAROS_TEST_PG=" + pgUrl_, "PHAROS_TEST_S3_SECRET=S3RVER",
                                 std::string("PHAROS_MASTER_KEY=") + kSharedMasterKey});
    EXPECT_NE(server->port(), 0) << server->process().output();
    return server;
  }

  std::optional<Response> call(Server& server, const std::string& method, const std::string& path,
                               const std::string& body = "", const std::string& type = "") {
    server.process().running();  // keeps its log pipe drained
    std::string headers = "Authorization: Bearer " + key_ + "\r\n";
    if (!type.empty()) headers += "Content-Type: " + type + "\r\n";
    return httpRequest(server.port(), method, path, body, headers);
  }

  PostgresServer postgres_;
  NatsServer nats_;
  objects::testing::S3TestServer s3_;
  TempDir dir_;
  std::string config_ = dir_.file("pharos.yaml");
  std::string pgUrl_;
  std::string key_;
};

TEST_F(BackendsE2eTest, AServerKeepsItsStateInPostgresNatsAndS3) {
  auto first = start(dir_.file("data-a"));
  ASSERT_NE(first->port(), 0);
  key_ = first->adminKey();
  ASSERT_FALSE(key_.empty()) << first->process().output();

  auto ready = httpGet(first->port(), "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(json::parse(ready->body)["backends"],
            (json{{"store", "postgres"}, {"bus", "nats"}, {"objects", "s3"}}));

  // Logs: acknowledged once in the ingest log, processed after their batch crossed NATS.
  std::string body;
  for (int i = 0; i < 3; ++i) {
    body += R"({"timestamp":"2026-12-01T10:00:0)" + std::to_string(i) +
            R"(Z","service":"checkout","level":"error","message":"quokka gateway timeout"})"
            "\n";
  }
  auto ingested = call(*first, "POST", "/api/v1/logs", body, "application/x-ndjson");
  ASSERT_TRUE(ingested);
  ASSERT_EQ(ingested->status, 202) << ingested->body;
  size_t found = 0;
  auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while (found < 3 && std::chrono::steady_clock::now() < deadline) {
    auto r = call(*first, "GET", "/api/v1/logs/query?start=0&query=quokka");
    if (r && r->status == 200) found = json::parse(r->body)["records"].size();
    if (found < 3) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(found, 3u);

  // A backup goes to the bucket: there is no local objects directory to put it in.
  auto made = call(*first, "POST", "/api/v1/backups", "", "application/json");
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 202) << made->body;
  std::string jobId = json::parse(made->body)["id"];
  json job;
  deadline = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = call(*first, "GET", "/api/v1/backups/jobs/" + jobId);
    if (r && r->status == 200) job = json::parse(r->body);
    if (job["state"] == "succeeded" || job["state"] == "failed") break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  auto listed = call(*first, "GET", "/api/v1/backups");
  ASSERT_TRUE(listed);
  EXPECT_EQ(json::parse(listed->body)["data"].size(), 1u) << listed->body;
  EXPECT_FALSE(fs::exists(dir_.file("data-a") + "/objects"));
  EXPECT_FALSE(fs::exists(dir_.file("data-a") + "/pharos.db"));
  EXPECT_FALSE(fs::exists(dir_.file("data-a") + "/bus.db"));
  // A clean stop gives up the leases of the modules that run once (alerting, backups,
  // scrapes), so the next process takes them at once rather than after their ttl.
  EXPECT_EQ(first->process().signalAndWait(SIGTERM, seconds(30)), 0);
  first.reset();

  // Another process, another data directory, the same backends and master key: the API key
  // the first one made is there (and no new one is made), and so is the backup.
  auto second = start(dir_.file("data-b"));
  ASSERT_NE(second->port(), 0);
  EXPECT_TRUE(second->adminKey().empty()) << "a second bootstrap key was made";
  auto keys = call(*second, "GET", "/api/v1/keys");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->status, 200) << keys->body;
  auto backups = call(*second, "GET", "/api/v1/backups");
  ASSERT_TRUE(backups);
  EXPECT_EQ(json::parse(backups->body)["data"].size(), 1u) << backups->body;
}

// Two `api,logs` processes behind a load balancer (issue 11): each takes in lines into its own
// ingest log and processes them into the index they share on PostgreSQL, so a search on either
// finds the lines of both, and either lists the patterns of both, each template with the
// process whose miner numbered it.
TEST_F(BackendsE2eTest, TwoLogsProcessesShareOneSearch) {
  auto a = start(dir_.file("data-a"), "api,logs");
  ASSERT_NE(a->port(), 0);
  key_ = a->adminKey();
  ASSERT_FALSE(key_.empty()) << a->process().output();
  auto b = start(dir_.file("data-b"), "api,logs");
  ASSERT_NE(b->port(), 0);

  auto lines = [](int from, int to, const std::string& word) {
    std::string body;
    for (int i = from; i < to; ++i) {
      body += R"({"timestamp":"2026-12-01T10:00:)" + std::to_string(10 + i) +
              R"(Z","service":"shop","level":"error","message":")" + word +
              " checkout failed for order " + std::to_string(1000 + i) + "\"}\n";
    }
    return body;
  };
  for (auto [server, body] : {std::pair{a.get(), lines(0, 3, "otter")},
                              std::pair{b.get(), lines(3, 5, "otter") + lines(5, 6, "badger")}}) {
    auto r = call(*server, "POST", "/api/v1/logs", body, "application/x-ndjson");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 202) << r->body;
  }
  auto found = [&](Server& server, const std::string& query) {
    auto r = call(server, "GET", "/api/v1/logs/query?start=0&limit=100&query=" + query);
    if (!r || r->status != 200) return std::set<std::string>();
    std::set<std::string> messages;
    json page = json::parse(r->body);
    for (const auto& rec : page["records"])
      messages.insert(rec["message"].get<std::string>());
    return messages;
  };
  auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         (found(*a, "otter").size() < 5 || found(*b, "badger").size() < 1)) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  for (Server* server : {a.get(), b.get()}) {
    EXPECT_EQ(found(*server, "otter").size(), 5u);
    EXPECT_EQ(found(*server, "badger"),
              (std::set<std::string>{"badger checkout failed for order 1005"}));
    EXPECT_EQ(found(*server, "otter%20AND%201003").size(), 1u);  // a line b took in
  }

  // The patterns of both processes, from either: one template each (their miners numbered
  // alike), each named with its node and its text.
  auto patterns = call(*a, "GET", "/api/v1/logs/patterns?start=0&service=shop");
  ASSERT_TRUE(patterns);
  ASSERT_EQ(patterns->status, 200) << patterns->body;
  std::map<std::string, std::uint64_t> perNode;
  json listed = json::parse(patterns->body);
  for (const auto& p : listed["patterns"]) {
    ASSERT_TRUE(p.contains("node")) << p.dump();
    EXPECT_NE(p["template"].get<std::string>().find("checkout failed for order"), std::string::npos)
        << p.dump();
    perNode[p["node"].get<std::string>()] += p["count"].get<std::uint64_t>();
  }
  ASSERT_EQ(perNode.size(), 2u) << patterns->body;
  std::multiset<std::uint64_t> counts;
  for (const auto& [node, count] : perNode)
    counts.insert(count);
  EXPECT_EQ(counts, (std::multiset<std::uint64_t>{3, 3})) << patterns->body;
}

// PostgreSQL restarted while logs come in (issue 11): while it is away, requests that need it
// (the API key is checked there) are pushed back with 503 and Retry-After, never failed
// otherwise; once it is back, ingest resumes on its own, and every batch acknowledged before,
// during or after is found, whole.
TEST_F(BackendsE2eTest, SlowPostgresRestartedDuringIngestLosesNothingAcknowledged) {
  auto server = start(dir_.file("data-a"));
  ASSERT_NE(server->port(), 0);
  key_ = server->adminKey();
  ASSERT_FALSE(key_.empty()) << server->process().output();

  constexpr int kLinesPerBatch = 50;
  std::map<int, int> statuses;  // HTTP status -> how many answers
  std::set<int> acknowledged;
  int withoutRetryAfter = 0, batch = 0;
  auto ingestFor = [&](milliseconds during) {
    auto until = std::chrono::steady_clock::now() + during;
    while (std::chrono::steady_clock::now() < until) {
      std::string body;
      for (int line = 0; line < kLinesPerBatch; ++line) {
        body += R"({"service":"checkout","level":"info","message":"wombat order )" +
                std::to_string(line) + R"( placed","batch":"b)" + std::to_string(batch) + "\"}\n";
      }
      auto r = call(*server, "POST", "/api/v1/logs", body, "application/x-ndjson");
      int status = r ? r->status : 0;
      ++statuses[status];
      if (status == 202) {
        acknowledged.insert(batch++);
        std::this_thread::sleep_for(milliseconds(20));  // a steady stream, not a flood
      } else {
        if (r && r->header("Retry-After").empty()) ++withoutRetryAfter;
        std::this_thread::sleep_for(milliseconds(200));  // and send the same batch again
      }
    }
  };

  ingestFor(milliseconds(3'000));
  postgres_.stop();
  ingestFor(milliseconds(5'000));
  postgres_.start();
  ASSERT_TRUE(postgres_.ok());
  ingestFor(milliseconds(8'000));
  std::string seen;
  for (const auto& [status, n] : statuses)
    seen += std::to_string(status) + ": " + std::to_string(n) + "  ";
  std::printf("answers during the restart: %s\n", seen.c_str());
  for (const auto& [status, n] : statuses)
    EXPECT_TRUE(status == 202 || status == 503) << "answered " << status << " (" << seen << ")";
  EXPECT_GT(statuses[503], 0) << "ingest was not pushed back while PostgreSQL was away";
  EXPECT_EQ(withoutRetryAfter, 0);
  ASSERT_GT(statuses[202], 0);
  // Resumed: the last seconds were all acknowledged again.
  EXPECT_EQ(acknowledged.size(), static_cast<size_t>(batch));

  // Every acknowledged batch is found whole once processing has caught up: the total first,
  // then per batch (a stats stage counts up to 10,000 distinct batches, plenty here).
  auto count = [&](const std::string& query) {
    auto r = call(*server, "GET", "/api/v1/logs/query?start=0&query=" + urlEncode(query));
    return r && r->status == 200 ? json::parse(r->body) : json();
  };
  const int expected = static_cast<int>(acknowledged.size()) * kLinesPerBatch;
  int total = 0;
  auto deadline = std::chrono::steady_clock::now() + seconds(120);
  while (total < expected && std::chrono::steady_clock::now() < deadline) {
    json stats = count("wombat | stats count()")["stats"];
    total = stats.is_array() && !stats.empty() ? stats[0]["count"].get<int>() : 0;
    if (total < expected) std::this_thread::sleep_for(milliseconds(250));
  }
  EXPECT_EQ(total, expected);
  std::map<std::string, int> found;
  json byBatch = count("wombat | stats count() by (batch)");
  for (const json& row : byBatch["stats"])
    if (row.contains("batch") && row["batch"].is_string()) found[row["batch"]] = row["count"];
  int missing = 0, partial = 0;
  for (int b : acknowledged) {
    auto it = found.find("b" + std::to_string(b));
    if (it == found.end()) {
      ++missing;
    } else if (it->second != kLinesPerBatch) {
      ++partial;
    }
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged batches";
  EXPECT_EQ(partial, 0) << "of " << acknowledged.size() << " acknowledged batches";
}

}  // namespace
}  // namespace pharos::testing

#endif
