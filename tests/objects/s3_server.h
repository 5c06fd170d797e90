#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../fakes/temp_dir.h"
#include "fakes/free_port.h"

extern char** environ;

namespace pharos::objects::testing {

// s3rver (npm, tests/s3server/, installed by scripts/setup.sh) on a free loopback port with a
// fresh data directory, for the S3 store's tests. Chosen because Debian has no S3 server and
// s3rver is a small pure-JS one that speaks ListObjectsV2, multipart uploads and user
// metadata. Limits to know: it checks the access key id but not SigV4 signatures; it writes
// an object in place (a reader can see a half-written one, which real S3 never shows); and
// its multipart ETags lack S3's "-<parts>" suffix.
//
// start() returns an empty string or why the server could not start (node or the package
// missing, no answer on the port): a test asserts on it, so a missing server fails loudly
// instead of skipping.
class S3TestServer {
 public:
  static constexpr const char* kAccessKeyId = "S3RVER";  // s3rver's built-in account
  static constexpr const char* kSecret = "S3RVER";

  S3TestServer() = default;
  ~S3TestServer() { stop(); }
  S3TestServer(const S3TestServer&) = delete;
  S3TestServer& operator=(const S3TestServer&) = delete;

  std::string start(const std::vector<std::string>& buckets) {
    const std::string script =
        std::string(PHAROS_SOURCE_DIR) + "/tests/s3server/node_modules/s3rver/bin/s3rver.js";
    if (!std::filesystem::exists(script)) {
      return "s3rver is not installed at " + script + ": run scripts/setup.sh (npm ci in " +
             "tests/s3server)";
    }
    port_ = pharos::testing::freeLoopbackPort();
    // s3rver makes its continuation tokens with DES, which OpenSSL 3 keeps in its legacy
    // provider: without the flag every truncated listing is a 500.
    std::vector<std::string> args = {
        "node", "--openssl-legacy-provider", script, "-d", dir_.path().string(), "-a", "127.0.0.1",
        "-p",   std::to_string(port_),       "-s"};
    for (const std::string& bucket : buckets) {
      args.push_back("--configure-bucket");
      args.push_back(bucket);
    }
    std::vector<char*> argv;
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "node", nullptr, nullptr, argv.data(), environ) != 0) {
      pid_ = 0;
      return "cannot run node (is nodejs installed?)";
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return "s3rver exited at start with status " + std::to_string(status);
      }
      if (accepts()) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    return "s3rver did not accept connections on port " + std::to_string(port_) + " in 20 s";
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }

  uint16_t port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& dataDir() const { return dir_.path(); }

 private:
  bool accepts() const { return pharos::testing::loopbackPortAccepts(port_); }

  pharos::testing::TempDir dir_;
  pid_t pid_ = 0;
  uint16_t port_ = 0;
};

// A loopback HTTP server that answers each request with the next of a scripted list of
// responses (the last one repeats), one request per connection, and counts the requests: for
// the S3 client's retry rules, which s3rver cannot be made to exercise (it never answers 503).
class ScriptedHttpServer {
 public:
  struct Reply {
    int status;
    std::string body;
  };

  explicit ScriptedHttpServer(std::vector<Reply> replies) : replies_(std::move(replies)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedHttpServer() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }
  // The request line and headers of the last request.
  std::string lastRequestHead() const {
    std::lock_guard lock(mutex_);
    return lastHead_;
  }

 private:
  void serve() {
    while (!stopping_) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
      }
      {
        std::lock_guard lock(mutex_);
        lastHead_ = request.substr(0, request.find("\r\n\r\n"));
      }
      const Reply& reply = replies_[std::min<size_t>(requests_.load(), replies_.size() - 1)];
      ++requests_;
      const bool head = request.starts_with("HEAD ");
      std::string response = "HTTP/1.1 " + std::to_string(reply.status) +
                             " Scripted\r\nConnection: close\r\nContent-Length: " +
                             std::to_string(head ? 0 : reply.body.size()) + "\r\n\r\n" +
                             (head ? std::string() : reply.body);
      (void)!::send(client, response.data(), response.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }

  std::vector<Reply> replies_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::string lastHead_;
  std::thread thread_;
};

}  // namespace pharos::objects::testing
