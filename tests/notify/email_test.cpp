#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <csignal>

#include "e2e/process.h"
#include "fakes/free_port.h"
#include "fakes/temp_dir.h"
#include "net/outbound_client.h"
#include "net/self_signed_cert.h"
#include "notify/email_message.h"
#include "notify/sender.h"
#include "notify/smtp_sender.h"
#include "notify_test_util.h"

namespace pharos::notify {
namespace {

using testing::notification;
using testing::receiver;

constexpr const char* kPython = "/usr/bin/python3";

TEST(EmailMessageTest, HeadersAndBothParts) {
  ReceiverSpec spec = receiver(
      R"({"name":"mail","type":"email","to":["ops@example.org","Dev <dev@example.org>"],
          "from":"Pharos <alerts@example.org>","smarthost":"127.0.0.1:25"})");
  Notification n = notification("01HX", "mail");
  RenderedMessage m{"[FIRING:1] Ünïcode title", "line one\n.dot line\nx=1", "<b>html</b>", ""};
  std::string msg = buildEmailMessage(spec, n, m, fromUnixMillis(1'700'000'000'000));
  EXPECT_NE(msg.find("From: Pharos <alerts@example.org>\r\n"), std::string::npos);
  EXPECT_NE(msg.find("To: ops@example.org, Dev <dev@example.org>\r\n"), std::string::npos);
  EXPECT_NE(msg.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(msg.find("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos);
  EXPECT_NE(msg.find("Message-ID: <"), std::string::npos);
  EXPECT_NE(msg.find("@example.org>\r\n"), std::string::npos);
  EXPECT_NE(msg.find("Content-Type: multipart/alternative; boundary="), std::string::npos);
  EXPECT_NE(msg.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(msg.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(msg.find("line one\r\n=2Edot line\r\nx=3D1"), std::string::npos) << msg;
  // The same notification gives the same Message-ID (a redelivery is one mail thread).
  EXPECT_EQ(msg, buildEmailMessage(spec, n, m, fromUnixMillis(1'700'000'000'000)));
  EXPECT_EQ(emailAddress("Pharos <alerts@example.org>"), "alerts@example.org");
}

TEST(EmailMessageTest, QuotedPrintableKeepsLinesShort) {
  std::string qp = quotedPrintable(std::string(200, 'a') + " \n\xC3\xA9");
  std::istringstream lines(qp);
  std::string line;
  while (std::getline(lines, line))
    EXPECT_LE(line.size(), 77u);  // 76 plus the '\r'
  EXPECT_NE(qp.find("=C3=A9"), std::string::npos);
  EXPECT_NE(qp.find("=20\r\n"), std::string::npos);  // a space before a line break is encoded
}

TEST(EmailMessageTest, PlainSmtpRefusedOutsideDev) {
  ReceiverSpec plain = receiver(R"({"name":"m","type":"email","to":["a@x.org"],"from":"p@x.org",
                                    "smarthost":"x.org:25","starttls":false})");
  EXPECT_TRUE(checkReceiverForEnvironment(plain, config::Environment::kDev).ok());
  EXPECT_FALSE(checkReceiverForEnvironment(plain, config::Environment::kProd).ok());
  ReceiverSpec tls = receiver(R"({"name":"m","type":"email","to":["a@x.org"],"from":"p@x.org",
                                  "smarthost":"x.org:587"})");
  EXPECT_TRUE(checkReceiverForEnvironment(tls, config::Environment::kProd).ok());
}

// aiosmtpd on a free loopback port, writing each message into a temp directory.
class SmtpServer {
 public:
  explicit SmtpServer(std::vector<std::string> extra = {})
      : port_(pharos::testing::freeLoopbackPort()) {
    std::vector<std::string> args = {kPython,
                                     std::string(PHAROS_NOTIFY_TEST_DIR) + "/smtp_server.py",
                                     std::to_string(port_), dir_.path().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<pharos::testing::Process>(args);
    ready_ = process_->waitForOutput("READY", std::chrono::seconds(15));
  }
  ~SmtpServer() { process_->signalAndWait(SIGTERM, std::chrono::seconds(5)); }

  bool ready() const { return ready_; }
  std::string output() const { return process_->output(); }
  uint16_t port() const { return port_; }
  std::vector<std::string> mails() const {
    std::vector<std::string> out;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
      if (e.path().extension() == ".eml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }

 private:
  pharos::testing::TempDir dir_;
  uint16_t port_;
  std::unique_ptr<pharos::testing::Process> process_;
  bool ready_ = false;
};

bool haveAiosmtpd() {
  if (::access(kPython, X_OK) != 0) return false;
  return pharos::testing::run({kPython, "-c", "import aiosmtpd"}).first == 0;
}

class SmtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveAiosmtpd()) GTEST_SKIP() << "python3-aiosmtpd is not installed (scripts/setup.sh)";
  }
  net::OutboundPolicy policy_{config::Environment::kDev};
  net::OutboundClient client_{policy_, {}};
};

TEST_F(SmtpTest, DeliversMultipartMailInTheClear) {
  SmtpServer server;
  ASSERT_TRUE(server.ready()) << server.output();
  ReceiverSpec spec = receiver(fmt::format(
      R"({{"name":"mail","type":"email","to":["ops@example.org"],"from":"Pharos <alerts@example.org>",
          "smarthost":"127.0.0.1:{}","starttls":false,"title":"{{{{ .Status | toUpper }}}}: {{{{ .CommonLabels.alertname }}}}"}})",
      server.port()));
  ChannelSender sender(client_, systemClock());
  Attempt a = sender.send(spec, notification("n1", "mail"));
  ASSERT_TRUE(a.delivered) << a.error;
  EXPECT_EQ(a.status, 250);
  auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  const std::string& m = mails[0];
  EXPECT_NE(m.find("X-Test-Mail-From: alerts@example.org"), std::string::npos);
  EXPECT_NE(m.find("X-Test-Rcpt-Tos: ops@example.org"), std::string::npos);
  EXPECT_NE(m.find("X-Test-Tls: no"), std::string::npos);
  EXPECT_NE(m.find("Subject: FIRING: HighLatency"), std::string::npos);
  EXPECT_NE(m.find("From: Pharos <alerts@example.org>"), std::string::npos);
  EXPECT_NE(m.find("Message-ID: <"), std::string::npos);
  EXPECT_NE(m.find("multipart/alternative"), std::string::npos);
  EXPECT_NE(m.find("text/plain"), std::string::npos);
  EXPECT_NE(m.find("text/html"), std::string::npos);
  EXPECT_NE(m.find("HighLatency on web-1"), std::string::npos);
}

TEST_F(SmtpTest, StartTlsWithAuth) {
  pharos::testing::TempDir certs;
  std::string cert = certs.file("cert.pem");
  std::string key = certs.file("key.pem");
  ASSERT_NO_FATAL_FAILURE(
      net::testing::writeSelfSignedCert(cert, key, 7, "localhost", "DNS:localhost,IP:127.0.0.1"));
  SmtpServer server({"--tls", cert, key, "--auth", "pharos", "s3cret"});
  ASSERT_TRUE(server.ready()) << server.output();
  std::string base = fmt::format(
      R"("type":"email","to":["ops@example.org"],"from":"alerts@example.org",
         "smarthost":"127.0.0.1:{}","username":"pharos","ca_file":"{}")",
      server.port(), cert);
  ChannelSender sender(client_, systemClock());

  // aiosmtpd leaves a failed AUTH hanging; the receiver's timeout ends it.
  Attempt wrong = sender.send(
      receiver("{\"name\":\"m\",\"timeout\":\"2s\"," + base + ",\"password\":\"nope-pw\"}"),
      notification("n1", "m"));
  EXPECT_FALSE(wrong.delivered);
  EXPECT_EQ(wrong.error.find("nope-pw"), std::string::npos) << wrong.error;

  Attempt ok = sender.send(receiver("{\"name\":\"m\"," + base + ",\"password\":\"s3cret\"}"),
                           notification("n2", "m"));
  ASSERT_TRUE(ok.delivered) << ok.error;
  auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].find("X-Test-Tls: yes"), std::string::npos);
  EXPECT_NE(mails[0].find("X-Test-Auth: yes"), std::string::npos);

  // Without the CA the certificate does not verify: refused, nothing sent in the clear.
  Attempt untrusted = sender.send(
      receiver(fmt::format(R"({{"name":"m","type":"email","to":["a@x.org"],"from":"p@x.org",
                               "smarthost":"127.0.0.1:{}","username":"pharos","password":"s3cret"}})",
                           server.port())),
      notification("n3", "m"));
  EXPECT_FALSE(untrusted.delivered);
  EXPECT_EQ(server.mails().size(), 1u);
}

TEST_F(SmtpTest, PolicyRefusalIsNotAttempted) {
  net::OutboundPolicy prod(config::Environment::kProd);
  net::OutboundClient client(prod, {});
  ChannelSender sender(client, systemClock());
  Attempt a = sender.send(receiver(R"({"name":"m","type":"email","to":["a@x.org"],"from":"p@x.org",
                                       "smarthost":"127.0.0.1:25"})"),
                          notification("n1", "m"));
  EXPECT_FALSE(a.delivered);
  EXPECT_NE(a.error.find("blocked by outbound policy"), std::string::npos) << a.error;
}

}  // namespace
}  // namespace pharos::notify
