#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string_view>

namespace pharos::testing {

// A client connection to a loopback TCP port (syslog over TCP), kept open until destroyed: the
// bytes of several send() calls reach the server in order, on one connection.
class TcpConnection {
 public:
  explicit TcpConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~TcpConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Whether every byte was sent (false when the connection was refused).
  bool send(std::string_view bytes) {
    if (fd_ < 0) return false;
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

 private:
  int fd_ = -1;
};

// Sends bytes on a new connection and closes it.
inline bool sendTcp(uint16_t port, std::string_view bytes) {
  return TcpConnection(port).send(bytes);
}

}  // namespace pharos::testing
