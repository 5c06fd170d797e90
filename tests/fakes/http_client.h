#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pharos::testing {

using std::chrono::steady_clock;

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return v;
      }
    }
    return {};
  }
  bool hasHeader(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) {
      return h.first.size() == name.size() &&
             std::equal(h.first.begin(), h.first.end(), name.begin(),
                        [](char a, char b) { return std::tolower(a) == std::tolower(b); });
    });
  }
};

// A blocking HTTP/1.1 client over a plain loopback socket: it sends exactly the bytes a test
// gives it, so tests can pipeline, stall or send garbage.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response; std::nullopt on EOF, reset or timeout. `head`: the request was HEAD, so no
  // body follows whatever Content-Length says.
  std::optional<Response> read(bool head = false,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = steady_clock::now() + timeout;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) return std::nullopt;
    }
    Response r;
    std::string_view headText(buf_.data(), end);
    size_t lineEnd = headText.find("\r\n");
    std::string_view statusLine = headText.substr(0, lineEnd);
    if (statusLine.size() < 12 || statusLine.substr(0, 9) != "HTTP/1.1 ") return std::nullopt;
    r.status = std::atoi(std::string(statusLine.substr(9, 3)).c_str());
    while (lineEnd != std::string_view::npos) {
      headText.remove_prefix(lineEnd + 2);
      lineEnd = headText.find("\r\n");
      std::string_view line = headText.substr(0, lineEnd);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
      r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    buf_.erase(0, end + 4);
    size_t length = 0;
    if (!head && r.hasHeader("Content-Length")) {
      length = std::stoul(r.header("Content-Length"));
    }
    while (buf_.size() < length) {
      if (!fill(deadline)) return std::nullopt;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // true when the server closes the connection (EOF or reset) within `timeout`. Bytes that
  // arrive meanwhile are kept and can be checked with pending().
  bool closedWithin(std::chrono::milliseconds timeout) {
    auto deadline = steady_clock::now() + timeout;
    while (fill(deadline)) {
    }
    return closed_;
  }
  const std::string& pending() const { return buf_; }

 private:
  bool fill(steady_clock::time_point deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready <= 0) return false;
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buf_;
};

// One GET on a fresh connection; std::nullopt when nothing answers.
// `headers`: extra header lines, each ending in \r\n ("Authorization: Bearer x\r\n").
// `s` percent-encoded for a query parameter (RFC 3986 unreserved characters kept).
inline std::string urlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

inline std::optional<Response> httpGet(uint16_t port, std::string_view path,
                                       std::string_view headers = "") {
  Client c(port);
  if (!c.connected()) return std::nullopt;
  std::string request = "GET " + std::string(path) +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                        std::string(headers) + "\r\n";
  if (!c.send(request)) return std::nullopt;
  return c.read();
}

// One request with `method` and `body` on a fresh connection; `headers` as for httpGet.
inline std::optional<Response> httpRequest(uint16_t port, std::string_view method,
                                           std::string_view path, std::string_view body,
                                           std::string_view headers = "") {
  Client c(port);
  if (!c.connected()) return std::nullopt;
  std::string request = std::string(method) + " " + std::string(path) +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n" + std::string(headers) + "\r\n" +
                        std::string(body);
  if (!c.send(request)) return std::nullopt;
  return c.read();
}

inline std::optional<Response> httpPost(uint16_t port, std::string_view path, std::string_view body,
                                        std::string_view headers = "") {
  return httpRequest(port, "POST", path, body, headers);
}

inline std::optional<Response> httpPut(uint16_t port, std::string_view path, std::string_view body,
                                       std::string_view headers = "") {
  return httpRequest(port, "PUT", path, body, headers);
}

inline std::optional<Response> httpDelete(uint16_t port, std::string_view path,
                                          std::string_view headers = "") {
  return httpRequest(port, "DELETE", path, "", headers);
}

}  // namespace pharos::testing
