// The server's backups through its API: a backup taken on request, copied to the second
// target and verified there, its health in /api/v1/backups/status and /metrics, verify and
// restore jobs, the built-in alert rules, and the copy restoring with the command line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "pharos_server.h"
#include "process.h"

namespace pharos::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace fs = std::filesystem;

class BackupApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Yearly on 1 January: no slot in the last month, so no catch-up backup during the test.
    std::ofstream(config_) << "env: dev\n"
                              "backup:\n"
                              "  schedule: '0 3 1 1 *'\n"
                              "  retention_count: 2\n"
                              "  part_size: 64KiB\n"
                              "  second_target: "
                           << copies_ << "\n";
    server_ =
        std::make_unique<Server>(dir_.file("data"), std::vector<std::string>{"--config", config_});
    ASSERT_NE(server_->port(), 0) << server_->process().output();
    ASSERT_FALSE(server_->adminKey().empty());
  }

  std::optional<Response> call(const std::string& method, const std::string& path,
                               const std::string& body = "") {
    server_->process().running();  // keeps its log pipe drained
    return httpRequest(server_->port(), method, path, body,
                       server_->authHeader() + "Content-Type: application/json\r\n");
  }

  json getJson(const std::string& path) {
    auto r = call("GET", path);
    EXPECT_TRUE(r && r->status == 200) << path << ": " << (r ? r->body : "no answer");
    return r ? json::parse(r->body, nullptr, false) : json();
  }

  // POSTs, expects 202 with a job, and polls the job until it finishes.
  json runJob(const std::string& path, const std::string& body = "") {
    auto r = call("POST", path, body);
    EXPECT_TRUE(r && r->status == 202) << path << ": " << (r ? r->body : "no answer");
    if (!r || r->status != 202) return json();
    json job = json::parse(r->body);
    auto until = std::chrono::steady_clock::now() + seconds(60);
    while (std::chrono::steady_clock::now() < until) {
      job = getJson("/api/v1/backups/jobs/" + job["id"].get<std::string>());
      if (job["state"] == "succeeded" || job["state"] == "failed") break;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return job;
  }

  TempDir dir_;
  std::string config_ = dir_.file("pharos.yaml");
  std::string copies_ = dir_.file("copies");
  std::unique_ptr<Server> server_;
};

TEST_F(BackupApiTest, BackupCopyVerifyRestoreAndHealth) {
  json before = getJson("/api/v1/backups/status");
  EXPECT_EQ(before["backups"], 0);
  EXPECT_EQ(before["schedule"], "0 3 1 1 *");
  EXPECT_EQ(before["second_target"]["configured"], true);

  json made = runJob("/api/v1/backups");
  ASSERT_EQ(made["state"], "succeeded") << made.dump();
  EXPECT_EQ(made["kind"], "create");
  EXPECT_EQ(made["trigger"], "api");
  EXPECT_EQ(made["second_target"], "copied and verified") << made.dump();
  EXPECT_EQ(made["done_bytes"], made["total_bytes"]);
  const std::string id = made["backup_id"];

  json listed = getJson("/api/v1/backups");
  ASSERT_EQ(listed["data"].size(), 1u) << listed.dump();
  EXPECT_EQ(listed["data"][0]["id"], id);
  EXPECT_EQ(listed["data"][0]["on_second_target"], true);
  json one = getJson("/api/v1/backups/" + id);
  EXPECT_EQ(one["carries_data_key"], true);
  bool hasStore = false;
  for (const json& f : one["files"])
    hasStore |= f["path"] == "pharos.db";
  EXPECT_TRUE(hasStore) << one.dump();
  for (const json& f : one["files"])
    EXPECT_NE(f["path"], "master.key");
  EXPECT_TRUE(fs::exists(fs::path(copies_) / "backups" / id / "manifest.json"));

  json status = getJson("/api/v1/backups/status");
  EXPECT_EQ(status["backups"], 1);
  EXPECT_EQ(status["last_backup_id"], id);
  EXPECT_FALSE(status["last_success_at"].is_null());
  EXPECT_EQ(status["second_target"]["newest_at"], status["newest_at"]) << status.dump();

  auto metrics = call("GET", "/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  EXPECT_NE(metrics->body.find("pharos_backup_last_success_timestamp_seconds"), std::string::npos);
  EXPECT_NE(metrics->body.find("pharos_backup_second_target_lag_seconds 0"), std::string::npos)
      << metrics->body;

  // Pharos watches its own backups once they are scheduled.
  json rules = getJson("/api/v1/rules");
  std::string names = rules.dump();
  EXPECT_NE(names.find("PharosBackupMissed"), std::string::npos) << names;
  EXPECT_NE(names.find("PharosBackupSecondTargetLagging"), std::string::npos);

  json verified = runJob("/api/v1/backups/" + id + "/verify");
  EXPECT_EQ(verified["state"], "succeeded") << verified.dump();

  std::string restored = dir_.file("restored");
  json restore = runJob("/api/v1/backups/" + id + "/restore", json{{"target", restored}}.dump());
  ASSERT_EQ(restore["state"], "succeeded") << restore.dump();
  EXPECT_TRUE(fs::exists(fs::path(restored) / "pharos.db"));
  EXPECT_TRUE(fs::exists(fs::path(restored) / "config" / "pharos.yaml"));

  // Never into the running server's own directory; bad bodies are clear 400s.
  auto intoData = call("POST", "/api/v1/backups/" + id + "/restore",
                       json{{"target", dir_.file("data")}}.dump());
  ASSERT_TRUE(intoData);
  EXPECT_EQ(intoData->status, 400) << intoData->body;
  auto unknownField =
      call("POST", "/api/v1/backups/" + id + "/restore", R"({"target": "/tmp/x", "forse": true})");
  ASSERT_TRUE(unknownField);
  EXPECT_EQ(unknownField->status, 400);
  EXPECT_NE(unknownField->body.find("forse"), std::string::npos);
  auto missing = call("POST", "/api/v1/backups/01J00000000000000000000000/verify");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  // Without a key: 401. (Every route here is scope admin.)
  auto anonymous = httpGet(server_->port(), "/api/v1/backups");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);

  // The copy on the second target restores with the command line once the server is gone.
  EXPECT_EQ(server_->process().signalAndWait(SIGTERM, seconds(15)), 0);
  auto [code, out] = run({PHAROS_BINARY, "backup", "restore", id, "--from", copies_, "--target",
                          dir_.file("from-copy"), "--data", dir_.file("data")});
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(fs::exists(fs::path(dir_.file("from-copy")) / "pharos.db"));
}

// The issue's consistency test, end to end: a backup taken while one connection ingests as fast
// as it is acknowledged, restored, and served again, holds every line acknowledged before the
// backup began, and nothing that was never sent (no torn rows, no half batches).
TEST_F(BackupApiTest, ABackupDuringFullIngestRestoresEveryLineAcknowledgedBeforeIt) {
  constexpr int kBatch = 200;
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};  // lines 0..acked-1 are acknowledged (202: durable)
  std::thread ingest([&] {
    while (!stop) {
      std::string body;
      const int first = acked.load();
      for (int i = first; i < first + kBatch; ++i) {
        body += json{{"service", "durable"}, {"message", "seq " + std::to_string(i)}}.dump() + "\n";
      }
      auto r = httpPost(server_->port(), "/api/v1/logs", body,
                        server_->authHeader() + "Content-Type: application/x-ndjson\r\n");
      if (r && r->status == 202) acked += kBatch;
    }
  });
  while (acked < 20 * kBatch)
    std::this_thread::sleep_for(milliseconds(10));
  const int before = acked.load();
  json made = runJob("/api/v1/backups");
  const int after = acked.load();
  stop = true;
  ingest.join();
  ASSERT_EQ(made["state"], "succeeded") << made.dump();
  EXPECT_GT(after, before) << "ingest kept going during the backup";

  std::string restored = dir_.file("restored-under-load");
  json restore = runJob("/api/v1/backups/" + made["backup_id"].get<std::string>() + "/restore",
                        json{{"target", restored}}.dump());
  ASSERT_EQ(restore["state"], "succeeded") << restore.dump();

  // The restored directory serves with the same master key (a dev key is never in a backup)
  // and the same API keys.
  std::ifstream keyFile(fs::path(dir_.file("data")) / "master.key");
  std::string masterKey;
  std::getline(keyFile, masterKey);
  Server again(restored, {}, {"PHAROS_MASTER_KEY=" + masterKey});
  ASSERT_NE(again.port(), 0) << again.process().output();
  std::set<int> found;
  bool stray = false;
  auto until = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    found.clear();
    std::string cursor;
    for (;;) {
      std::string path = "/api/v1/logs/query?start=0&limit=5000&query=service%3Adurable";
      if (!cursor.empty()) path += "&cursor=" + urlEncode(cursor);
      again.process().running();
      auto r = httpGet(again.port(), path, server_->authHeader());
      ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
      json page = json::parse(r->body);
      for (const json& rec : page["records"]) {
        int seq = std::stoi(rec["message"].get<std::string>().substr(4));
        stray |= seq >= after + kBatch;
        found.insert(seq);
      }
      if (page["next_cursor"].is_null()) break;
      cursor = page["next_cursor"];
    }
    if (static_cast<int>(found.size()) >= before) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  int missing = 0;
  for (int seq = 0; seq < before; ++seq)
    missing += found.count(seq) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0) << "acknowledged before the backup: " << before << ", found "
                        << found.size();
  EXPECT_FALSE(stray) << "a line that was never acknowledged appeared";
  // Whole batches only: a batch is one durable write, so a backup holds all of it or none.
  EXPECT_EQ(found.size() % kBatch, 0u) << found.size();
}

}  // namespace
}  // namespace pharos::testing
