// The log pipeline through the real binary, auth on: every ingest protocol (byte-exact
// Fluent Bit requests, logger and rsyslog over syslog), search, patterns, the live tail, the
// CLI, bad input, and kill -9 with nothing acknowledged lost.
#include <signal.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fakes/free_port.h"
#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "pharos_server.h"
#include "tcp_client.h"

namespace pharos::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace fs = std::filesystem;

const fs::path kCaptures = fs::path(PHAROS_SOURCE_DIR) / "tests/e2e/data/fluent-bit";

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Sends raw bytes on one connection and reads one response.
std::optional<Response> sendRaw(uint16_t port, const std::string& bytes) {
  Client c(port);
  if (!c.connected() || !c.send(bytes)) return std::nullopt;
  return c.read();
}

class LogsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { startServer(); }

  void startServer(std::vector<std::string> extra = {}) {
    server_ = std::make_unique<Server>(dir_.file("data"), extra);
    ASSERT_NE(server_->port(), 0) << server_->process().output();
    ASSERT_NE(server_->syslogPort(), 0) << server_->process().output();
    // A first start prints the installation's key. A fresh data directory is a new
    // installation, except on shared backends, where the key stays in the shared store.
    if (!server_->adminKey().empty()) key_ = server_->adminKey();
    ASSERT_FALSE(key_.empty()) << server_->process().output();
  }

  std::string auth() const { return "Authorization: Bearer " + key_ + "\r\n"; }

  // `range`: "&start=…&end=…" instead of everything from the epoch on.
  json query(const std::string& q, const std::string& range = "&start=0") {
    auto r = httpGet(server_->port(), "/api/v1/logs/query?limit=1000&query=" + urlEncode(q) + range,
                     auth());
    if (!r || r->status != 200)
      return json{{"status", r ? r->status : 0}, {"body", r ? r->body : ""}};
    return json::parse(r->body);
  }

  // Polls until the query finds at least `n` records (processing is asynchronous).
  json waitFor(const std::string& q, std::size_t n, seconds timeout = seconds(15)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      last = query(q);
      if (last.contains("records") && last["records"].size() >= n) return last;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return last;
  }

  std::size_t count(const std::string& q) {
    json r = query(q);
    return r.contains("records") ? r["records"].size() : 0;
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::string key_;
};

// A query that finds one sample.log line: the words of the message it becomes (a JSON
// line's "msg", a logfmt line's msg=, else the whole line), lowercased so no word is an
// operator, split as the index splits (letters, digits and '_').
std::string queryForLine(const std::string& line) {
  std::string message = line;
  if (line.starts_with("{")) {
    json j = json::parse(line, nullptr, false);
    for (const char* key : {"msg", "message", "log"})
      if (j.is_object() && j.contains(key) && j[key].is_string()) message = j[key];
  } else if (auto at = line.find("msg="); at != std::string::npos) {
    at += 4;
    bool quoted = line[at] == '"';
    if (quoted) ++at;
    message = line.substr(at, line.find(quoted ? '"' : ' ', at) - at);
  }
  // Up to the first escape or control character: a JSON line shipped inside another JSON
  // document keeps them escaped in its message.
  message = message.substr(0, std::min(message.find('\\'), message.find('\t')));
  std::string q, word;
  auto flush = [&] {
    if (word.size() >= 2 && word != "and" && word != "or" && word != "not") {
      if (!q.empty()) q += ' ';
      q += word;
    }
    word.clear();
  };
  for (char c : message) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80) != 0) {
      word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      flush();
    }
  }
  flush();
  return q;
}

std::vector<std::string> sampleLines() {
  std::vector<std::string> lines;
  std::istringstream in(readFile(kCaptures / "sample.log"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

TEST_F(LogsE2eTest, NativeLinesAreSearchableByTermFieldComparisonAndStats) {
  std::string body =
      R"({"timestamp":"2026-12-01T10:00:00Z","service":"checkout","level":"error","message":"payment gateway timeout after 3000 ms","order":"A-17"})"
      "\n"
      R"({"timestamp":"2026-12-01T10:00:01Z","service":"checkout","level":"info","message":"order placed","status":201})"
      "\n"
      R"({"timestamp":"2026-12-01T10:00:02Z","service":"search","level":"warn","message":"slow query","latency_ms":812})"
      "\n";
  auto r = httpPost(server_->port(), "/api/v1/logs", body,
                    auth() + "Content-Type: application/x-ndjson\r\n");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(json::parse(r->body)["accepted"], 3);

  json found = waitFor("gateway timeout", 1);
  ASSERT_EQ(found["records"].size(), 1u) << found.dump();
  EXPECT_EQ(found["records"][0]["service"], "checkout");
  EXPECT_EQ(found["records"][0]["level"], "error");
  EXPECT_EQ(found["records"][0]["attributes"]["order"], "A-17");
  EXPECT_EQ(found["records"][0]["timestamp"], "2026-12-01T10:00:00.000000000Z");

  EXPECT_EQ(count("service:checkout"), 2u);
  EXPECT_EQ(count("level>=warn"), 2u);
  EXPECT_EQ(count("service:checkout AND NOT level:error"), 1u);
  EXPECT_EQ(count("\"order placed\""), 1u);
  EXPECT_EQ(count("latency_ms>500"), 1u);
  EXPECT_EQ(count("status:201"), 1u);

  json stats = query("| stats count() by (service)");
  ASSERT_TRUE(stats.contains("stats")) << stats.dump();
  std::map<std::string, int> byService;
  for (const auto& row : stats["stats"])
    byService[row["service"].get<std::string>()] = row["count"].get<int>();
  EXPECT_EQ(byService["checkout"], 2);
  EXPECT_EQ(byService["search"], 1);

  // A narrow time range leaves the others out.
  json ranged =
      query("service:checkout", "&start=2026-12-01T10:00:00.500Z&end=2026-12-01T10:00:05Z");
  EXPECT_EQ(ranged["records"].size(), 1u) << ranged.dump();

  auto patterns =
      httpGet(server_->port(), "/api/v1/logs/patterns?start=0&service=checkout", auth());
  ASSERT_TRUE(patterns);
  ASSERT_EQ(patterns->status, 200) << patterns->body;
  EXPECT_EQ(json::parse(patterns->body)["patterns"].size(), 2u) << patterns->body;
}

TEST_F(LogsE2eTest, CursorPagesThroughEverythingNewestFirst) {
  std::string body;
  for (int i = 0; i < 250; ++i) {
    body += R"({"timestamp":)" + std::to_string(1'764'000'000 + i) +
            R"(,"service":"pager","message":"page line )" + std::to_string(i) + "\"}\n";
  }
  ASSERT_EQ(httpPost(server_->port(), "/api/v1/logs", body, auth())->status, 202);
  ASSERT_EQ(waitFor("service:pager", 250)["records"].size(), 250u);
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    std::string path = "/api/v1/logs/query?start=0&limit=100&query=service%3Apager";
    if (!cursor.empty()) path += "&cursor=" + urlEncode(cursor);
    auto r = httpGet(server_->port(), path, auth());
    ASSERT_EQ(r->status, 200) << r->body;
    json j = json::parse(r->body);
    for (const auto& rec : j["records"])
      seen.push_back(rec["message"]);
    if (j["next_cursor"].is_null()) break;
    cursor = j["next_cursor"];
  }
  ASSERT_EQ(seen.size(), 250u);
  EXPECT_EQ(seen.front(), "page line 249");
  EXPECT_EQ(seen.back(), "page line 0");
}

// Each Fluent Bit output's requests, byte for byte as captured (only the credentials, and
// the http output's configured path, are ours), into a fresh server: every sample.log line
// must be found again.
TEST_F(LogsE2eTest, FluentBitRequestsAreAcceptedAsSentAndEveryLineIsFound) {
  std::vector<std::string> variants = {"es/default",
                                       "es/gzip-logstash",
                                       "http/json",
                                       "http/json_lines",
                                       "http/json_lines-gzip",
                                       "loki/json",
                                       "loki/gzip-key_value",
                                       "opentelemetry/protobuf",
                                       "opentelemetry/protobuf-gzip",
                                       "opentelemetry/protobuf-zstd",
                                       "opentelemetry/protobuf-body_key_attributes",
                                       "opentelemetry/protobuf-defaults-3-inputs"};
  auto lines = sampleLines();
  ASSERT_EQ(lines.size(), 20u);
  for (const auto& variant : variants) {
    SCOPED_TRACE(variant);
    // A clean stop: on shared backends it gives up the leases of the modules that run once,
    // which the next data directory's process (another node) must take at its start.
    EXPECT_EQ(server_->process().signalAndWait(SIGTERM, seconds(15)), 0);
    server_.reset();
    fs::remove_all(dir_.file("data"));
    startServer();
    std::vector<fs::path> requests;
    for (const auto& e : fs::directory_iterator(kCaptures / variant))
      if (e.path().string().ends_with(".raw.bin")) requests.push_back(e.path());
    std::sort(requests.begin(), requests.end());
    ASSERT_FALSE(requests.empty());
    for (const auto& path : requests) {
      std::string bytes = readFile(path);
      // Our credentials after the request line; the http output was pointed at /ingest.
      std::size_t eol = bytes.find("\r\n");
      bytes.insert(eol + 2, auth());
      if (bytes.starts_with("POST /ingest ")) bytes.replace(5, 7, "/api/v1/logs");
      auto r = sendRaw(server_->port(), bytes);
      ASSERT_TRUE(r) << path;
      EXPECT_GE(r->status, 200) << path << " " << r->body;
      EXPECT_LT(r->status, 300) << path << " " << r->body;
    }
    for (const auto& line : lines) {
      json found = waitFor(queryForLine(line), 1, seconds(10));
      EXPECT_GE(found.value("records", json::array()).size(), 1u) << line << "\n" << found.dump();
    }
  }
}

TEST_F(LogsE2eTest, SyslogOverTcpAndUdpFromLoggerAndFromACapturedStream) {
  // Fluent Bit's syslog output, the whole TCP stream as captured (RFC 5424 and 3164).
  for (const char* variant : {"rfc5424-tcp", "rfc3164-tcp"}) {
    ASSERT_TRUE(
        sendTcp(server_->syslogPort(), readFile(kCaptures / "syslog" / variant / "001.body.bin")));
  }
  json found = waitFor("service:fluent-bit", 40);
  EXPECT_GE(found["records"].size(), 40u) << found.dump().substr(0, 2000);
  if (!found["records"].empty()) {
    EXPECT_EQ(found["records"][0]["host"], "fb-host");
  }

  std::string port = std::to_string(server_->syslogPort());
  auto [c1, o1] = run({"/usr/bin/logger", "--tcp", "-n", "127.0.0.1", "-P", port, "--rfc5424", "-t",
                       "e2eapp", "-p", "user.err", "tcp newline framed zebra"});
  EXPECT_EQ(c1, 0) << o1;
  auto [c2, o2] = run({"/usr/bin/logger", "--tcp", "--octet-count", "-n", "127.0.0.1", "-P", port,
                       "--rfc5424", "-t", "e2eapp", "tcp octet counted giraffe"});
  EXPECT_EQ(c2, 0) << o2;
  auto [c3, o3] = run({"/usr/bin/logger", "--udp", "-n", "127.0.0.1", "-P", port, "--rfc3164", "-t",
                       "e2eudp", "udp datagram okapi"});
  EXPECT_EQ(c3, 0) << o3;
  json zebra = waitFor("zebra", 1);
  ASSERT_EQ(zebra["records"].size(), 1u) << zebra.dump();
  EXPECT_EQ(zebra["records"][0]["service"], "e2eapp");
  EXPECT_EQ(zebra["records"][0]["level"], "error");
  EXPECT_EQ(zebra["records"][0]["message"], "tcp newline framed zebra");
  EXPECT_EQ(waitFor("giraffe", 1)["records"].size(), 1u);
  json okapi = waitFor("okapi service:e2eudp", 1);
  EXPECT_EQ(okapi["records"].size(), 1u) << okapi.dump();

  // A last line without its newline, then the connection closes: kept.
  ASSERT_TRUE(sendTcp(
      server_->syslogPort(),
      "<13>1 - - tailapp - - - first full line\n<13>1 - - tailapp - - - unterminated walrus"));
  EXPECT_EQ(waitFor("walrus", 1)["records"].size(), 1u);
}

TEST_F(LogsE2eTest, RsyslogForwardsOverTcpWithOctetCounting) {
  if (!fs::exists("/usr/sbin/rsyslogd")) GTEST_SKIP() << "rsyslog is not installed";
  uint16_t inPort = freeLoopbackPort();
  std::string conf = dir_.file("rsyslog.conf");
  std::ofstream(conf) << "global(workDirectory=\"" << dir_.path().string() << "\")\n"
                      << "module(load=\"imtcp\")\n"
                      << "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" << inPort << "\")\n"
                      << "*.* action(type=\"omfwd\" target=\"127.0.0.1\" port=\""
                      << server_->syslogPort()
                      << "\" protocol=\"tcp\" TCP_Framing=\"octet-counted\" "
                         "template=\"RSYSLOG_SyslogProtocol23Format\")\n";
  Process rsyslog({"/usr/sbin/rsyslogd", "-n", "-f", conf, "-i", dir_.file("rsyslog.pid")});
  // rsyslog is ready when its port accepts.
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = sendTcp(inPort, "");
    if (!up) std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(up) << rsyslog.output();
  for (int i = 0; i < 5; ++i) {
    auto [code, out] =
        run({"/usr/bin/logger", "--tcp", "-n", "127.0.0.1", "-P", std::to_string(inPort), "-t",
             "viarsyslog", "forwarded line " + std::to_string(i) + " narwhal"});
    ASSERT_EQ(code, 0) << out;
  }
  json found = waitFor("narwhal", 5, seconds(20));
  EXPECT_EQ(found["records"].size(), 5u) << found.dump() << rsyslog.output();
  if (!found["records"].empty()) {
    EXPECT_EQ(found["records"][0]["service"], "viarsyslog");
  }
  rsyslog.signalAndWait(SIGTERM, seconds(10));
}

TEST_F(LogsE2eTest, LiveTailStreamsMatchingLinesAsServerSentEvents) {
  Client tail(server_->port());
  ASSERT_TRUE(tail.connected());
  ASSERT_TRUE(tail.send("GET /api/v1/logs/tail?query=service%3Atailme HTTP/1.1\r\nHost: x\r\n" +
                        auth() + "\r\n"));
  std::this_thread::sleep_for(milliseconds(300));
  std::string body = R"({"service":"other","message":"not for the tail"})"
                     "\n"
                     R"({"service":"tailme","message":"hello from the tail"})"
                     "\n";
  ASSERT_EQ(httpPost(server_->port(), "/api/v1/logs", body, auth())->status, 202);
  auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (std::chrono::steady_clock::now() < deadline &&
         tail.pending().find("hello from the tail") == std::string::npos) {
    tail.closedWithin(milliseconds(200));
  }
  EXPECT_NE(tail.pending().find("text/event-stream"), std::string::npos) << tail.pending();
  EXPECT_NE(tail.pending().find("data: {"), std::string::npos) << tail.pending();
  EXPECT_NE(tail.pending().find("hello from the tail"), std::string::npos) << tail.pending();
  EXPECT_EQ(tail.pending().find("not for the tail"), std::string::npos) << tail.pending();
}

TEST_F(LogsE2eTest, BadInputGetsAClearErrorAndIsCounted) {
  auto port = server_->port();
  auto r = httpPost(port, "/api/v1/logs", "{\"message\": \"ok\"}\n{broken json\n", auth());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;  // the good line is kept, the bad one named
  EXPECT_EQ(json::parse(r->body)["rejected"], 1) << r->body;
  EXPECT_NE(r->body.find("line 2"), std::string::npos) << r->body;

  r = httpPost(port, "/v1/logs", "hello", auth() + "Content-Type: text/plain\r\n");
  EXPECT_EQ(r->status, 415) << r->body;
  r = httpPost(port, "/v1/logs", std::string("\x0a\xff\xff\xff\xff\x0f", 6),
               auth() + "Content-Type: application/x-protobuf\r\n");
  EXPECT_EQ(r->status, 400) << r->body;
  r = httpPost(port, "/loki/api/v1/push", "{\"streams\": 5}",
               auth() + "Content-Type: application/json\r\n");
  EXPECT_EQ(r->status, 400) << r->body;

  // In JSON, invalid UTF-8 makes the line invalid: refused, and named. A NUL (written \u0000)
  // is replaced and a 1 MB line is cut at logs.max_line_bytes; both counted.
  std::string invalid = std::string("{\"message\":\"bad \xff byte\"}\n");
  std::string nul = "{\"message\":\"nul \\u0000 here okapi\"}\n";
  std::string huge = "{\"message\":\"" + std::string(1 << 20, 'x') + " longline\"}\n";
  r = httpPost(port, "/api/v1/logs", invalid + nul + huge, auth());
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(json::parse(r->body)["rejected"], 1) << r->body;
  EXPECT_EQ(json::parse(r->body)["accepted"], 2) << r->body;
  json found = waitFor("okapi", 1);
  ASSERT_EQ(found["records"].size(), 1u) << found.dump();
  EXPECT_EQ(found["records"][0]["message"], "nul \xEF\xBF\xBD here okapi");
  // Syslog carries raw bytes: invalid UTF-8 there is replaced, not refused.
  ASSERT_TRUE(sendTcp(server_->syslogPort(), "<14>1 - - rawapp - - - raw \xff\xfe bytes quagga\n"));
  found = waitFor("quagga", 1);
  ASSERT_EQ(found["records"].size(), 1u) << found.dump();
  EXPECT_NE(found["records"][0]["message"].get<std::string>().find("\xEF\xBF\xBD"),
            std::string::npos);
  auto metrics = httpGet(port, "/metrics", auth());
  EXPECT_NE(metrics->body.find("pharos_logs_sanitised_total{reason=\"invalid_utf8\"} 2"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("pharos_logs_sanitised_total{reason=\"nul_byte\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("pharos_logs_sanitised_total{reason=\"truncated\"} 1"),
            std::string::npos);
  // The broken NDJSON line, the protobuf and Loki bodies, the invalid UTF-8 line.
  EXPECT_NE(metrics->body.find("pharos_logs_rejected_total{reason=\"malformed\"} 4"),
            std::string::npos)
      << metrics->body.substr(metrics->body.find("pharos_logs_rejected"), 300);

  // Unauthenticated ingest is refused.
  EXPECT_EQ(httpPost(port, "/api/v1/logs", "{\"message\":\"x\"}", "")->status, 401);
  // A query that does not parse says where.
  auto q = httpGet(port, "/api/v1/logs/query?query=" + urlEncode("(level:error"), auth());
  EXPECT_EQ(q->status, 400);
  EXPECT_NE(q->body.find("column"), std::string::npos) << q->body;
}

// A writer posts numbered lines as fast as it can; the server is killed with SIGKILL in the
// middle. After a restart every line whose batch was acknowledged is found.
TEST_F(LogsE2eTest, KillNineLosesNothingAcknowledged) {
  std::atomic<bool> stop{false};
  std::vector<int> acked;
  std::thread writer([&] {
    for (int batch = 0; !stop; ++batch) {
      std::string body;
      for (int i = 0; i < 100; ++i) {
        body += "{\"service\":\"durable\",\"message\":\"seq" + std::to_string(batch * 100 + i) +
                " kept\"}\n";
      }
      auto r = httpPost(server_->port(), "/api/v1/logs", body, auth());
      if (!r) break;
      if (r->status == 202) {
        for (int i = 0; i < 100; ++i)
          acked.push_back(batch * 100 + i);
      }
    }
  });
  std::this_thread::sleep_for(milliseconds(1500));
  ::kill(server_->process().pid(), SIGKILL);
  stop = true;
  writer.join();
  server_->process().wait(seconds(10));
  ASSERT_GT(acked.size(), 100u);

  server_.reset();
  startServer();
  std::set<int> found;
  auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (found.size() < acked.size() && std::chrono::steady_clock::now() < deadline) {
    found.clear();
    std::string cursor;
    while (true) {
      std::string path = "/api/v1/logs/query?start=0&limit=5000&query=service%3Adurable";
      if (!cursor.empty()) path += "&cursor=" + urlEncode(cursor);
      auto r = httpGet(server_->port(), path, auth());
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200) << r->body;
      json j = json::parse(r->body);
      for (const auto& rec : j["records"]) {
        std::string m = rec["message"];
        found.insert(std::stoi(m.substr(3)));
      }
      if (j["next_cursor"].is_null()) break;
      cursor = j["next_cursor"];
    }
    if (found.size() < acked.size()) std::this_thread::sleep_for(milliseconds(200));
  }
  std::size_t missing = 0;
  for (int seq : acked)
    if (!found.count(seq)) ++missing;
  EXPECT_EQ(missing, 0u) << "acknowledged " << acked.size() << ", found " << found.size();
}

TEST_F(LogsE2eTest, CommandLineQueriesPatternsAndTails) {
  std::string body =
      R"({"service":"cli","level":"error","message":"disk quota exceeded for user 42"})"
      "\n";
  ASSERT_EQ(httpPost(server_->port(), "/api/v1/logs", body, auth())->status, 202);
  ASSERT_EQ(waitFor("quota", 1)["records"].size(), 1u);
  // On the shared backends the command reads the index on PostgreSQL, so it needs the config
  // that says so.
  std::vector<std::string> args{PHAROS_BINARY, "logs", "query",  "quota level:error",
                                "--since",     "1h",   "--data", dir_.file("data")};
  std::vector<std::string> env;
  useSharedBackends(args, env);
  auto [code, out] = run(args, env);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("disk quota exceeded for user 42"), std::string::npos) << out;

  std::string file = dir_.file("app.log");
  std::ofstream(file) << "user 1 logged in\r\nuser 22 logged in\r\nconnection reset by peer";
  auto [pcode, pout] = run({PHAROS_BINARY, "patterns", file});
  EXPECT_EQ(pcode, 0) << pout;
  std::vector<std::string> rows;
  std::istringstream in(pout);
  for (std::string line; std::getline(in, line);)
    rows.push_back(line);
  ASSERT_EQ(rows.size(), 3u) << pout;
  EXPECT_EQ(rows[0].substr(0, rows[0].find(',')), rows[1].substr(0, rows[1].find(',')));
  EXPECT_NE(rows[0].substr(0, rows[0].find(',')), rows[2].substr(0, rows[2].find(',')));
}

}  // namespace
}  // namespace pharos::testing
