#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fakes/free_port.h"
#include "fakes/temp_dir.h"

namespace pharos::testing {

// A real `nats-server -js` on a free loopback port with its store in a temp dir, for the
// NatsBus tests. stop()/start() keep the port and the store, so a test can restart the server
// between a send and a receive. The constructor fails the test (never skips) when the binary
// is missing: install it with scripts/setup.sh (Debian package nats-server).
class NatsServer {
 public:
  NatsServer() : port_(freeLoopbackPort()) {
    binary_ = findBinary();
    if (binary_.empty()) {
      ADD_FAILURE() << "nats-server not found in /usr/bin or /usr/sbin: run scripts/setup.sh "
                       "(Debian package nats-server)";
      return;
    }
    // max_payload above the bus's 1 MiB default body plus headers (the server's default is
    // exactly 1 MiB).
    std::ofstream(dir_.file("nats.conf")) << "max_payload: 2MB\n";
    start();
  }

  // A server with more configuration (TLS, authorization), started.
  explicit NatsServer(const std::string& extraConfig) : port_(freeLoopbackPort()) {
    binary_ = findBinary();
    if (binary_.empty()) {
      ADD_FAILURE() << "nats-server not found in /usr/bin or /usr/sbin: run scripts/setup.sh "
                       "(Debian package nats-server)";
      return;
    }
    std::ofstream(dir_.file("nats.conf")) << "max_payload: 2MB\n" << extraConfig << "\n";
    start();
  }

  // One node of a JetStream cluster: `clusterPort` is its route listener, `routePorts` those
  // of the other nodes. Not started: start every node, then wait for the cluster to form.
  struct ClusterNode {
    std::string name;
    uint16_t clusterPort = 0;
    std::vector<uint16_t> routePorts;
  };
  explicit NatsServer(const ClusterNode& node) : port_(freeLoopbackPort()) {
    binary_ = findBinary();
    if (binary_.empty()) {
      ADD_FAILURE() << "nats-server not found in /usr/bin or /usr/sbin: run scripts/setup.sh "
                       "(Debian package nats-server)";
      return;
    }
    std::ofstream conf(dir_.file("nats.conf"));
    conf << "max_payload: 2MB\nserver_name: " << node.name
         << "\ncluster {\n  name: pharos-test\n  listen: 127.0.0.1:" << node.clusterPort
         << "\n  routes: [";
    for (size_t i = 0; i < node.routePorts.size(); ++i)
      conf << (i ? ", " : "") << "nats-route://127.0.0.1:" << node.routePorts[i];
    conf << "]\n}\n";
  }
  ~NatsServer() { stop(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  bool available() const { return !binary_.empty(); }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  uint16_t port() const { return port_; }

  // Starts the server and waits (up to 10 s) until it accepts connections.
  void start() {
    if (binary_.empty() || pid_ > 0) return;
    std::vector<std::string> args = {binary_, "-js",
                                     "-a",    "127.0.0.1",
                                     "-p",    std::to_string(port_),
                                     "-sd",   dir_.file("store"),
                                     "-c",    dir_.file("nats.conf"),
                                     "-l",    dir_.file("nats.log")};
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (std::string& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ASSERT_GT(pid_, 0) << "fork failed";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (accepts()) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL() << "nats-server exited at start:\n" << log();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "nats-server did not accept on port " << port_ << " within 10 s:\n" << log();
  }

  // SIGTERM (a clean shutdown that flushes the store), SIGKILL after 10 s. stop(SIGKILL)
  // simulates a crash of the server process.
  void stop(int sig = SIGTERM) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
  }

  std::string log() const {
    std::ifstream in(dir_.file("nats.log"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  static std::string findBinary() {
    for (const char* p : {"/usr/bin/nats-server", "/usr/sbin/nats-server"}) {
      if (::access(p, X_OK) == 0) return p;
    }
    return {};
  }

  bool accepts() const { return pharos::testing::loopbackPortAccepts(port_); }

  TempDir dir_;
  uint16_t port_;
  std::string binary_;
  pid_t pid_ = -1;
};

}  // namespace pharos::testing
