// The DNS client against a real DNS server (dnsmasq, started here on loopback with its
// records on the command line) and against tiny UDP servers of the test's own that stay
// silent, lie, or truncate. dnsmasq is a requirement: without it these tests fail, they do
// not skip (scripts/setup.sh installs dnsmasq-base).
#include "net/dns_client.h"

// <utility> before any Asio header: Boost 1.74 uses std::exchange without including it.
#include <utility>

#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "e2e/process.h"
#include "fake_dns_server.h"
#include "fakes/temp_dir.h"
#include "net/dns_message.h"

namespace pharos::net {
namespace {

using namespace std::chrono_literals;
using pharos::testing::Process;
using pharos::testing::TempDir;
using testing::echoAnswer;
using testing::FakeDnsServer;

constexpr const char* kDnsmasq = "/usr/sbin/dnsmasq";

// A port free for UDP and TCP on both loopback addresses at the time of asking.
uint16_t freePort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int probe = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(probe);
    bool free = true;
    for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
      int fd = ::socket(AF_INET6, type, 0);
      sockaddr_in6 a6{};
      a6.sin6_family = AF_INET6;
      a6.sin6_addr = in6addr_loopback;
      a6.sin6_port = addr.sin_port;
      int v4 = ::socket(AF_INET, type, 0);
      free = free && ::bind(fd, reinterpret_cast<sockaddr*>(&a6), sizeof a6) == 0 &&
             ::bind(v4, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
      ::close(v4);
    }
    if (free) return ntohs(addr.sin_port);
  }
  return 0;
}

// dnsmasq in the foreground on 127.0.0.1 and ::1, authoritative for the zone "test" from the
// records given here: no /etc/resolv.conf, no /etc/hosts, no upstream.
class Dnsmasq {
 public:
  Dnsmasq() {
    if (!std::filesystem::exists(kDnsmasq)) {
      ADD_FAILURE() << kDnsmasq << " is missing: install dnsmasq-base (scripts/setup.sh does)";
      return;
    }
    std::string hosts = dir_.file("hosts");
    std::ofstream(hosts) << "10.1.2.3 web.test\n2001:db8::5 web.test\n";
    // Longer than 512 bytes in all: dnsmasq sets TC over UDP, the client retries over TCP.
    std::string big = "--txt-record=big.test";
    for (char c : std::string("abcd"))
      big += "," + std::string(200, c);
    passwd* user = getpwuid(geteuid());
    for (int attempt = 0; attempt < 5 && port_ == 0; ++attempt) {
      uint16_t port = freePort();
      auto process = std::make_unique<Process>(std::vector<std::string>{
          kDnsmasq, "--no-daemon", "--keep-in-foreground", "--port=" + std::to_string(port),
          "--listen-address=127.0.0.1,::1", "--bind-interfaces", "--no-resolv", "--no-hosts",
          "--addn-hosts=" + hosts, "--log-facility=-", "--pid-file=",
          // As root dnsmasq would switch to `nobody`; stay who we are.
          std::string("--user=") + (user != nullptr ? user->pw_name : "root"), "--local=/test/",
          "--local-ttl=60", "--txt-record=txt.test,v=spf1 ,-all", "--mx-host=mx.test,mail.test,10",
          "--cname=alias.test,web.test", big});
      if (process->waitForOutput("started, version", 10s)) {
        process_ = std::move(process);
        port_ = port;
      } else {
        log_ += process->output();
      }
    }
    if (port_ == 0) ADD_FAILURE() << "dnsmasq did not start:\n" << log_;
  }
  ~Dnsmasq() {
    if (process_) process_->signalAndWait(SIGTERM, 5s);
  }
  Dnsmasq(const Dnsmasq&) = delete;
  Dnsmasq& operator=(const Dnsmasq&) = delete;

  uint16_t port() const { return port_; }
  std::string v4() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string v6() const { return "[::1]:" + std::to_string(port_); }

 private:
  TempDir dir_;
  std::unique_ptr<Process> process_;
  uint16_t port_ = 0;
  std::string log_;
};

class DnsClientTest : public ::testing::Test {
 protected:
  DnsClientTest() : thread_([this] { ioc_.run(); }) {}
  ~DnsClientTest() override {
    work_.reset();
    thread_.join();
  }

  Result<DnsResult> query(DnsClient& client, DnsQuery q) {
    std::promise<Result<DnsResult>> done;
    client.queryAsync(std::move(q), [&](Result<DnsResult> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  Result<DnsResult> query(DnsQuery q) { return query(client_, std::move(q)); }

  static OutboundPolicy policyDenying(std::string range) {
    config::OutboundConfig rules;
    rules.checks.deny = {std::move(range)};
    Result<OutboundPolicy> p = OutboundPolicy::create(rules, config::Environment::kDev);
    EXPECT_TRUE(p.ok());
    return p.ok() ? std::move(p).value() : OutboundPolicy(config::Environment::kDev);
  }

  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(ioc_)};
  std::thread thread_;
  OutboundPolicy policy_{config::Environment::kProd};
  DnsClient client_{ioc_, policy_};
};

TEST_F(DnsClientTest, AnswersFromDnsmasq) {
  Dnsmasq dns;
  ASSERT_NE(dns.port(), 0);

  Result<DnsResult> a = query({dns.v4(), "web.test", "A", 2s});
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->rcode, "NOERROR");
  ASSERT_EQ(a->answers.size(), 1U);
  EXPECT_EQ(a->answers[0].name, "web.test.");
  EXPECT_EQ(a->answers[0].type, 1);
  EXPECT_EQ(a->answers[0].ttl, 60U);
  EXPECT_EQ(a->answers[0].data, "10.1.2.3");
  EXPECT_EQ(a->server.toString(), "127.0.0.1");
  EXPECT_GT(a->elapsed.count(), 0);
  EXPECT_FALSE(a->overTcp);

  // Over IPv6 too, and the type in any case.
  Result<DnsResult> aaaa = query({dns.v6(), "WEB.test.", "aaaa", 2s});
  ASSERT_TRUE(aaaa.ok()) << aaaa.error().message;
  ASSERT_EQ(aaaa->answers.size(), 1U);
  EXPECT_EQ(aaaa->answers[0].data, "2001:db8::5");
  EXPECT_EQ(aaaa->server.toString(), "::1");

  Result<DnsResult> txt = query({dns.v4(), "txt.test", "TXT", 2s});
  ASSERT_TRUE(txt.ok()) << txt.error().message;
  ASSERT_EQ(txt->answers.size(), 1U);
  EXPECT_EQ(txt->answers[0].data, "v=spf1 -all");

  Result<DnsResult> mx = query({dns.v4(), "mx.test", "MX", 2s});
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  ASSERT_EQ(mx->answers.size(), 1U);
  EXPECT_EQ(mx->answers[0].data, "10 mail.test.");

  Result<DnsResult> cname = query({dns.v4(), "alias.test", "CNAME", 2s});
  ASSERT_TRUE(cname.ok()) << cname.error().message;
  ASSERT_EQ(cname->answers.size(), 1U);
  EXPECT_EQ(cname->answers[0].data, "web.test.");
  // Asked for A, the alias comes with the address it leads to.
  Result<DnsResult> viaAlias = query({dns.v4(), "alias.test", "A", 2s});
  ASSERT_TRUE(viaAlias.ok()) << viaAlias.error().message;
  ASSERT_EQ(viaAlias->answers.size(), 2U);
  EXPECT_EQ(viaAlias->answers[0].type, 5);
  EXPECT_EQ(viaAlias->answers[1].data, "10.1.2.3");
}

TEST_F(DnsClientTest, UnknownNamesAreResultsNotErrors) {
  Dnsmasq dns;
  ASSERT_NE(dns.port(), 0);
  // Inside its --local zone dnsmasq knows the name does not exist...
  Result<DnsResult> nx = query({dns.v4(), "nope.test", "A", 2s});
  ASSERT_TRUE(nx.ok()) << nx.error().message;
  EXPECT_EQ(nx->rcode, "NXDOMAIN");
  EXPECT_TRUE(nx->answers.empty());
  // ...outside it, with no upstream (--no-resolv), it refuses to answer.
  Result<DnsResult> refused = query({dns.v4(), "nope.example", "A", 2s});
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(refused->rcode, "REFUSED");
  // A name that exists with no record of the type asked: NOERROR and no answers.
  Result<DnsResult> noMx = query({dns.v4(), "web.test", "MX", 2s});
  ASSERT_TRUE(noMx.ok()) << noMx.error().message;
  EXPECT_EQ(noMx->rcode, "NOERROR");
  EXPECT_TRUE(noMx->answers.empty());
}

TEST_F(DnsClientTest, TruncatedAnswerIsAskedAgainOverTcp) {
  Dnsmasq dns;
  ASSERT_NE(dns.port(), 0);
  Result<DnsResult> big = query({dns.v4(), "big.test", "TXT", 2s});
  ASSERT_TRUE(big.ok()) << big.error().message;
  EXPECT_TRUE(big->overTcp);
  ASSERT_EQ(big->answers.size(), 1U);
  std::string expected;
  for (char c : std::string("abcd"))
    expected += std::string(200, c);
  EXPECT_EQ(big->answers[0].data, expected);
}

TEST_F(DnsClientTest, ConcurrentQueriesEachGetTheirOwnAnswer) {
  Dnsmasq dns;
  ASSERT_NE(dns.port(), 0);
  // Two threads run the io_context; queries come from several threads at once.
  std::thread second([this] { ioc_.run(); });
  constexpr int kPerThread = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        bool v6 = (i + t) % 2 == 0;
        Result<DnsResult> r = query({v6 ? dns.v6() : dns.v4(), "web.test", v6 ? "AAAA" : "A", 5s});
        if (r.ok() && r->answers.size() == 1 &&
            r->answers[0].data == (v6 ? "2001:db8::5" : "10.1.2.3")) {
          ++good;
        } else {
          ADD_FAILURE() << (r.ok() ? r->rcode : r.error().message);
        }
      }
    });
  }
  for (std::thread& c : callers)
    c.join();
  EXPECT_EQ(good.load(), 4 * kPerThread);
  work_.reset();
  second.join();
}

TEST_F(DnsClientTest, SilentServerTimesOut) {
  FakeDnsServer silent([](const std::string&) { return std::vector<std::string>{}; });
  auto start = std::chrono::steady_clock::now();
  Result<DnsResult> r = query({silent.address(), "web.test", "A", 300ms});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(r.error().message,
            "timed out after 300ms waiting for the UDP answer from " + silent.address());
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(silent.queries(), 1);
}

TEST_F(DnsClientTest, AnswersWithAnotherIdAreIgnoredButCounted) {
  FakeDnsServer forger([](const std::string& q) {
    std::string wrong = echoAnswer(q);
    wrong[1] = static_cast<char>(wrong[1] ^ 0x5a);
    std::string short1 = "\x01";
    return std::vector<std::string>{wrong, short1};
  });
  Result<DnsResult> r = query({forger.address(), "web.test", "A", 400ms});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(r.error().message, "timed out after 400ms waiting for the UDP answer from " +
                                   forger.address() + " (2 mismatched answers ignored)");
}

TEST_F(DnsClientTest, LyingServerEndsInAPreciseError) {
  // First an answer with the wrong id (ignored), then one with the right id for another name.
  FakeDnsServer liar([](const std::string& q) {
    std::string wrongId = echoAnswer(q);
    wrongId[0] = static_cast<char>(wrongId[0] ^ 0xff);
    uint16_t id = *dnsMessageId(q);
    Result<std::string> other = encodeDnsQuery(id, "evil.test", DnsType::kA);
    return std::vector<std::string>{wrongId, echoAnswer(other.valueOr(""))};
  });
  Result<DnsResult> r = query({liar.address(), "web.test", "A", 2s});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message, "bad answer from " + liar.address() +
                                   ": answer does not match the query: question evil.test. A "
                                   "instead of web.test. A");

  // Garbage with the right id is named as malformed.
  FakeDnsServer garbage(
      [](const std::string& q) { return std::vector<std::string>{echoAnswer(q).substr(0, 14)}; });
  r = query({garbage.address(), "web.test", "A", 2s});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message.rfind(
          "bad answer from " + garbage.address() + ": malformed DNS response: question name", 0),
      0U)
      << r.error().message;
}

TEST_F(DnsClientTest, OversizedUdpAnswerIsRefused) {
  FakeDnsServer flooder([](const std::string& q) {
    return std::vector<std::string>{echoAnswer(q) + std::string(5000, 'x')};
  });
  Result<DnsResult> r = query({flooder.address(), "web.test", "A", 2s});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "bad answer from " + flooder.address() + ": more than 4096 bytes over UDP");
}

TEST_F(DnsClientTest, TruncatedAnswerWithoutTcpIsAnError) {
  // TC set, and nothing listens on the TCP port of the same number.
  FakeDnsServer truncating(
      [](const std::string& q) { return std::vector<std::string>{echoAnswer(q, 0x02)}; });
  Result<DnsResult> r = query({truncating.address(), "web.test", "A", 2s});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message.rfind(
                "the UDP answer was truncated and TCP failed to " + truncating.address() + ": ", 0),
            0U)
      << r.error().message;
}

TEST_F(DnsClientTest, ClosedPortIsReportedAsSuch) {
  uint16_t port = freePort();
  Result<DnsResult> r = query({"127.0.0.1:" + std::to_string(port), "web.test", "A", 2s});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message, "nothing answers DNS on UDP 127.0.0.1:" + std::to_string(port) +
                                   " (ICMP port unreachable)");
}

TEST_F(DnsClientTest, PolicyIsAskedBeforeAnyPacketIsSent) {
  FakeDnsServer server(
      [](const std::string& q) { return std::vector<std::string>{echoAnswer(q)}; });
  OutboundPolicy denyLoopback = policyDenying("127.0.0.1");
  DnsClient client(ioc_, denyLoopback);
  Result<DnsResult> r = query(client, {server.address(), "web.test", "A", 2s});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(
      r.error().message,
      "blocked by outbound policy: 127.0.0.1 for checks: deny 127.0.0.1 (outbound.checks.deny)");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(server.queries(), 0);

  // The same server is fine for the default policy; the metadata range is denied by default.
  Result<DnsResult> allowed = query({server.address(), "web.test", "A", 2s});
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_EQ(server.queries(), 1);
  Result<DnsResult> metadata = query({"169.254.169.254", "web.test", "A", 2s});
  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(metadata.error().message,
            "blocked by outbound policy: 169.254.169.254 for checks: deny 169.254.0.0/16 "
            "(link-local and cloud metadata, default)");
  // Port 53 by default, IPv6 without brackets: judged (and refused) as parsed.
  OutboundPolicy denyPrivate = policyDenying("10.0.0.0/8");
  DnsClient strict(ioc_, denyPrivate);
  for (std::string server :
       {"10.0.0.2", "10.0.0.2:53", "::ffff:10.0.0.2", "[::ffff:10.0.0.2]:53"}) {
    Result<DnsResult> denied = query(strict, {server, "web.test", "A", 2s});
    ASSERT_FALSE(denied.ok()) << server;
    EXPECT_EQ(denied.error().message,
              "blocked by outbound policy: 10.0.0.2 for checks: deny 10.0.0.0/8 "
              "(outbound.checks.deny)")
        << server;
  }
}

TEST_F(DnsClientTest, InvalidQueriesAreRefusedOffTheCallersThread) {
  struct Case {
    DnsQuery query;
    std::string reason;
  };
  std::vector<Case> cases = {
      {{"dns.google:53", "web.test", "A", 1s}, "must be an IP address, not a name"},
      {{"dns.google", "web.test", "A", 1s}, "must be an IP address, not a name"},
      {{"127.0.0.1:0", "web.test", "A", 1s}, "port 0"},
      {{"127.0.0.1:99999", "web.test", "A", 1s}, "invalid DNS server '127.0.0.1:99999'"},
      {{"[::1", "web.test", "A", 1s}, "invalid DNS server"},
      {{"", "web.test", "A", 1s}, "invalid DNS server"},
      {{"127.0.0.1", "web..test", "A", 1s}, "empty label"},
      {{"127.0.0.1", "web.test", "ANY", 1s}, "unsupported DNS record type 'ANY'"},
      {{"127.0.0.1", "web.test", "A", 0ms}, "timeout must be positive"},
  };
  for (Case& c : cases) {
    std::promise<std::pair<Result<DnsResult>, std::thread::id>> done;
    client_.queryAsync(c.query, [&](Result<DnsResult> r) {
      done.set_value({std::move(r), std::this_thread::get_id()});
    });
    auto [r, thread] = done.get_future().get();
    EXPECT_NE(thread, std::this_thread::get_id());
    ASSERT_FALSE(r.ok()) << c.query.server;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().message;
    EXPECT_NE(r.error().message.find(c.reason), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace pharos::net
