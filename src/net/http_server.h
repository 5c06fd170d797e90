#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "net/router.h"

namespace pharos::net {

struct ServerOptions {
  // An IP literal ("127.0.0.1", "::", "0.0.0.0") or "localhost"; never resolved through DNS.
  std::string host = "127.0.0.1";
  uint16_t port = 8470;  // 0: an ephemeral port, see HttpServer::port()
  int threads = 1;       // I/O threads; handlers run on them
  size_t maxConnections = 1024;
  size_t maxHeaderBytes = 16 * 1024;
  size_t maxBodyBytes = 1 << 20;
  // From the first byte of a request (or from accept, for a connection's first request) until
  // it has been read in full; also bounds the header and the body separately.
  Millis readTimeout{10'000};
  // A keep-alive connection waiting for its next request is closed after this long.
  Millis idleTimeout{60'000};
  // Writing one response to a client that does not read.
  Millis writeTimeout{10'000};
};

// Counters for the server's own /metrics. Monotonic except activeConnections.
struct ServerStats {
  uint64_t activeConnections = 0;
  uint64_t acceptedTotal = 0;
  uint64_t rejectedTotal = 0;  // turned away with 503 (or closed) over maxConnections
  uint64_t requestsTotal = 0;
};

// An HTTP/1.1 server: keep-alive, pipelining (answered in order), Expect: 100-continue,
// limits on header and body size, timeouts, and a connection limit. Every response carries
// Content-Length and `Server: pharos`. Malformed input gets a 4xx error envelope and the
// connection is closed; a handler that throws gets a 500 envelope and the server goes on.
//
// Thread-safety: port() and stats() from any thread; stop() from any thread but not from a
// handler (it joins the I/O threads).
class HttpServer {
 public:
  // Binds synchronously, so a taken port (kUnavailable), a bad host (kInvalidArgument) or a
  // privileged port (kPermissionDenied) is an error here, with "host:port" as the context;
  // then serves on `options.threads` threads.
  static Result<std::unique_ptr<HttpServer>> start(const ServerOptions& options,
                                                   std::shared_ptr<const Router> router);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Stops with no drain time; call stop() first to let requests in flight finish.
  ~HttpServer();

  // The bound port: options.port, or the ephemeral one chosen for port 0.
  uint16_t port() const;

  ServerStats stats() const;

  // Stops accepting and closes idle connections at once. Requests in flight are answered
  // (with Connection: close) until `drainDeadline` has passed; then every connection is
  // closed and the I/O threads are joined. Idempotent.
  void stop(Millis drainDeadline);

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

using HttpServerPtr = std::unique_ptr<HttpServer>;

}  // namespace pharos::net
