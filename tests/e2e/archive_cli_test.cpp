// `pharos logs archive cat` on what a real `pharos serve` archived: the lines come back
// exactly, as raw lines and as JSON, from templated and whole objects, from the data
// directory's files and from copies as a bucket holds them, sealed or not.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "pharos_server.h"
#include "process.h"
#include "tcp_client.h"

namespace pharos::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A local store's object file starts with a header of its own (objects/local/object_file.h);
// a bucket holds the bytes after it.
constexpr std::size_t kObjectFileHeaderBytes = 40;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::vector<std::string> cat(std::vector<std::string> args) {
  args.insert(args.begin(), {PHAROS_BINARY, "logs", "archive", "cat"});
  return args;
}

class ArchiveCliTest : public ::testing::Test {
 protected:
  // A server whose ingest log seals a segment at every MiB (the smallest allowed), so that a
  // test fills one in a moment. `yaml` is added to its config.
  void start(const std::string& yaml = "") {
    config_ = dir_.file("pharos.yaml");
    writeFile(config_, "logs:\n  segment_bytes: 1048576\n" + yaml);
    server_ = std::make_unique<Server>(data(), std::vector<std::string>{"--config", config_});
    ASSERT_NE(server_->syslogPort(), 0) << server_->process().output();
    syslog_ = std::make_unique<TcpConnection>(server_->syslogPort());
  }

  std::string data() const { return dir_.file("data"); }

  // The archive's object files, oldest first: their names begin with the segment's offset.
  std::vector<std::string> objects() const {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(data()) / "objects/archive/logs", ec))
      if (entry.path().filename().string().find("tmp") == std::string::npos)
        found.push_back(entry.path().string());
    std::sort(found.begin(), found.end());
    return found;
  }

  // Sends syslog lines on the test's one connection, so they reach the ingest log in order.
  void send(const std::vector<std::string>& lines) {
    std::string bytes;
    for (const std::string& line : lines) {
      bytes += line + "\n";
      sent_.push_back(line);
    }
    ASSERT_TRUE(syslog_->send(bytes));
  }

  // More than a segment of lines that repeat (templates pay: a .pla object), or of random
  // tokens (they do not: a .zst object).
  void sendSegment(bool random) {
    std::mt19937 rng(7);
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::vector<std::string> lines;
    for (int i = 0; i < 14'000; ++i) {
      std::string line = "<14>1 2026-12-01T10:00:00Z web checkout 4242 - - ";
      if (random) {
        for (int c = 0; c < 64; ++c)
          line.push_back(alphabet[rng() % alphabet.size()]);
      } else {
        line += "order " + std::to_string(i) + " placed in " + std::to_string(i % 97) + " ms";
      }
      lines.push_back(std::move(line));
    }
    send(lines);
  }

  // Sends a line now and then until there are `n` objects: a full segment is sealed by the
  // next batch after it, then archived in the background.
  void waitForObjects(std::size_t n) {
    auto deadline = std::chrono::steady_clock::now() + seconds(30);
    for (int i = 0; objects().size() < n; ++i) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << objects().size() << " object(s)\n"
                                                            << server_->process().output();
      send({"<14>1 2026-12-01T10:00:01Z web ticker - - - tick " + std::to_string(i)});
      std::this_thread::sleep_for(milliseconds(200));
    }
  }

  // That `out` is exactly the first lines sent (with the native lines before them), each on
  // a line of its own; how many.
  std::size_t expectFirstLinesSent(const std::string& out,
                                   const std::vector<std::string>& before = {}) {
    std::vector<std::string> expected = before;
    expected.insert(expected.end(), sent_.begin(), sent_.end());
    std::vector<std::string> lines = splitLines(out);
    EXPECT_TRUE(!out.empty() && out.back() == '\n');
    EXPECT_LE(lines.size(), expected.size());
    for (std::size_t i = 0; i < lines.size() && i < expected.size(); ++i) {
      if (lines[i] != expected[i]) {
        ADD_FAILURE() << "line " << i << " is '" << lines[i] << "', sent '" << expected[i] << "'";
        break;
      }
    }
    return lines.size();
  }

  TempDir dir_;
  std::string config_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<TcpConnection> syslog_;
  std::vector<std::string> sent_;  // syslog lines, in order
};

TEST_F(ArchiveCliTest, PrintsTheLinesOfTemplatedAndWholeObjectsAsTheyCame) {
  start();
  // Native lines first (acknowledged once durable, so before the syslog lines in the log):
  // the fields JSON gives back.
  std::string body =
      R"({"timestamp":"2026-12-01T10:00:00.5Z","service":"checkout","level":"ERROR","message":"payment declined","order":"A-17"})"
      "\n"
      R"({"service":"search","message":"slow query"})"
      "\n";
  auto posted = httpPost(server_->port(), "/api/v1/logs", body, server_->authHeader());
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202) << posted->body;
  const std::vector<std::string> native{"payment declined", "slow query"};

  sendSegment(/*random=*/false);
  waitForObjects(1);
  sendSegment(/*random=*/true);
  waitForObjects(2);
  std::vector<std::string> objs = objects();
  ASSERT_GE(objs.size(), 2u);
  EXPECT_TRUE(objs[0].ends_with(".pla")) << objs[0];
  EXPECT_TRUE(objs[1].ends_with(".zst")) << objs[1];  // random tokens do not template

  // Raw: the messages as they came, both objects in the order given, no config needed.
  auto [code, out] = run(cat({objs[0], objs[1]}));
  ASSERT_EQ(code, 0) << out.substr(0, 2000);
  std::size_t lines = expectFirstLinesSent(out, native);
  // Both segments, each cut where a batch took it past 1 MiB: about the 14,000 repeating lines,
  // then at least 1 MiB of the random ones (~9,000 lines).
  EXPECT_GT(lines, native.size() + 13'000 + 9'000) << "both segments, whole";
  auto [first, firstOut] = run(cat({objs[0]}));
  auto [second, secondOut] = run(cat({objs[1]}));
  ASSERT_EQ(first, 0);
  ASSERT_EQ(second, 0);
  EXPECT_EQ(firstOut + secondOut, out);
  auto [reversed, reversedOut] = run(cat({objs[1], objs[0]}));
  EXPECT_EQ(reversed, 0);
  EXPECT_TRUE(reversedOut == secondOut + firstOut) << "objects are read in the order given";

  // A copy as a bucket holds it (no local-store header) reads the same.
  std::string bucketCopy = dir_.file("00000000000000000000.pla");
  writeFile(bucketCopy, readFile(objs[0]).substr(kObjectFileHeaderBytes));
  auto [copyCode, copyOut] = run(cat({bucketCopy}));
  EXPECT_EQ(copyCode, 0) << copyOut.substr(0, 2000);
  EXPECT_TRUE(copyOut == firstOut);

  // JSON: every field of each entry.
  auto [jsonCode, jsonOut] = run(cat({"--format", "json", objs[0]}));
  ASSERT_EQ(jsonCode, 0) << jsonOut.substr(0, 2000);
  std::vector<std::string> jsonLines = splitLines(jsonOut);
  ASSERT_EQ(jsonLines.size(), splitLines(firstOut).size());
  json payment = json::parse(jsonLines[0]);
  std::string received = payment.value("received", "");
  EXPECT_TRUE(std::regex_match(received, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)")))
      << received;
  payment.erase("received");
  EXPECT_EQ(payment, json::parse(R"({"timestamp":"2026-12-01T10:00:00.500000000Z",
      "source":"native","service":"checkout","level":"ERROR","message":"payment declined",
      "attributes":{"order":"A-17"}})"));
  json query = json::parse(jsonLines[1]);
  EXPECT_FALSE(query.contains("timestamp")) << "none was sent";
  EXPECT_EQ(query["service"], "search");
  json frame = json::parse(jsonLines[2]);
  EXPECT_EQ(frame["source"], "syslog_tcp");
  EXPECT_EQ(frame["message"], sent_[0]);
  EXPECT_EQ(frame["service"], "");  // as taken in: the syslog header is parsed later
  EXPECT_FALSE(frame.contains("timestamp"));
  EXPECT_EQ(frame["received"].get<std::string>().substr(0, 4), received.substr(0, 4));

  // A damaged file: an error naming it, and the objects after it are still read.
  std::string damaged = dir_.file("damaged.pla");
  std::string bytes = readFile(objs[0]);
  bytes[bytes.size() / 2] ^= 0x20;
  writeFile(damaged, bytes);
  auto [badCode, badOut] = run(cat({damaged, objs[1]}));
  EXPECT_EQ(badCode, 1);
  EXPECT_NE(badOut.find("pharos logs archive cat: " + damaged + ": data_loss"), std::string::npos)
      << badOut.substr(0, 2000);
  EXPECT_NE(badOut.find(secondOut), std::string::npos) << "the next object is still printed";
  std::string garbage = dir_.file("garbage.pla");
  writeFile(garbage, "these bytes are no archive object");
  auto [garbageCode, garbageOut] = run(cat({garbage}));
  EXPECT_EQ(garbageCode, 1);
  EXPECT_NE(garbageOut.find(garbage + ": not a readable archive object: data_loss"),
            std::string::npos)
      << garbageOut;
  auto [missingCode, missingOut] = run(cat({dir_.file("nosuch.pla")}));
  EXPECT_EQ(missingCode, 1);
  EXPECT_NE(missingOut.find("nosuch.pla: not_found"), std::string::npos) << missingOut;
}

TEST_F(ArchiveCliTest, ASealedObjectOpensOnlyWithTheKeyringThatSealedIt) {
  std::string key = dir_.file("master.key");
  auto [made, madeOut] = run({PHAROS_BINARY, "keys", "init-master", key});
  ASSERT_EQ(made, 0) << madeOut;
  start("crypto:\n  master_key_file: " + key + "\n  encrypt_archive: true\n");
  sendSegment(/*random=*/false);
  waitForObjects(1);
  std::string object = objects()[0];
  ASSERT_TRUE(object.ends_with(".pla.sealed")) << object;
  EXPECT_EQ(readFile(object).find("order 1 placed"), std::string::npos) << "not encrypted";

  // With the config (which names the master key) and the data directory that wrote it.
  auto [code, out] = run(cat({"--config", config_, "--data", data(), object}));
  ASSERT_EQ(code, 0) << out.substr(0, 2000);
  // The segment ends at the batch that took it past 1 MiB, and batches are cut where TCP reads
  // end: about the 14,000 lines sent, a few more or fewer (it failed once, at exactly 14,000).
  EXPECT_GT(expectFirstLinesSent(out), 13'000u);
  // A copy as a bucket holds it opens the same way.
  std::string bucketCopy = dir_.file("copy.pla.sealed");
  writeFile(bucketCopy, readFile(object).substr(kObjectFileHeaderBytes));
  auto [copyCode, copyOut] = run(cat({"--config", config_, "--data", data(), bucketCopy}));
  EXPECT_EQ(copyCode, 0) << copyOut.substr(0, 2000);
  EXPECT_TRUE(copyOut == out);

  // Without the data directory's store.
  std::string elsewhere = dir_.file("elsewhere");
  fs::create_directories(elsewhere);
  auto [noStore, noStoreOut] = run(cat({"--config", config_, "--data", elsewhere, bucketCopy}));
  EXPECT_EQ(noStore, 1);
  EXPECT_NE(noStoreOut.find(bucketCopy + ": sealed with the archive key"), std::string::npos)
      << noStoreOut;
  EXPECT_NE(noStoreOut.find("keyring of the data directory that wrote it"), std::string::npos);
  EXPECT_NE(noStoreOut.find("no database at " + elsewhere), std::string::npos) << noStoreOut;
  // Without the master key (the config named it).
  auto [noKey, noKeyOut] = run(cat({"--data", data(), bucketCopy}));
  EXPECT_EQ(noKey, 1);
  EXPECT_NE(noKeyOut.find("no master key"), std::string::npos) << noKeyOut;
  EXPECT_NE(noKeyOut.find("PHAROS_MASTER_KEY"), std::string::npos) << noKeyOut;
  // With another master key.
  auto [wrongKey, wrongKeyOut] =
      run(cat({"--data", data(), bucketCopy}), {"PHAROS_MASTER_KEY=" + std::string(64, '7')});
  EXPECT_EQ(wrongKey, 1);
  EXPECT_NE(wrongKeyOut.find("the master key does not match"), std::string::npos) << wrongKeyOut;
  // Tampered with: the envelope does not open.
  std::string tampered = dir_.file("tampered.pla.sealed");
  std::string bytes = readFile(bucketCopy);
  bytes[bytes.size() - 5] ^= 0x01;
  writeFile(tampered, bytes);
  auto [tamperedCode, tamperedOut] = run(cat({"--config", config_, "--data", data(), tampered}));
  EXPECT_EQ(tamperedCode, 1);
  EXPECT_NE(tamperedOut.find("authentication failed"), std::string::npos) << tamperedOut;
  for (const std::string& failed : {noStoreOut, noKeyOut, wrongKeyOut, tamperedOut})
    EXPECT_EQ(failed.find("order 1 placed"), std::string::npos) << "no line of a failed object";
}

}  // namespace
}  // namespace pharos::testing
