#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/http.h"
#include "net/router.h"

namespace pharos::net {

// The one path from bytes on the wire to an HttpRequest: HTTP/1.1 framing (Beast's parser),
// header and body limits (per route), the request target, and gzip request bodies. The
// server drives it from its socket and the fuzzer from arbitrary bytes, so both exercise the
// same code.

struct RequestLimits {
  size_t maxHeaderBytes = 16 * 1024;
  size_t maxBodyBytes = 1 << 20;  // for routes without a limit of their own
};

enum class ParseStatus {
  kNeedMore,    // feed more bytes
  kHeaderDone,  // the header is accepted and a body follows; see expectsContinue()
  kComplete,    // request() is ready
  kFailed,      // failure() is the 4xx to send; the connection cannot be trusted after it
};

// Parses one request. Not thread-safe; one per request.
class RequestParser {
 public:
  // `router` (may be null) supplies per-route body limits and must outlive the parser.
  RequestParser(const RequestLimits& limits, const Router* router);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Consumes a prefix of `data` and returns its length. Until a whole header has arrived
  // nothing is consumed (kNeedMore): call again with the same bytes and more. Returns early
  // once at the end of the header (kHeaderDone) and at the end of the request (kComplete):
  // the bytes after it are the next request's. Call only while kNeedMore or kHeaderDone.
  size_t feed(std::string_view data);

  ParseStatus status() const { return status_; }

  // At kHeaderDone: the client sent "Expect: 100-continue" and waits for it before the body.
  bool expectsContinue() const;

  // At kComplete. The body is inflated when it came with Content-Encoding: gzip, and that
  // header is then removed (Content-Length, if any, is set to the inflated size).
  // remoteAddress and peerAddress are left for the caller.
  HttpRequest& request() { return request_; }
  bool keepAlive() const { return keepAlive_; }
  bool isHead() const { return request_.method == "HEAD"; }
  bool http10() const { return http10_; }

  // At kFailed: 400 (malformed, corrupt gzip), 413 (body over the limit), 415 (unknown
  // Content-Encoding) or 431 (header over the limit), as an error envelope.
  const HttpResponse& failure() const { return failure_; }

  // The limit that applies to this request's body; the global one until the header is read.
  size_t bodyLimit() const { return bodyLimit_; }

 private:
  struct Beast;  // Beast's parser, kept out of this header (it is slow to compile)

  void onHeader();
  void onComplete();
  void fail(int status, std::string_view code, std::string message);
  void failBodyTooLarge();

  RequestLimits limits_;
  const Router* router_;
  std::unique_ptr<Beast> beast_;
  ParseStatus status_ = ParseStatus::kNeedMore;
  bool headerSeen_ = false;
  bool gzip_ = false;
  bool zstd_ = false;
  bool keepAlive_ = false;
  bool http10_ = false;
  size_t bodyLimit_;
  HttpRequest request_;
  HttpResponse failure_;
};

struct RequestTarget {
  std::string path;   // percent-decoded
  std::string query;  // raw, without '?'
};

// Splits a request target. Absolute form ("http://host/p?q"), which proxies send, is reduced
// to its path. std::nullopt when the path does not start with '/', has a malformed escape, or
// encodes NUL (which no route can mean).
std::optional<RequestTarget> parseRequestTarget(std::string_view target);

}  // namespace pharos::net
