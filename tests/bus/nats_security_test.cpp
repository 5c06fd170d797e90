// The NATS bus to a server that asks for TLS and a password, as a server off the machine
// should: the client verifies the server's certificate against the configured CA, logs in,
// and works; a wrong password, a missing CA or an unreadable CA file are clear errors that
// never show the password.
#ifdef PHAROS_HAVE_NATS
#include <gtest/gtest.h>

#include <string>

#include "bus/nats/nats_bus.h"
#include "fakes/temp_dir.h"
#include "nats_server.h"
#include "net/self_signed_cert.h"

namespace pharos::bus {
namespace {

constexpr char kPassword[] = "n4ts-Secret-Pw-7c1e";

class NatsSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(net::testing::writeSelfSignedCert(cert_, key_, 1, "nats-test",
                                                              "DNS:localhost,IP:127.0.0.1"));
    server_ = std::make_unique<testing::NatsServer>(
        "tls {\n  cert_file: \"" + cert_ + "\"\n  key_file: \"" + key_ +
        "\"\n}\nauthorization {\n  user: pharos\n  password: \"" + kPassword + "\"\n}");
    ASSERT_TRUE(server_->available());
  }

  NatsBusOptions options() const {
    NatsBusOptions o;
    o.servers = {server_->url()};
    o.prefix = "sec";
    o.user = "pharos";
    o.password = Secret(kPassword);
    o.tlsCaFile = cert_;  // self-signed: the certificate is its own CA
    return o;
  }

  testing::TempDir dir_;
  std::string cert_ = dir_.file("server.pem");
  std::string key_ = dir_.file("server.key");
  std::unique_ptr<testing::NatsServer> server_;
};

TEST_F(NatsSecurityTest, TlsAndAPasswordReachTheServerAndCarryMessages) {
  auto bus = NatsBus::open(options(), systemClock());
  ASSERT_TRUE(bus.ok()) << bus.error().toString() << "\n" << server_->log();
  ASSERT_TRUE((*bus)->declareQueue("orders", QueueOptions{}).ok());
  ASSERT_TRUE((*bus)->send("orders", "over tls").ok());
  auto got = (*bus)->receive("orders", 1, Millis(2'000));
  ASSERT_TRUE(got.ok()) << got.error().toString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].body, "over tls");
}

TEST_F(NatsSecurityTest, AWrongPasswordIsRefusedWithoutShowingIt) {
  NatsBusOptions o = options();
  o.password = Secret("not-the-password-1234");
  o.connectTimeout = Millis(1'000);
  auto bus = NatsBus::open(o, systemClock());
  ASSERT_FALSE(bus.ok());
  const std::string text = bus.error().toString();
  EXPECT_EQ(text.find("not-the-password-1234"), std::string::npos) << text;
  EXPECT_NE(text.find("cannot connect"), std::string::npos) << text;
}

TEST_F(NatsSecurityTest, WithoutTlsOrWithAnUnreadableCaItDoesNotConnect) {
  NatsBusOptions plain = options();
  plain.tlsCaFile.clear();
  plain.connectTimeout = Millis(1'000);
  EXPECT_FALSE(NatsBus::open(plain, systemClock()).ok());

  NatsBusOptions missing = options();
  missing.tlsCaFile = dir_.file("no-such-ca.pem");
  auto bus = NatsBus::open(missing, systemClock());
  ASSERT_FALSE(bus.ok());
  EXPECT_EQ(bus.error().code, ErrorCode::kInvalidArgument) << bus.error().toString();
}

}  // namespace
}  // namespace pharos::bus

#endif
