#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

  // HTTPS when both are set: PEM files, the certificate file holding the chain (leaf first).
  // TLS 1.2 and 1.3 only. reloadTls() reads them again.
  std::string tlsCertFile;
  std::string tlsKeyFile;
  // When not empty, a connection from outside these ranges ("10.0.0.0/8", "::1/128", or a
  // bare address) is closed at accept, before anything is read. IPv4 ranges match
  // IPv4-mapped peers ("::ffff:10.1.2.3") of a dual-stack listener.
  std::vector<std::string> allowCidrs;
  // Peers in these ranges (proxies, load balancers) may name the client in X-Forwarded-For;
  // see resolveClientAddress() in net/client_address.h.
  std::vector<std::string> trustedProxies;
  // gzip responses for clients that accept it (see compressResponse() in net/gzip.h).
  bool compressResponses = true;
};

// Counters for the server's own /metrics. Monotonic except activeConnections.
struct ServerStats {
  uint64_t activeConnections = 0;
  uint64_t acceptedTotal = 0;
  uint64_t rejectedTotal = 0;  // turned away with 503 (or closed) over maxConnections
  uint64_t requestsTotal = 0;
  uint64_t deniedTotal = 0;  // closed at accept, peer outside allowCidrs; not in acceptedTotal
};

// An HTTP/1.1 server, over TLS when configured: keep-alive, pipelining (answered in order),
// Expect: 100-continue, limits on header and body size (per route, see RouteOptions),
// timeouts, a connection limit, a CIDR allow list, X-Forwarded-For from trusted proxies,
// gzip request bodies and gzip responses. Every response carries
// Content-Length and `Server: pharos`. Malformed input gets a 4xx error envelope and the
// connection is closed; a handler that throws gets a 500 envelope and the server goes on.
//
// Thread-safety: port(), stats() and reloadTls() from any thread; stop() from any thread but not
// from a handler (it joins the I/O threads).
class HttpServer {
 public:
  // Binds synchronously, so a taken port (kUnavailable), a bad host (kInvalidArgument) or a
  // privileged port (kPermissionDenied) is an error here, with "host:port" as the context;
  // so are a malformed allowCidrs/trustedProxies entry and a TLS certificate or key that
  // cannot be loaded (kInvalidArgument, the file in the context). Then serves on
  // `options.threads` threads.
  static Result<std::unique_ptr<HttpServer>> start(const ServerOptions& options,
                                                   std::shared_ptr<const Router> router);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Stops with no drain time; call stop() first to let requests in flight finish.
  ~HttpServer();

  // The bound port: options.port, or the ephemeral one chosen for port 0.
  uint16_t port() const;

  ServerStats stats() const;

  // Reads the TLS certificate and key files again (for a renewed certificate, on SIGHUP).
  // Connections accepted afterwards use the new ones; open connections keep theirs. When the
  // new files cannot be loaded the server keeps serving with the old ones and the error is
  // returned. kFailedPrecondition when the server does not speak TLS.
  Status reloadTls();

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
