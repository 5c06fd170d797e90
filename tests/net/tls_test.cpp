// HTTPS: certificates are made here with OpenSSL's C API and the client is OpenSSL too, so
// the test checks what a real TLS client sees (the served certificate, the protocol).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "net/http_server.h"
#include "self_signed_cert.h"

namespace pharos::net {
namespace {

using namespace std::chrono_literals;
using pharos::testing::TempDir;

struct SslCtxDelete {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslDelete {
  void operator()(SSL* s) const { SSL_free(s); }
};

// A blocking TLS client on loopback. It does not verify the chain: the tests compare the
// certificate it was served instead.
class TlsClient {
 public:
  explicit TlsClient(uint16_t port, int maxVersion = 0) {
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    if (maxVersion != 0) {
      SSL_CTX_set_security_level(ctx_.get(), 0);  // let the client offer old versions at all
      SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_.get(), maxVersion);
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd_);
    connected_ = SSL_connect(ssl_.get()) == 1;
    ERR_clear_error();
  }
  ~TlsClient() {
    if (connected_) SSL_shutdown(ssl_.get());
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
  }

  bool connected() const { return connected_; }
  std::string version() const { return SSL_get_version(ssl_.get()); }

  long peerSerial() const {
    std::unique_ptr<X509, testing::X509Free> peer(SSL_get1_peer_certificate(ssl_.get()));
    return peer ? ASN1_INTEGER_get(X509_get0_serialNumber(peer.get())) : -1;
  }

  // One request and its response, framed by Content-Length.
  std::optional<std::string> get(const std::string& path) {
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";
    if (SSL_write(ssl_.get(), request.data(), static_cast<int>(request.size())) <= 0) return {};
    for (;;) {
      size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t cl = buf_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) {
          size_t length = std::stoul(buf_.substr(cl + 16));
          if (buf_.size() >= end + 4 + length) {
            std::string response = buf_.substr(0, end + 4 + length);
            buf_.erase(0, end + 4 + length);
            return response;
          }
        }
      }
      char chunk[4096];
      int n = SSL_read(ssl_.get(), chunk, sizeof chunk);
      if (n <= 0) return {};
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  std::unique_ptr<SSL_CTX, SslCtxDelete> ctx_;
  std::unique_ptr<SSL, SslDelete> ssl_;
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = dir_.file("cert.pem");
    key_ = dir_.file("key.pem");
    ASSERT_NO_FATAL_FAILURE(testing::writeSelfSignedCert(cert_, key_, 1001, "first.test"));
  }
  void TearDown() override {
    if (server_) server_->stop(0ms);
  }

  Result<HttpServerPtr> startServer() {
    auto router = std::make_shared<Router>();
    router->add("GET", "/hello",
                [](HttpRequest&) { return HttpResponse::text(200, "hello over tls"); });
    ServerOptions options;
    options.port = 0;
    options.tlsCertFile = cert_;
    options.tlsKeyFile = key_;
    options.readTimeout = 2000ms;
    return HttpServer::start(options, router);
  }

  void start() {
    auto result = startServer();
    ASSERT_TRUE(result.ok()) << result.error().toString();
    server_ = std::move(result).value();
  }

  TempDir dir_;
  std::string cert_;
  std::string key_;
  HttpServerPtr server_;
};

TEST_F(TlsServerTest, ServesHttpsWithTheConfiguredCertificate) {
  start();
  TlsClient client(server_->port());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.peerSerial(), 1001);
  auto first = client.get("/hello");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_NE(first->find("hello over tls"), std::string::npos);
  auto second = client.get("/hello");  // keep-alive over TLS
  ASSERT_TRUE(second);
  EXPECT_NE(second->find("hello over tls"), std::string::npos);
}

TEST_F(TlsServerTest, RefusesOldProtocolsAndPlainHttp) {
  start();
  TlsClient old(server_->port(), TLS1_1_VERSION);
  EXPECT_FALSE(old.connected());
  TlsClient tls12(server_->port(), TLS1_2_VERSION);
  ASSERT_TRUE(tls12.connected());
  EXPECT_EQ(tls12.version(), "TLSv1.2");
  EXPECT_TRUE(tls12.get("/hello"));

  pharos::testing::Client plain(server_->port());
  ASSERT_TRUE(plain.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_FALSE(plain.read(false, 2s));
  EXPECT_TRUE(plain.closedWithin(2s));
}

TEST_F(TlsServerTest, ReloadSwitchesTheCertificateForNewConnections) {
  start();
  TlsClient before(server_->port());
  ASSERT_TRUE(before.connected());
  EXPECT_EQ(before.peerSerial(), 1001);

  ASSERT_NO_FATAL_FAILURE(testing::writeSelfSignedCert(cert_, key_, 2002, "second.test"));
  Status reloaded = server_->reloadTls();
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().toString();

  TlsClient after(server_->port());
  ASSERT_TRUE(after.connected());
  EXPECT_EQ(after.peerSerial(), 2002);
  EXPECT_TRUE(after.get("/hello"));
  EXPECT_TRUE(before.get("/hello"));  // the open connection goes on with the old one
}

TEST_F(TlsServerTest, BrokenFilesOnReloadKeepTheOldCertificate) {
  start();
  { std::ofstream(cert_, std::ios::trunc) << "-----BEGIN CERTIFICATE-----\ngarbage\n"; }
  Status broken = server_->reloadTls();
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(broken.error().context, cert_);

  // A valid certificate whose key is not the one on disk.
  TempDir other;
  ASSERT_NO_FATAL_FAILURE(
      testing::writeSelfSignedCert(other.file("c.pem"), other.file("k.pem"), 3003, "other.test"));
  std::filesystem::copy_file(other.file("c.pem"), cert_,
                             std::filesystem::copy_options::overwrite_existing);
  Status mismatch = server_->reloadTls();
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().toString().find("does not match"), std::string::npos)
      << mismatch.error().toString();

  TlsClient client(server_->port());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.peerSerial(), 1001);
  EXPECT_TRUE(client.get("/hello"));
}

TEST_F(TlsServerTest, UnloadableFilesFailStartNamingTheFile) {
  std::filesystem::remove(key_);
  auto missing = startServer();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().context, key_) << missing.error().toString();

  ASSERT_NO_FATAL_FAILURE(testing::writeSelfSignedCert(cert_, key_, 1, "x"));
  { std::ofstream(cert_, std::ios::trunc) << "not a certificate"; }
  auto garbage = startServer();
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(garbage.error().context, cert_) << garbage.error().toString();
}

TEST(TlsOptionsTest, CertWithoutKeyIsInvalidAndPlainServerCannotReload) {
  ServerOptions options;
  options.port = 0;
  options.tlsCertFile = "/nonexistent/cert.pem";
  auto result = HttpServer::start(options, std::make_shared<Router>());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);

  options.tlsCertFile.clear();
  auto plain = HttpServer::start(options, std::make_shared<Router>());
  ASSERT_TRUE(plain.ok());
  Status reload = (*plain)->reloadTls();
  ASSERT_FALSE(reload.ok());
  EXPECT_EQ(reload.error().code, ErrorCode::kFailedPrecondition);
  (*plain)->stop(0ms);
}

}  // namespace
}  // namespace pharos::net
