#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "fakes/free_port.h"
#include "fakes/http_client.h"
#include "process.h"

namespace pharos::testing {

// The system's nginx (Debian's nginx-light) on a free loopback port, as a target for checks.
// One process (no master), so stopping it frees the port at once. port() is 0 when it could
// not start, for instance because nginx is not installed: a test must then fail, not skip.
class Nginx {
 public:
  static constexpr const char* kBinary = "/usr/sbin/nginx";

  // `locations`: the server block's `location` directives. Config and temp files go in `dir`.
  Nginx(const std::string& dir, const std::string& locations) {
    // Another process may take the free port before nginx binds it: try a few.
    for (int attempt = 0; attempt < 3 && port_ == 0; ++attempt) {
      uint16_t port = freeLoopbackPort();
      std::string conf = dir + "/nginx.conf";
      std::ofstream(conf) << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
                          << "pid " << dir << "/nginx.pid;\nerror_log stderr warn;\n"
                          << "events { worker_connections 64; }\nhttp {\n  access_log off;\n"
                          << "  client_body_temp_path " << dir << "/body;\n"
                          << "  proxy_temp_path " << dir << "/proxy;\n"
                          << "  fastcgi_temp_path " << dir << "/fastcgi;\n"
                          << "  uwsgi_temp_path " << dir << "/uwsgi;\n"
                          << "  scgi_temp_path " << dir << "/scgi;\n"
                          << "  server {\n    listen 127.0.0.1:" << port << ";\n"
                          << locations << "\n  }\n}\n";
      process_ = std::make_unique<Process>(
          std::vector<std::string>{kBinary, "-p", dir, "-c", conf, "-e", "stderr"});
      if (acceptsConnections(port)) port_ = port;
    }
  }
  ~Nginx() { stop(); }
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  uint16_t port() const { return port_; }
  // What nginx printed: why it did not start, when it did not.
  const std::string& output() const { return process_->output(); }
  // Kills it: its checks start failing with "connection refused".
  void stop() {
    if (process_) process_->signalAndWait(SIGKILL, std::chrono::seconds(5));
  }

 private:
  bool acceptsConnections(uint16_t port) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    // An nginx that exited (not installed, bad config, port taken) will not start listening.
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      if (Client(port).connected()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    return false;
  }

  std::unique_ptr<Process> process_;
  uint16_t port_ = 0;
};

}  // namespace pharos::testing
