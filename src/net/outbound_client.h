#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "net/cidr.h"
#include "net/http.h"
#include "net/outbound_policy.h"

namespace pharos::net {

using Micros = std::chrono::microseconds;

struct OutboundTlsOptions {
  // Verify the peer's chain and that it is for the host (name or IP) of the URL. Off only for
  // a check that says so; a probe reports the verdict either way.
  bool verifyPeer = true;
  // A PEM bundle to trust instead of the system's CA store.
  std::string caFile;
};

struct OutboundRequest {
  std::string method = "GET";
  std::string url;  // http:// or https:// (see parseOutboundUrl)
  // Sent as given, except Host (always from the URL), Content-Length and Connection, which
  // the client writes. Accept-Encoding: gzip is added unless one is given.
  Headers headers;
  std::string body;
  OutboundPurpose purpose = OutboundPurpose::kChecks;
  // Covers everything: every hop's resolve, connect, TLS handshake, request and response.
  Millis timeout{10'000};
  // Redirects followed, each to a target resolved and judged again; 0 returns the 3xx.
  int maxRedirects = 5;
  // The body kept, after gzip decoding. More is not read: the body is cut here and
  // OutboundResponse::truncated is set.
  size_t maxBodyBytes = 1 << 20;
  OutboundTlsOptions tls;
  // Plain http: keep the connection open afterwards and reuse an idle one to the same host,
  // port and purpose (at most 16 idle per target, closed after 30 s idle). A reused
  // connection that turns out closed is replaced by a new one within the same timeout.
  bool keepAlive = false;
};

// Where the time of the last hop went; `total` spans all hops. Health checks report these.
struct OutboundTimings {
  Micros dns{0};
  Micros connect{0};
  Micros tls{0};
  Micros firstByte{0};  // from the request being sent to the response header arriving
  Micros total{0};
};

struct OutboundResponse {
  int status = 0;
  Headers headers;   // as received, names in the server's case
  std::string body;  // decoded from gzip when it came gzip-coded; at most maxBodyBytes
  bool truncated = false;
  std::string finalUrl;  // after redirects
  IpAddress address;     // the address the final hop connected to
  int redirects = 0;
  OutboundTimings timings;
  // https: the final hop's leaf certificate's expiry.
  std::optional<std::chrono::system_clock::time_point> certNotAfter;

  // Case-insensitive; empty when absent.
  std::string_view header(std::string_view name) const;
};

struct TcpConnectResult {
  IpAddress address;
  Micros dns{0};
  Micros connect{0};
};

// What a TLS expiry check needs from the peer's leaf certificate.
struct TlsProbeResult {
  IpAddress address;
  std::chrono::system_clock::time_point notBefore;
  std::chrono::system_clock::time_point notAfter;
  std::string subjectCn;
  std::string issuerCn;
  bool verified = false;    // chain and host name, against the CA file or the system store
  std::string verifyError;  // OpenSSL's reason when not verified
  std::string protocol;     // "TLSv1.3"
  Micros dns{0};
  Micros connect{0};
  Micros handshake{0};
};

// The one client for every outbound connection Pharos makes (health checks, scrapes,
// receivers); no module opens sockets of its own. It applies the OutboundPolicy itself, at
// connect time, to each resolved address, and connects to exactly the address it judged (no
// second lookup, so DNS rebinding cannot switch it); every redirect hop is resolved and
// judged again. A refusal is kPermissionDenied with a message starting
// "blocked by outbound policy:", naming the address and the rule. Error messages never
// contain response bodies.
//
// HTTP/1.1 (one request per connection, or kept alive on request) over TCP or TLS (OpenSSL:
// TLS 1.2+, peer and host name verified by default), on Asio with one io_context run by `threads`
// threads: thousands of requests may be in flight at once.
//
// Thread-safety: every method may be called from any thread, except that the blocking ones
// (fetch, connectTcp, probeTls, validateTarget) refuse to run on the client's own threads,
// that is, from inside a callback. Callbacks run on the client's threads and must not block.
// Destroying the client cancels what is in flight; callbacks not yet run are dropped, so
// destroy it only after the last callback, or when nobody waits any more.
class OutboundClient {
 public:
  struct Options {
    int threads = 2;
    size_t maxHeaderBytes = 64 * 1024;  // a larger response header is an error
  };

  // `policy` must outlive the client.
  OutboundClient(const OutboundPolicy& policy, Options options);
  ~OutboundClient();
  OutboundClient(const OutboundClient&) = delete;
  OutboundClient& operator=(const OutboundClient&) = delete;

  // For create-time validation of a check or receiver target (a URL, or "host:port"):
  // parses it and resolves the host, and refuses (kPermissionDenied, "blocked by outbound
  // policy: ...") when any resolved address is refused, so the API can answer 400 naming
  // the rule. kInvalidArgument for a malformed target (unsupported scheme, user@host, ...);
  // kUnavailable when the name does not resolve. Returns the resolved addresses.
  Result<std::vector<IpAddress>> validateTarget(std::string_view target, OutboundPurpose purpose,
                                                Millis timeout = Millis(5'000));

  void fetchAsync(OutboundRequest request, std::function<void(Result<OutboundResponse>)> callback);
  Result<OutboundResponse> fetch(OutboundRequest request);

  // A TCP connect to `host`:`port` (tried address by address), closed at once.
  void connectTcpAsync(std::string host, uint16_t port, OutboundPurpose purpose, Millis timeout,
                       std::function<void(Result<TcpConnectResult>)> callback);
  Result<TcpConnectResult> connectTcp(std::string host, uint16_t port, OutboundPurpose purpose,
                                      Millis timeout);

  // A TLS handshake with `host`:`port` (SNI and host name check with `host`), reporting the
  // leaf certificate and whether it verified; a failed verification is a result, not an
  // error. Errors: policy, resolve, connect, handshake (no TLS at all), timeout.
  void probeTlsAsync(std::string host, uint16_t port, OutboundPurpose purpose, Millis timeout,
                     OutboundTlsOptions tls, std::function<void(Result<TlsProbeResult>)> callback);
  Result<TlsProbeResult> probeTls(std::string host, uint16_t port, OutboundPurpose purpose,
                                  Millis timeout, OutboundTlsOptions tls = {});

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

using OutboundClientPtr = std::unique_ptr<OutboundClient>;

}  // namespace pharos::net
