// The prober against real targets on loopback that misbehave: every bad input of the issue
// ends as a down result with a reason naming what went wrong, within the check's timeout,
// and a 1 GB body costs no more memory than the client's 1 MiB cap.
#include "health/probe.h"

// <utility> before any Asio header: Boost 1.74 uses std::exchange without including it.
#include <utility>

#include <openssl/x509.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "e2e/process.h"
#include "fakes/temp_dir.h"
#include "health/health_test_util.h"
#include "health/loopback_targets.h"
#include "net/dns_client.h"
#include "net/fake_dns_server.h"
#include "net/http_server.h"
#include "net/outbound_client.h"
#include "net/self_signed_cert.h"

namespace pharos::health {
namespace {

using namespace std::chrono_literals;
using net::testing::echoAnswer;
using net::testing::FakeDnsServer;
using testing::conditions;
using testing::Nginx;
using testing::ScriptedTcpServer;
using SteadyClock = std::chrono::steady_clock;

struct TimedResult {
  ProbeResult result;
  SteadyClock::duration took{};
};

// What the engine gives the prober: the outbound client, a DNS client on an event loop of its
// own, and that loop's timers for the backoff between attempts.
class ProbeTest : public ::testing::Test {
 protected:
  ProbeTest() : loop_([this] { ioc_.run(); }) {}
  ~ProbeTest() override {
    work_.reset();
    loop_.join();
  }

  TimedResult probe(CheckSpec spec) {
    std::promise<ProbeResult> done;
    auto start = SteadyClock::now();
    prober_.run(std::make_shared<const CheckSpec>(std::move(spec)),
                [&](ProbeResult r) { done.set_value(std::move(r)); });
    ProbeResult result = done.get_future().get();
    return {std::move(result), SteadyClock::now() - start};
  }

  static CheckSpec http(std::string url, Millis timeout = 1s) {
    CheckSpec s;
    s.name = "target";
    s.type = CheckType::kHttp;
    s.url = std::move(url);
    s.timeout = timeout;
    s.interval = std::max<Millis>(timeout, 1s);
    return s;
  }

  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(ioc_)};
  std::thread loop_;
  net::OutboundPolicy policy_{config::Environment::kProd};
  net::OutboundClient client_{policy_, {}};
  net::DnsClient dns_{ioc_, policy_};
  Prober prober_{client_, dns_, [this](Millis delay, std::function<void()> work) {
                   auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, delay);
                   timer->async_wait([timer, work = std::move(work)](boost::system::error_code ec) {
                     if (!ec) work();
                   });
                 }};
};

TEST_F(ProbeTest, TargetThatNeverAnswersIsDownAtItsTimeout) {
  ScriptedTcpServer silent(ScriptedTcpServer::holdSilently);
  TimedResult r = probe(http(silent.url("/health")));
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.error, "timed out after 1000 ms while waiting for the response (127.0.0.1:" +
                                std::to_string(silent.port()) + ")");
  EXPECT_FALSE(r.result.status.has_value());
  EXPECT_EQ(r.result.attempts, 1);
  EXPECT_GE(r.took, 950ms);
  EXPECT_LT(r.took, 1500ms);
  EXPECT_EQ(silent.accepted(), 1);
}

// Sends `bytes` one every 200 ms: each read makes progress, so only the check's own deadline
// ends the wait.
void drip(int fd, const ScriptedTcpServer& server, std::string_view bytes) {
  for (char c : bytes) {
    if (!server.send(fd, std::string_view(&c, 1)) || !server.idle(fd, 200)) return;
  }
}

TEST_F(ProbeTest, TargetThatDripsBytesIsCutAtTheTimeout) {
  const std::string header = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  const std::string body(100, 'x');

  ScriptedTcpServer slowBody([&](int fd, const ScriptedTcpServer& server) {
    if (server.readRequest(fd) && server.send(fd, header)) drip(fd, server, body);
  });
  TimedResult r = probe(http(slowBody.url("/")));
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.error, "timed out after 1000 ms while reading the body (127.0.0.1:" +
                                std::to_string(slowBody.port()) + ")");
  EXPECT_GE(r.took, 950ms);
  EXPECT_LT(r.took, 1500ms);

  ScriptedTcpServer slowHeader([&](int fd, const ScriptedTcpServer& server) {
    if (server.readRequest(fd)) drip(fd, server, header + body);
  });
  r = probe(http(slowHeader.url("/")));
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.error, "timed out after 1000 ms while waiting for the response (127.0.0.1:" +
                                std::to_string(slowHeader.port()) + ")");
  EXPECT_GE(r.took, 950ms);
  EXPECT_LT(r.took, 1500ms);
}

TEST_F(ProbeTest, GigabyteBodyIsCutAtOneMebibyteInBoundedMemory) {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<int> finished{0};  // connections the server gave up on
  ScriptedTcpServer flood([&](int fd, const ScriptedTcpServer& server) {
    if (!server.readRequest(fd)) return;
    server.send(fd,
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                "Content-Length: 1073741824\r\n\r\n");
    static const std::string zeros(64 * 1024, '\0');
    while (server.send(fd, zeros))
      sent += zeros.size();
    ++finished;
  });
  CheckSpec spec = http(flood.url("/big"), 5s);
  spec.conditions = conditions({"[STATUS] == 200", "[BODY] == ok"});

  // Warm up what a first probe allocates once (TLS context, resolver, pools), so the second
  // is measured alone.
  (void)probe(spec);
  std::int64_t before = pharos::testing::residentKiB(getpid());
  std::atomic<std::int64_t> peak{before};
  std::atomic<bool> measuring{true};
  std::thread sampler([&] {
    while (measuring) {
      std::int64_t now = pharos::testing::residentKiB(getpid());
      if (now > peak) peak = now;
      std::this_thread::sleep_for(2ms);
    }
  });
  TimedResult r = probe(spec);
  measuring = false;
  sampler.join();

  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.status, 200);
  EXPECT_NE(r.result.error.find("[BODY]"), std::string::npos) << r.result.error;
  EXPECT_NE(r.result.error.find("(the body was cut at 1024 KiB; the response was longer)"),
            std::string::npos)
      << r.result.error;
  EXPECT_LT(r.took, 1s);
  ASSERT_GT(before, 0);
  EXPECT_LT(peak - before, 8 * 1024) << "RSS grew from " << before << " KiB to " << peak << " KiB";
  // The client stopped reading: the server's writes fail long before a gigabyte, on both
  // connections (the warm-up's and the measured one's).
  for (int i = 0; i < 200 && finished < 2; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(finished.load(), 2);
  EXPECT_LT(sent.load(), 64ULL << 20);
}

class TlsProbeTest : public ProbeTest {
 protected:
  void SetUp() override {
    std::string cert = dir_.file("cert.pem");
    std::string key = dir_.file("key.pem");
    ASSERT_NO_FATAL_FAILURE(net::testing::writeSelfSignedCert(cert, key, 11, "localhost",
                                                              "DNS:localhost,IP:127.0.0.1"));
    auto router = std::make_shared<net::Router>();
    router->add("GET", "/health",
                [](net::HttpRequest&) { return net::HttpResponse::text(200, "ok"); });
    net::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.tlsCertFile = cert;
    options.tlsKeyFile = key;
    Result<net::HttpServerPtr> server = net::HttpServer::start(options, router);
    ASSERT_TRUE(server.ok()) << server.error().toString();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    if (server_) server_->stop(0ms);
  }

  CheckSpec tls() const {
    CheckSpec s;
    s.name = "cert";
    s.type = CheckType::kTls;
    s.host = "127.0.0.1";
    s.port = server_->port();
    s.timeout = 2s;
    s.interval = 2s;
    return s;
  }
  std::string https() const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + "/health";
  }

  pharos::testing::TempDir dir_;
  net::HttpServerPtr server_;
};

TEST_F(TlsProbeTest, SelfSignedCertificateIsDownNamingTheVerdict) {
  std::string selfSigned = X509_verify_cert_error_string(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);

  TimedResult t = probe(tls());
  EXPECT_FALSE(t.result.ok);
  EXPECT_EQ(t.result.error, "certificate not valid: " + selfSigned);
  EXPECT_LT(t.took, 2s);

  TimedResult h = probe(http(https(), 2s));
  EXPECT_FALSE(h.result.ok);
  EXPECT_EQ(h.result.error, "TLS handshake with 127.0.0.1:" + std::to_string(server_->port()) +
                                " failed: certificate not trusted: " + selfSigned);
  EXPECT_FALSE(h.result.status.has_value());
  EXPECT_LT(h.took, 2s);

  // The same targets pass when the check says not to verify: the certificate was the reason.
  CheckSpec lax = tls();
  lax.verifyTls = false;
  t = probe(lax);
  EXPECT_TRUE(t.result.ok) << t.result.error;
  ASSERT_TRUE(t.result.certExpiresInMs.has_value());
  EXPECT_GT(*t.result.certExpiresInMs, 23 * 3'600'000LL);
  EXPECT_LE(*t.result.certExpiresInMs, 24 * 3'600'000LL);

  CheckSpec laxHttps = http(https(), 2s);
  laxHttps.verifyTls = false;
  laxHttps.conditions = conditions({"[STATUS] == 200", "[CERT_EXPIRES_IN] > 12h"});
  h = probe(laxHttps);
  EXPECT_TRUE(h.result.ok) << h.result.error;
  EXPECT_EQ(h.result.status, 200);
}

CheckSpec dns(const std::string& server, Millis timeout = 1s) {
  CheckSpec s;
  s.name = "resolver";
  s.type = CheckType::kDns;
  s.server = server;
  s.host = "web.test";
  s.record = "A";
  s.timeout = timeout;
  s.interval = 1s;
  return s;
}

TEST_F(ProbeTest, DnsServerThatLiesOrIsSilentIsDownAtTheTimeout) {
  FakeDnsServer liar([](const std::string& q) {
    std::string wrongId = echoAnswer(q);
    wrongId[0] = static_cast<char>(wrongId[0] ^ 0x21);
    return std::vector<std::string>{wrongId};
  });
  TimedResult r = probe(dns(liar.address()));
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.error, "timed out after 1s waiting for the UDP answer from " + liar.address() +
                                " (1 mismatched answer ignored)");
  EXPECT_GE(r.took, 950ms);
  EXPECT_LT(r.took, 1500ms);
  EXPECT_EQ(liar.queries(), 1);

  FakeDnsServer silent([](const std::string&) { return std::vector<std::string>{}; });
  r = probe(dns(silent.address()));
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.error,
            "timed out after 1s waiting for the UDP answer from " + silent.address());
  EXPECT_GE(r.took, 950ms);
  EXPECT_LT(r.took, 1500ms);

  // An honest server answering the same question (no records, NOERROR) is up.
  FakeDnsServer honest(
      [](const std::string& q) { return std::vector<std::string>{echoAnswer(q)}; });
  r = probe(dns(honest.address()));
  EXPECT_TRUE(r.result.ok) << r.result.error;
  EXPECT_LT(r.took, 500ms);
}

TEST_F(ProbeTest, RedirectLoopStopsAtMaxRedirects) {
  Nginx nginx(
      "    location = /loop { return 302 /loop; }\n"
      "    location = /health { return 200 '{\"status\":\"ok\"}'; }\n");
  ASSERT_NE(nginx.port(), 0);

  CheckSpec loop = http(nginx.url("/loop"), 2s);
  loop.maxRedirects = 3;
  TimedResult r = probe(loop);
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.error, "stopped after 3 redirects (at " + nginx.url("/loop") + ")");
  EXPECT_LT(r.took, 1s);

  // Without following, a check reports what the URL answers: a redirect, below 400.
  loop.maxRedirects = 0;
  r = probe(loop);
  EXPECT_TRUE(r.result.ok) << r.result.error;
  EXPECT_EQ(r.result.status, 302);

  // And nginx itself is a fine target.
  CheckSpec health = http(nginx.url("/health"), 2s);
  health.conditions = conditions({"[STATUS] == 200", "[BODY].status == ok"});
  r = probe(health);
  EXPECT_TRUE(r.result.ok) << r.result.error;
  ASSERT_EQ(r.result.conditions.size(), 2u);
  EXPECT_TRUE(r.result.conditions[1].success);
}

TEST_F(ProbeTest, RetriesStayInsideTheTimeout) {
  // A server that hangs up on every request fails at once: with 2 retries (100 ms, then
  // 200 ms backoff) there is time for all three attempts inside 1 s, and the result counts them.
  ScriptedTcpServer closed([](int fd, const ScriptedTcpServer& server) { server.readRequest(fd); });
  uint16_t port = closed.port();
  CheckSpec spec = http(closed.url("/"), 1s);
  spec.retries = 2;
  TimedResult r = probe(spec);
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.attempts, 3);
  EXPECT_GE(r.took, 300ms);
  EXPECT_LT(r.took, 1s);
  EXPECT_EQ(r.result.error,
            "no valid response from 127.0.0.1:" + std::to_string(port) + ": end of stream");
  EXPECT_EQ(closed.accepted(), 3);
}

}  // namespace
}  // namespace pharos::health
