#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pharos::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // "/api/v1/x?y=1" as sent
  std::string path;    // "/api/v1/x", percent-decoded
  std::string query;   // "y=1", raw
  Headers headers;
  std::string body;
  // The client: the TCP peer, or for a peer in ServerOptions::trustedProxies the address it
  // forwarded in X-Forwarded-For (see net/client_address.h). "10.0.0.1", "2001:db8::1".
  std::string remoteAddress;
  std::string peerAddress;                                      // the TCP peer, always
  std::vector<std::pair<std::string, std::string>> pathParams;  // filled by the router

  // Case-insensitive lookup; empty when absent.
  std::string_view header(std::string_view name) const;
  std::string_view pathParam(std::string_view name) const;
};

// A response body written over time (Server-Sent Events: the live tail). A handler returns
// a response with `stream` set; the server sends the head without Content-Length and with
// Connection: close, then each chunk the producer pushes, until the producer closes the
// stream or the client goes away. The buffer is bounded: a client that does not read loses
// chunks (push says so) instead of growing the server's memory.
class ResponseStream {
 public:
  explicit ResponseStream(size_t maxBufferedBytes = 1 << 20) : maxBuffered_(maxBufferedBytes) {}

  // Producer side, any thread. False when the client is gone or the chunk did not fit.
  bool push(std::string_view chunk);
  void close();
  bool clientGone() const;

  // Server side. `wake` runs (on the producer's thread) when data or the close arrives.
  void setWake(std::function<void()> wake);
  // Moves what is buffered into `out` (replacing it); false once closed and drained.
  bool take(std::string& out);
  void cancel();  // the client went away

 private:
  mutable std::mutex mutex_;
  std::string buffer_;
  size_t maxBuffered_;
  bool closed_ = false;
  bool cancelled_ = false;
  std::function<void()> wake_;
};

// What a handler returns. The server owns the framing: it writes Content-Length, Server and
// Connection itself and drops those names (and any header with CR/LF) from `headers`. For a
// HEAD request it sends the head with the Content-Length of `body` but not the body.
struct HttpResponse {
  int status = 200;
  std::string contentType = "application/json";
  Headers headers;
  std::string body;
  std::shared_ptr<ResponseStream> stream;  // set: `body` is ignored, see ResponseStream

  static HttpResponse text(int status, std::string body,
                           std::string contentType = "text/plain; charset=utf-8");
  static HttpResponse json(int status, std::string body);
  // The error envelope every endpoint uses: {"error":{"code":"…","message":"…"}}.
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

// RFC 9110 token characters (methods, header names).
bool isHttpToken(std::string_view s);
// A header value that cannot end the header line early (no CR, LF or NUL): a value copied
// from elsewhere must not inject headers or a second message.
bool isHttpFieldValue(std::string_view s);

// Handlers run on the server's I/O threads: they must not block for long.
using Handler = std::function<HttpResponse(HttpRequest&)>;

}  // namespace pharos::net
