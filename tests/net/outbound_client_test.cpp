// The outbound client against real listeners on 127.0.0.1 (the net HttpServer, plain and
// TLS): the policy table of the issue (targets x purposes x environments), redirects,
// timeouts, the body cap and gzip. Nothing connects outside the machine: targets that are
// allowed but not local are only validated.
#include "net/outbound_client.h"

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fakes/temp_dir.h"
#include "net/gzip.h"
#include "net/http_server.h"
#include "self_signed_cert.h"

namespace pharos::net {
namespace {

using config::Environment;
using namespace std::chrono_literals;
using pharos::testing::TempDir;

constexpr const char* kMetadataRule =
    "deny 169.254.0.0/16 (link-local and cloud metadata, default)";

// Accepts connections into its backlog and never answers.
class SilentListener {
 public:
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

std::string repeated(size_t n) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; i < n; ++i)
    s.push_back(static_cast<char>('a' + (i * 7 + i / 13) % 26));
  return s;
}

class OutboundClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    router->add("GET", "/hello", [](HttpRequest&) { return HttpResponse::text(200, "hello"); });
    router->add("GET", "/host", [](HttpRequest& r) {
      return HttpResponse::text(200, std::string(r.header("host")));
    });
    router->add("GET", "/redirect", [](HttpRequest& r) {
      HttpResponse resp = HttpResponse::text(302, "");
      resp.headers.emplace_back("Location", std::string(r.query.substr(3)));  // ?to=...
      return resp;
    });
    router->add("POST", "/see-other", [](HttpRequest&) {
      HttpResponse resp = HttpResponse::text(303, "");
      resp.headers.emplace_back("Location", "method");
      return resp;
    });
    router->add("GET", "/method", [](HttpRequest& r) {
      return HttpResponse::text(200, r.method + " " + std::to_string(r.body.size()) + " " +
                                         std::string(r.header("authorization")));
    });
    router->add("GET", "/loop", [](HttpRequest&) {
      HttpResponse resp = HttpResponse::text(301, "");
      resp.headers.emplace_back("Location", "/loop");
      return resp;
    });
    router->add("GET", "/big", [](HttpRequest&) {
      return HttpResponse::text(200, repeated(100'000), "application/octet-stream");
    });
    router->add("GET", "/text", [](HttpRequest&) {
      return HttpResponse::text(200, repeated(200'000), "text/plain");
    });
    router->add("GET", "/bomb", [](HttpRequest&) {
      HttpResponse resp = HttpResponse::text(200, gzipCompress(std::string(20 << 20, 'a'), 9),
                                             "application/octet-stream");
      resp.headers.emplace_back("Content-Encoding", "gzip");
      return resp;
    });
    router->add("GET", "/not-gzip", [](HttpRequest&) {
      HttpResponse resp =
          HttpResponse::text(200, "INTERNAL-SECRET-BODY", "application/octet-stream");
      resp.headers.emplace_back("Content-Encoding", "gzip");
      return resp;
    });
    router->add("GET", "/error",
                [](HttpRequest&) { return HttpResponse::text(500, "INTERNAL-SECRET-BODY"); });
    router_ = router;
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    Result<HttpServerPtr> server = HttpServer::start(options, router_);
    ASSERT_TRUE(server.ok()) << server.error().toString();
    server_ = std::move(server).value();
    port_ = server_->port();
  }

  void TearDown() override {
    if (tlsServer_) tlsServer_->stop(0ms);
    if (server_) server_->stop(0ms);
  }

  void startTls() {
    cert_ = dir_.file("cert.pem");
    key_ = dir_.file("key.pem");
    ASSERT_NO_FATAL_FAILURE(
        testing::writeSelfSignedCert(cert_, key_, 7, "localhost", "DNS:localhost,IP:127.0.0.1"));
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.tlsCertFile = cert_;
    options.tlsKeyFile = key_;
    Result<HttpServerPtr> server = HttpServer::start(options, router_);
    ASSERT_TRUE(server.ok()) << server.error().toString();
    tlsServer_ = std::move(server).value();
  }

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  static OutboundRequest get(std::string u, OutboundPurpose purpose = OutboundPurpose::kChecks) {
    OutboundRequest r;
    r.url = std::move(u);
    r.purpose = purpose;
    r.timeout = 5s;
    return r;
  }

  TempDir dir_;
  std::shared_ptr<Router> router_;
  HttpServerPtr server_;
  HttpServerPtr tlsServer_;
  uint16_t port_ = 0;
  std::string cert_;
  std::string key_;
};

// One row of the table. `always`: the rule refusing it for every purpose and
// environment. `strict`: the rule refusing it for receivers in staging and prod ("ENV" is
// the environment). Otherwise allowed; `local` rows are then really fetched from the
// listener, the others only validated.
struct TargetCase {
  std::string url;  // "PORT" is replaced by the listener's port
  const char* address;
  const char* always;
  const char* strict;
  bool local;
};

std::vector<TargetCase> targetTable() {
  return {
      {"http://169.254.169.254/latest/meta-data/", "169.254.169.254", kMetadataRule, nullptr,
       false},
      {"http://[::ffff:169.254.169.254]/", "169.254.169.254", kMetadataRule, nullptr, false},
      {"http://[::ffff:a9fe:a9fe]/", "169.254.169.254", kMetadataRule, nullptr, false},
      {"http://2852039166/", "169.254.169.254", kMetadataRule, nullptr, false},
      {"http://0251.0376.0251.0376/", "169.254.169.254", kMetadataRule, nullptr, false},
      {"http://0xa9fea9fe/", "169.254.169.254", kMetadataRule, nullptr, false},
      {"http://169.254.169.254.:80/", "169.254.169.254", kMetadataRule, nullptr, false},
      {"http://[fe80::1]/", "fe80::1", "deny fe80::/10 (link-local, default)", nullptr, false},
      {"http://[fd00:ec2::254]/", "fd00:ec2::254", "deny fd00:ec2::254 (cloud metadata, default)",
       nullptr, false},
      {"http://localhost:PORT/hello", "127.0.0.1", nullptr,
       "deny 127.0.0.0/8 (loopback, default for receivers in ENV)", true},
      {"http://LocalHost.:PORT/hello", "127.0.0.1", nullptr,
       "deny 127.0.0.0/8 (loopback, default for receivers in ENV)", true},
      {"http://127.0.0.1:PORT/hello", "127.0.0.1", nullptr,
       "deny 127.0.0.0/8 (loopback, default for receivers in ENV)", true},
      {"http://2130706433:PORT/hello", "127.0.0.1", nullptr,
       "deny 127.0.0.0/8 (loopback, default for receivers in ENV)", true},
      {"http://0.0.0.0:PORT/hello", "0.0.0.0", nullptr,
       "deny 0.0.0.0/8 (unspecified, reaches loopback, default for receivers in ENV)", false},
      {"http://[::]:PORT/hello", "::", nullptr,
       "deny ::/128 (unspecified, reaches loopback, default for receivers in ENV)", false},
      {"http://10.20.30.40/", "10.20.30.40", nullptr,
       "deny 10.0.0.0/8 (private, default for receivers in ENV)", false},
      {"http://192.168.1.10:8080/", "192.168.1.10", nullptr,
       "deny 192.168.0.0/16 (private, default for receivers in ENV)", false},
      {"https://93.184.216.34/", "93.184.216.34", nullptr, nullptr, false},
      {"203.0.113.9:5432", "203.0.113.9", nullptr, nullptr, false},
  };
}

TEST_F(OutboundClientTest, TargetsByPurposeAndEnvironment) {
  for (Environment env : {Environment::kDev, Environment::kStaging, Environment::kProd}) {
    OutboundPolicy policy(env);
    OutboundClient client(policy, {});
    for (OutboundPurpose purpose :
         {OutboundPurpose::kChecks, OutboundPurpose::kScrapes, OutboundPurpose::kReceivers}) {
      bool strict = env != Environment::kDev && purpose == OutboundPurpose::kReceivers;
      for (TargetCase c : targetTable()) {
        if (size_t p = c.url.find("PORT"); p != std::string::npos) {
          c.url.replace(p, 4, std::to_string(port_));
        }
        SCOPED_TRACE(c.url + " " + std::string(outboundPurposeName(purpose)) + " " +
                     std::string(config::environmentName(env)));
        std::string rule;
        if (c.always != nullptr) {
          rule = c.always;
        } else if (strict && c.strict != nullptr) {
          rule = c.strict;
          rule.replace(rule.find("ENV"), 3, config::environmentName(env));
        }
        Result<std::vector<IpAddress>> validated = client.validateTarget(c.url, purpose);
        if (rule.empty()) {
          ASSERT_TRUE(validated.ok()) << validated.error().toString();
          EXPECT_EQ(validated->front().toString(), c.address);
          if (c.local) {
            Result<OutboundResponse> r = client.fetch(get(c.url, purpose));
            ASSERT_TRUE(r.ok()) << r.error().toString();
            EXPECT_EQ(r->status, 200);
            EXPECT_EQ(r->body, "hello");
            EXPECT_EQ(r->address.toString(), c.address);
          }
          continue;
        }
        ASSERT_FALSE(validated.ok());
        EXPECT_EQ(validated.error().code, ErrorCode::kPermissionDenied);
        const std::string& vm = validated.error().message;
        EXPECT_EQ(vm.rfind("blocked by outbound policy: " + std::string(c.address), 0), 0u) << vm;
        EXPECT_EQ(vm.substr(vm.size() - rule.size()), rule) << vm;
        if (c.url.find("://") == std::string::npos) continue;
        // Connect time: the same refusal, from the client itself, before any connect.
        Result<OutboundResponse> fetched = client.fetch(get(c.url, purpose));
        ASSERT_FALSE(fetched.ok());
        EXPECT_EQ(fetched.error().code, ErrorCode::kPermissionDenied);
        EXPECT_EQ(fetched.error().message, vm);
      }
    }
  }
}

TEST_F(OutboundClientTest, RedirectToADeniedAddressIsRefusedAtTheHop) {
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, {});
  Result<OutboundResponse> r =
      client.fetch(get(url("/redirect?to=http://169.254.169.254/latest/meta-data/")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(
      r.error().message,
      std::string("blocked by outbound policy: 169.254.169.254 for checks: ") + kMetadataRule);
  // The same through a decimal spelling and a scheme-relative Location.
  r = client.fetch(get(url("/redirect?to=//2852039166/")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            std::string("blocked by outbound policy: 169.254.169.254 (from '2852039166') for "
                        "checks: ") +
                kMetadataRule);
}

TEST_F(OutboundClientTest, RedirectToLoopbackIsRefusedForReceiversInProd) {
  config::OutboundConfig rules;
  rules.receivers.allow = {"127.0.0.1/32"};
  Result<OutboundPolicy> policy = OutboundPolicy::create(rules, Environment::kProd);
  ASSERT_TRUE(policy.ok());
  OutboundClient client(*policy, {});
  OutboundRequest allowed = get(url("/hello"), OutboundPurpose::kReceivers);
  Result<OutboundResponse> ok = client.fetch(allowed);
  ASSERT_TRUE(ok.ok()) << ok.error().toString();
  EXPECT_EQ(ok->body, "hello");
  std::string to = "http://127.0.0.2:" + std::to_string(port_) + "/hello";
  Result<OutboundResponse> r =
      client.fetch(get(url("/redirect?to=" + to), OutboundPurpose::kReceivers));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(r.error().message,
            "blocked by outbound policy: 127.0.0.2 for receivers: deny 127.0.0.0/8 (loopback, "
            "default for receivers in prod)");
  // localhost is 127.0.0.1, which the CIDR allows: the hop is made (and refused by the OS).
  r = client.fetch(get(url("/redirect?to=http://localhost:1/"), OutboundPurpose::kReceivers));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
}

TEST_F(OutboundClientTest, FollowsRedirectsLikeABrowser) {
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, {});
  Result<OutboundResponse> r = client.fetch(get(url("/redirect?to=/hello")));
  ASSERT_TRUE(r.ok()) << r.error().toString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->redirects, 1);
  EXPECT_EQ(r->finalUrl, url("/hello"));

  OutboundRequest post = get(url("/see-other"));
  post.method = "POST";
  post.body = "payload";
  post.headers = {{"Authorization", "Bearer x"}, {"Content-Type", "text/plain"}};
  r = client.fetch(post);
  ASSERT_TRUE(r.ok()) << r.error().toString();
  EXPECT_EQ(r->body, "GET 0 Bearer x");  // 303: GET without the body, same origin keeps auth

  // Another origin (localhost instead of 127.0.0.1) does not get the credentials.
  OutboundRequest cross =
      get(url("/redirect?to=http://localhost:" + std::to_string(port_) + "/method"));
  cross.headers = {{"Authorization", "Bearer x"}};
  r = client.fetch(cross);
  ASSERT_TRUE(r.ok()) << r.error().toString();
  EXPECT_EQ(r->body, "GET 0 ");

  r = client.fetch(get(url("/loop")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("stopped after 5 redirects"), std::string::npos);

  OutboundRequest noFollow = get(url("/loop"));
  noFollow.maxRedirects = 0;
  r = client.fetch(noFollow);
  ASSERT_TRUE(r.ok()) << r.error().toString();
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->header("location"), "/loop");
}

TEST_F(OutboundClientTest, SendsHostFromTheUrlAndReportsTimings) {
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, {});
  OutboundRequest r = get("http://localhost:" + std::to_string(port_) + "/host");
  r.headers = {{"Host", "evil.example"}};
  Result<OutboundResponse> resp = client.fetch(r);
  ASSERT_TRUE(resp.ok()) << resp.error().toString();
  EXPECT_EQ(resp->body, "localhost:" + std::to_string(port_));
  EXPECT_GT(resp->timings.total.count(), 0);
  EXPECT_GE(resp->timings.total, resp->timings.connect + resp->timings.firstByte);
}

TEST_F(OutboundClientTest, TimeoutCoversAServerThatNeverAnswers) {
  SilentListener silent;
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, {});
  OutboundRequest r = get("http://127.0.0.1:" + std::to_string(silent.port()) + "/");
  r.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  Result<OutboundResponse> resp = client.fetch(r);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(resp.error().retryable);
  EXPECT_NE(resp.error().message.find("timed out after 300 ms while waiting for the response"),
            std::string::npos)
      << resp.error().message;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 3s);
}

TEST_F(OutboundClientTest, BodyIsCappedAndFlagged) {
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, {});
  OutboundRequest r = get(url("/big"));
  r.maxBodyBytes = 1000;
  Result<OutboundResponse> resp = client.fetch(r);
  ASSERT_TRUE(resp.ok()) << resp.error().toString();
  EXPECT_TRUE(resp->truncated);
  EXPECT_EQ(resp->body, repeated(100'000).substr(0, 1000));

  r.maxBodyBytes = 100'000;  // exactly the size: complete
  resp = client.fetch(r);
  ASSERT_TRUE(resp.ok()) << resp.error().toString();
  EXPECT_FALSE(resp->truncated);
  EXPECT_EQ(resp->body.size(), 100'000u);
}

TEST_F(OutboundClientTest, GzipIsDecodedWithTheCapOnTheInflatedSize) {
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, {});
  Result<OutboundResponse> resp = client.fetch(get(url("/text")));
  ASSERT_TRUE(resp.ok()) << resp.error().toString();
  EXPECT_EQ(resp->header("content-encoding"), "gzip");  // the server did compress it
  EXPECT_FALSE(resp->truncated);
  EXPECT_EQ(resp->body, repeated(200'000));

  OutboundRequest capped = get(url("/text"));
  capped.maxBodyBytes = 10'000;
  resp = client.fetch(capped);
  ASSERT_TRUE(resp.ok()) << resp.error().toString();
  EXPECT_TRUE(resp->truncated);
  EXPECT_EQ(resp->body, repeated(200'000).substr(0, 10'000));

  OutboundRequest bomb = get(url("/bomb"));  // 20 MiB in about 20 KiB
  bomb.maxBodyBytes = 1 << 20;
  resp = client.fetch(bomb);
  ASSERT_TRUE(resp.ok()) << resp.error().toString();
  EXPECT_TRUE(resp->truncated);
  EXPECT_EQ(resp->body, std::string(1 << 20, 'a'));
}

TEST_F(OutboundClientTest, ErrorsNeverEchoTheBody) {
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, {});
  Result<OutboundResponse> resp = client.fetch(get(url("/not-gzip")));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().message.find("INTERNAL-SECRET"), std::string::npos);
  EXPECT_NE(resp.error().message.find("corrupt gzip"), std::string::npos);
  resp = client.fetch(get(url("/error")));  // an HTTP error is a response, not an Error
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 500);
}

TEST_F(OutboundClientTest, RejectsMalformedTargets) {
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, {});
  for (const char* bad :
       {"ftp://127.0.0.1/", "file:///etc/passwd", "gopher://127.0.0.1:70/",
        "http://user:pw@127.0.0.1/", "http://example.com@169.254.169.254/", "http:///x",
        "http://127.0.0.1:0/", "http://127.0.0.1:99999/", "http://[fe80::1%25eth0]/",
        "http://exa mple.com/", "http://ex%61mple.com/", "http://[::1/", "no-port",
        "http://caf\xc3\xa9.example/", "http://127.0.0.1:80x/", ""}) {
    Result<std::vector<IpAddress>> v = client.validateTarget(bad, OutboundPurpose::kChecks);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument) << bad << ": " << v.error().message;
    if (std::string_view(bad).find("://") != std::string_view::npos) {
      Result<OutboundResponse> f = client.fetch(get(bad));
      ASSERT_FALSE(f.ok()) << bad;
      EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument) << bad;
    }
  }
  OutboundRequest r = get(url("/hello"));
  r.headers = {{"X-Bad", "a\r\nInjected: yes"}};
  EXPECT_EQ(client.fetch(r).error().code, ErrorCode::kInvalidArgument);
  r = get(url("/hello"));
  r.method = "GE T";
  EXPECT_EQ(client.fetch(r).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(OutboundClientTest, TcpConnectGoesThroughThePolicy) {
  OutboundPolicy policy(Environment::kProd);
  OutboundClient client(policy, {});
  Result<TcpConnectResult> ok = client.connectTcp("localhost", port_, OutboundPurpose::kChecks, 2s);
  ASSERT_TRUE(ok.ok()) << ok.error().toString();
  EXPECT_EQ(ok->address.toString(), "127.0.0.1");
  Result<TcpConnectResult> denied =
      client.connectTcp("127.0.0.1", port_, OutboundPurpose::kReceivers, 2s);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().message,
            "blocked by outbound policy: 127.0.0.1 for receivers: deny 127.0.0.0/8 (loopback, "
            "default for receivers in prod)");
  denied = client.connectTcp("::ffff:169.254.169.254", 80, OutboundPurpose::kChecks, 2s);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);

  // Port 1 on loopback: nothing listens there, the connect is refused.
  Result<TcpConnectResult> refused =
      client.connectTcp("127.0.0.1", 1, OutboundPurpose::kChecks, 2s);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

TEST_F(OutboundClientTest, HttpsVerifiesThePeerByDefault) {
  startTls();
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, {});
  std::string u = "https://localhost:" + std::to_string(tlsServer_->port()) + "/hello";

  Result<OutboundResponse> r = client.fetch(get(u));  // self-signed: not in the system store
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("certificate not trusted"), std::string::npos)
      << r.error().message;

  OutboundRequest withCa = get(u);
  withCa.tls.caFile = cert_;
  r = client.fetch(withCa);
  ASSERT_TRUE(r.ok()) << r.error().toString();
  EXPECT_EQ(r->body, "hello");
  EXPECT_GT(r->timings.tls.count(), 0);

  // The certificate names localhost and 127.0.0.1; "2130706433" reaches 127.0.0.1 but is a
  // name to TLS, and the certificate does not carry it.
  OutboundRequest wrongHost =
      get("https://2130706433:" + std::to_string(tlsServer_->port()) + "/hello");
  wrongHost.tls.caFile = cert_;
  r = client.fetch(wrongHost);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("certificate not trusted"), std::string::npos)
      << r.error().message;

  OutboundRequest insecure = get(u);
  insecure.tls.verifyPeer = false;
  r = client.fetch(insecure);
  ASSERT_TRUE(r.ok()) << r.error().toString();
  EXPECT_EQ(r->body, "hello");

  OutboundRequest badCa = get(u);
  badCa.tls.caFile = dir_.file("missing.pem");
  r = client.fetch(badCa);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(OutboundClientTest, TlsProbeReportsTheCertificate) {
  startTls();
  OutboundPolicy policy(Environment::kProd);
  OutboundClient client(policy, {});
  OutboundTlsOptions trust;
  trust.caFile = cert_;
  Result<TlsProbeResult> p =
      client.probeTls("localhost", tlsServer_->port(), OutboundPurpose::kChecks, 2s, trust);
  ASSERT_TRUE(p.ok()) << p.error().toString();
  EXPECT_TRUE(p->verified) << p->verifyError;
  EXPECT_EQ(p->subjectCn, "localhost");
  EXPECT_EQ(p->issuerCn, "localhost");
  auto inADay = std::chrono::system_clock::now() + 24h;
  EXPECT_LT(p->notAfter, inADay + 1h);
  EXPECT_GT(p->notAfter, inADay - 1h);
  EXPECT_FALSE(p->protocol.empty());

  p = client.probeTls("localhost", tlsServer_->port(), OutboundPurpose::kChecks, 2s);
  ASSERT_TRUE(p.ok()) << p.error().toString();
  EXPECT_FALSE(p->verified);
  EXPECT_FALSE(p->verifyError.empty());
  EXPECT_EQ(p->subjectCn, "localhost");

  p = client.probeTls("localhost", tlsServer_->port(), OutboundPurpose::kReceivers, 2s, trust);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::kPermissionDenied);

  p = client.probeTls("localhost", port_, OutboundPurpose::kChecks, 2s, trust);  // plain HTTP
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::kUnavailable);
}

TEST_F(OutboundClientTest, ManyConcurrentFetches) {
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, OutboundClient::Options{2});
  constexpr int kRequests = 200;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  int ok = 0;
  for (int i = 0; i < kRequests; ++i) {
    client.fetchAsync(get(url("/hello")), [&](Result<OutboundResponse> r) {
      std::lock_guard lock(mu);
      ++done;
      if (r.ok() && r->body == "hello") ++ok;
      cv.notify_one();
    });
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return done == kRequests; }));
  EXPECT_EQ(ok, kRequests);
}

TEST_F(OutboundClientTest, BlockingCallsRefuseToRunOnTheClientsThreads) {
  OutboundPolicy policy(Environment::kDev);
  OutboundClient client(policy, {});
  std::promise<ErrorCode> inner;
  client.fetchAsync(get(url("/hello")), [&](Result<OutboundResponse>) {
    Result<OutboundResponse> nested = client.fetch(get(url("/hello")));
    inner.set_value(nested.ok() ? ErrorCode::kInternal : nested.error().code);
  });
  auto f = inner.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get(), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace pharos::net
