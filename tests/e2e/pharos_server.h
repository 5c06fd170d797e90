#pragma once

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "process.h"
#include "shared_backends.h"

namespace pharos::testing {

// Starts `pharos serve` on an ephemeral port and reads the port back from its log. In the
// shared.e2e.* run it keeps its state on PostgreSQL, NATS and S3 (shared_backends.h).
class Server {
 public:
  // `env`: NAME=value settings the server gets besides the test's own environment.
  explicit Server(const std::string& dataDir, std::vector<std::string> extra = {},
                  std::vector<std::string> env = {}) {
    // Ephemeral ports for HTTP and syslog both, so tests run side by side.
    std::vector<std::string> args{PHAROS_BINARY, "serve",       "--data",   dataDir,
                                  "--listen",    "127.0.0.1:0", "--syslog", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    useSharedBackends(args, env);
    process_ = std::make_unique<Process>(args, std::move(env));
    if (process_->waitForOutput("pharos started", std::chrono::seconds(20))) {
      std::smatch m;
      static const std::regex portRe(R"(http=127\.0\.0\.1:(\d+))");
      if (std::regex_search(process_->output(), m, portRe))
        port_ = static_cast<uint16_t>(std::stoi(m[1]));
      static const std::regex syslogRe(R"(syslog="?127\.0\.0\.1:(\d+))");
      if (std::regex_search(process_->output(), m, syslogRe))
        syslogPort_ = static_cast<uint16_t>(std::stoi(m[1]));
      static const std::regex keyRe(R"(phk_[0-9a-z]+_[0-9a-f]+)");
      if (std::regex_search(process_->output(), m, keyRe)) adminKey_ = m[0];
      expectSharedBackends(port_);
    }
  }
  uint16_t port() const { return port_; }
  uint16_t syslogPort() const { return syslogPort_; }
  // The admin key a first start in dev prints; empty when none was printed.
  const std::string& adminKey() const { return adminKey_; }
  std::string authHeader() const { return "Authorization: Bearer " + adminKey_ + "\r\n"; }
  Process& process() { return *process_; }

 private:
  std::unique_ptr<Process> process_;
  uint16_t port_ = 0;
  uint16_t syslogPort_ = 0;
  std::string adminKey_;
};

}  // namespace pharos::testing
