#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>

namespace pharos::testing {

// A loopback TCP port that accepts connections (the kernel completes the handshake from the
// listen backlog) until closed: what a tcp check probes, and what a test closes to make the
// check go down.
class Listener {
 public:
  explicit Listener(uint16_t port) : port_(port) { open(); }
  ~Listener() { close(); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  void open() {
    // Close-on-exec: pharos, started after it, must not hold the port open.
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    bool bound = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                 ::listen(fd_, 128) == 0;
    EXPECT_TRUE(bound) << "cannot listen on " << port_;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  uint16_t port_;
  int fd_ = -1;
};

}  // namespace pharos::testing
