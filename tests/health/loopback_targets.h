#pragma once

// Check targets on 127.0.0.1 for the health tests: a TCP server that runs a script per
// connection (say nothing, drip, flood), and nginx started on a free port from a temp config.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "e2e/process.h"
#include "fakes/free_port.h"
#include "fakes/temp_dir.h"

namespace pharos::health::testing {

// A listener on 127.0.0.1 that accepts every connection and runs `script` on it, each on its
// own thread. Scripts poll `stopping()` so the destructor ends them.
class ScriptedTcpServer {
 public:
  using Script = std::function<void(int fd, const ScriptedTcpServer& server)>;

  explicit ScriptedTcpServer(Script script) : script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~ScriptedTcpServer() {
    stop_ = true;
    acceptor_.join();
    ::close(fd_);
    std::lock_guard lock(mutex_);
    for (std::thread& t : connections_)
      t.join();
  }
  ScriptedTcpServer(const ScriptedTcpServer&) = delete;
  ScriptedTcpServer& operator=(const ScriptedTcpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  int accepted() const { return accepted_; }
  bool stopping() const { return stop_; }

  // A script: holds the connection open and never sends a byte.
  static void holdSilently(int fd, const ScriptedTcpServer& server) {
    while (server.idle(fd, 50)) {
    }
  }

  // Script steps. Each returns false once the peer is gone or the server stops.
  // Waits up to `ms` for the peer to send or close; reads and drops what it sent.
  bool idle(int fd, int ms) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return !stopping();
    char buf[4096];
    return ::recv(fd, buf, sizeof buf, 0) > 0 && !stopping();
  }
  bool send(int fd, std::string_view bytes) const {
    while (!bytes.empty()) {
      if (stopping()) return false;
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Reads until the end of a request's header (or up to 64 KiB), so the reply is an answer.
  bool readRequest(int fd) const {
    std::string got;
    while (got.find("\r\n\r\n") == std::string::npos && got.size() < 65536) {
      pollfd p{fd, POLLIN, 0};
      if (stopping()) return false;
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      got.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

 private:
  void acceptLoop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      ++accepted_;
      std::lock_guard lock(mutex_);
      connections_.emplace_back([this, conn] {
        script_(conn, *this);
        ::close(conn);
      });
    }
  }

  Script script_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> connections_;
};

// nginx (Debian's nginx-light) in the foreground on a free port of 127.0.0.1, serving the
// `locations` given (nginx syntax, inside the server block). A missing nginx fails the test:
// scripts/setup.sh installs it.
class Nginx {
 public:
  static constexpr const char* kBinary = "/usr/sbin/nginx";

  explicit Nginx(const std::string& locations) {
    if (!std::filesystem::exists(kBinary)) {
      ADD_FAILURE() << kBinary << " is missing: install nginx-light (scripts/setup.sh does)";
      return;
    }
    for (int attempt = 0; attempt < 5 && port_ == 0; ++attempt) {
      uint16_t port = pharos::testing::freeLoopbackPort();
      std::string conf = dir_.file("nginx.conf");
      std::string work = dir_.path().string();
      std::ofstream(conf) << "worker_processes 1;\ndaemon off;\npid " << work
                          << "/nginx.pid;\nerror_log stderr warn;\nevents { worker_connections "
                             "256; }\nhttp {\n  access_log off;\n  client_body_temp_path "
                          << work << "/body;\n  proxy_temp_path " << work
                          << "/proxy;\n  server {\n    listen 127.0.0.1:" << port
                          << ";\n    default_type text/plain;\n"
                          << locations << "\n  }\n}\n";
      auto process = std::make_unique<Process>(
          std::vector<std::string>{kBinary, "-e", "stderr", "-p", work, "-c", conf});
      if (waitUntilListening(port, *process)) {
        process_ = std::move(process);
        port_ = port;
      } else {
        log_ += process->output();
      }
    }
    if (port_ == 0) ADD_FAILURE() << "nginx did not start:\n" << log_;
  }
  ~Nginx() {
    if (process_) process_->signalAndWait(SIGQUIT, std::chrono::seconds(5));
  }
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  uint16_t port() const { return port_; }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  using Process = pharos::testing::Process;

  // nginx says nothing when it is ready: connect until it accepts, or it exits.
  static bool waitUntilListening(uint16_t port, Process& process) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(port);
      bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
      if (up) return true;
      // Collects output; nginx exits on an [emerg] such as a taken port.
      if (process.waitForOutput("[emerg]", std::chrono::milliseconds(20))) return false;
    }
    return false;
  }

  pharos::testing::TempDir dir_;
  std::unique_ptr<Process> process_;
  uint16_t port_ = 0;
  std::string log_;
};

}  // namespace pharos::health::testing
