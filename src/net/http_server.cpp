#include "net/http_server.h"

#include "core/text.h"

// <utility> before any Asio header: Boost 1.74 uses std::exchange without including it.
#include <utility>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/status.hpp>

#include "core/log.h"
#include "core/thread_name.h"
#include "net/cidr.h"
#include "net/client_address.h"
#include "net/gzip.h"
#include "net/request_parse.h"
#include "net/tls_context.h"

namespace pharos::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SysError = boost::system::error_code;
using TlsStream = asio::ssl::stream<tcp::socket>;
using TlsContextPtr = std::shared_ptr<asio::ssl::context>;

namespace {

constexpr size_t kReadChunk = 16 * 1024;
// After the last response on a connection we stop sending and read what the client still
// sends, so that closing does not reset the connection (which can destroy the response in
// the client's receive buffer). Bounded in time and bytes.
constexpr Millis kLingerTimeout{2'000};
constexpr size_t kLingerMaxBytes = 4 << 20;
// Connections being turned away with a 503 at one time; beyond that they are just closed.
constexpr size_t kRejectBacklog = 64;
// Back-off after a failed accept (EMFILE), so a full fd table does not spin a core.
constexpr Millis kAcceptRetry{50};
// How long stop() waits for force-closed connections to unwind before stopping the loop.
constexpr Millis kForceCloseGrace{1'000};

std::string_view view(beast::string_view s) {
  return {s.data(), s.size()};
}

// The server owns message framing; these names from a handler are dropped.
bool isReserved(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection") || iequals(name, "server") || iequals(name, "date");
}

void appendInt(std::string& out, uint64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

// "Sun, 06 Nov 1994 08:49:37 GMT", formatted once a second per thread.
std::string_view httpDate() {
  thread_local time_t cachedSecond = -1;
  thread_local char buf[64];
  thread_local size_t len = 0;
  time_t now = std::time(nullptr);
  if (now != cachedSecond) {
    struct tm tm;
    gmtime_r(&now, &tm);
    len = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cachedSecond = now;
  }
  return {buf, len};
}

std::string_view reasonPhrase(int status) {
  std::string_view reason = view(http::obsolete_reason(static_cast<http::status>(status)));
  return reason.starts_with('<') ? std::string_view() : reason;  // "<unknown-status>"
}

std::string hostPort(std::string_view host, uint16_t port) {
  std::string out;
  bool v6 = host.find(':') != std::string_view::npos;
  if (v6) out += '[';
  out += host;
  if (v6) out += ']';
  out += ':';
  appendInt(out, port);
  return out;
}

// The byte stream of one connection: a TCP socket, or TLS over it. The session's I/O goes
// through here so that the rest of it does not care which.
class Stream {
 public:
  Stream(tcp::socket socket, TlsContextPtr tls) : tlsContext_(std::move(tls)) {
    if (tlsContext_) {
      tls_.emplace(std::move(socket), *tlsContext_);
    } else {
      plain_.emplace(std::move(socket));
    }
  }

  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  bool isTls() const { return tls_.has_value(); }
  TlsStream& tls() { return *tls_; }

  template <typename Buffers, typename Handler>
  void asyncReadSome(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <typename Buffers, typename Handler>
  void asyncWrite(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      asio::async_write(*tls_, buffers, std::forward<Handler>(handler));
    } else {
      asio::async_write(*plain_, buffers, std::forward<Handler>(handler));
    }
  }

 private:
  // The context this connection was accepted with; a reload does not pull it away.
  TlsContextPtr tlsContext_;
  std::optional<tcp::socket> plain_;
  std::optional<TlsStream> tls_;
};

class Server;

// One accepted connection. All of its handlers run on its own strand, so its members need no
// lock. It is kept alive by the handlers of its pending operations and dies after the last.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server& server, bool reject, std::string peer, TlsContextPtr tls);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  asio::any_io_executor executor() { return stream_.socket().get_executor(); }

  // These three run on the session's strand.
  void start();
  void onServerStopping();
  void close();

 private:
  enum class Phase { kStarting, kIdle, kReading, kHandling, kWriting, kLingering, kClosed };

  void onHandshake(const SysError& ec);
  void begin();
  void waitForRequest();
  void onFirstBytes(const SysError& ec, size_t bytes);
  void readHeader();
  void parseBuffered();
  void readMore();
  void onHeader();
  void readBody();
  void onReadError();
  void handleRequest();
  void send(HttpResponse&& response, bool headRequest, bool keepAlive, bool http10);
  void onWrite(const SysError& ec);
  void startStream(std::shared_ptr<ResponseStream> stream);
  void pumpStream();
  void writeStreamChunk(bool first);
  void watchStreamClient();
  void lingerThenClose();
  void lingerRead();
  void armTimer(Millis after);

  Server& server_;
  Stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::string head_;  // the serialized response head, reused across responses
  std::string body_;
  std::string peer_;  // the TCP peer's address
  uint64_t timerGeneration_ = 0;
  size_t lingered_ = 0;
  Phase phase_ = Phase::kStarting;
  bool reject_;
  bool timedOut_ = false;
  bool firstRequest_ = true;
  bool closeAfterWrite_ = false;
  std::shared_ptr<ResponseStream> streamOut_;  // a streaming response in progress
  std::string streamChunk_;
  bool streamWriting_ = false;
  char streamProbe_[512];
};

// Everything HttpServer does. Sessions reach back into it to count themselves, to find the
// router and to learn that the server is stopping.
class Server {
 public:
  Server(const ServerOptions& options, std::shared_ptr<const Router> router)
      : options_(options),
        limits_{options.maxHeaderBytes, options.maxBodyBytes},
        router_(std::move(router)),
        iocs_(makeContexts(std::max(options.threads, 1))),
        acceptStrand_(asio::make_strand(*iocs_.front())),
        acceptor_(acceptStrand_),
        acceptRetry_(acceptStrand_) {}

  ~Server() { stop(Millis(0)); }

  Status configure();
  Status bind();
  void run();
  Status reloadTls();
  void stop(Millis drainDeadline);
  uint16_t port() const { return port_; }
  ServerStats stats() const {
    return ServerStats{
        active_.load(std::memory_order_relaxed), accepted_.load(std::memory_order_relaxed),
        rejected_.load(std::memory_order_relaxed), requests_.load(std::memory_order_relaxed),
        denied_.load(std::memory_order_relaxed)};
  }

  const ServerOptions& options() const { return options_; }
  const RequestLimits& limits() const { return limits_; }
  const Router& router() const { return *router_; }
  const CidrMatcher& trustedProxies() const { return trustedProxies_; }
  const logging::Logger& log() const { return log_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  void countRequest() { requests_.fetch_add(1, std::memory_order_relaxed); }

  // false when the server is already stopping: the session should close at once.
  bool registerSession(Session* session, std::weak_ptr<Session> weak) {
    std::lock_guard lock(mutex_);
    sessions_.emplace(session, std::move(weak));
    return !stopping_.load();
  }
  void onSessionGone(Session* session, bool rejected) {
    (rejected ? rejecting_ : active_).fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    sessions_.erase(session);
    if (sessions_.empty()) drained_.notify_all();
  }

 private:
  void doAccept();
  void onAccept(const SysError& ec, tcp::socket socket);
  void runLoop(asio::io_context& ioc);
  std::vector<std::shared_ptr<Session>> liveSessions();
  TlsContextPtr tlsContext() {
    std::lock_guard lock(tlsMutex_);
    return tls_;
  }

  // Declared before iocs_ so that they outlive them: destroying a loop destroys pending handlers,
  // which may destroy the last sessions, which unregister here.
  ServerOptions options_;
  RequestLimits limits_;
  std::shared_ptr<const Router> router_;
  CidrMatcher allow_;
  CidrMatcher trustedProxies_;
  std::mutex tlsMutex_;
  TlsContextPtr tls_;  // guarded by tlsMutex_; null: plain HTTP
  logging::Logger log_{"net"};
  std::mutex mutex_;
  std::condition_variable drained_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;  // guarded by mutex_
  std::atomic<bool> stopping_{false};  // written under mutex_, read anywhere
  std::atomic<uint64_t> active_{0};
  std::atomic<uint64_t> rejecting_{0};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> denied_{0};
  uint16_t port_ = 0;
  std::mutex stopMutex_;
  bool stopped_ = false;  // guarded by stopMutex_

  // One event loop per thread, as nginx runs one per worker: a connection lives on one loop
  // for its whole life, so no two threads hand its work back and forth (with one shared
  // loop on two threads, p99 latency was four times worse here).
  static std::vector<std::unique_ptr<asio::io_context>> makeContexts(int n) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < n; ++i)
      out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }
  std::vector<std::unique_ptr<asio::io_context>> iocs_;
  size_t nextContext_ = 0;  // round robin over iocs_; used on acceptStrand_ only
  asio::strand<asio::io_context::executor_type> acceptStrand_;
  tcp::acceptor acceptor_;
  asio::steady_timer acceptRetry_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
};

// ---- Session ------------------------------------------------------------------------------

Session::Session(tcp::socket socket, Server& server, bool reject, std::string peer,
                 TlsContextPtr tls)
    : server_(server),
      stream_(std::move(socket), std::move(tls)),
      timer_(stream_.socket().get_executor()),
      peer_(std::move(peer)),
      reject_(reject) {
  SysError ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
}

Session::~Session() {
  server_.onSessionGone(this, reject_);
}

void Session::start() {
  if (!server_.registerSession(this, weak_from_this())) {
    close();
    return;
  }
  if (stream_.isTls()) {
    // No request has begun, so a stop closes it at once; the read timeout bounds a client
    // that connects and never finishes the handshake.
    phase_ = Phase::kIdle;
    armTimer(server_.options().readTimeout);
    stream_.tls().async_handshake(
        asio::ssl::stream_base::server,
        [self = shared_from_this()](const SysError& ec) { self->onHandshake(ec); });
    return;
  }
  begin();
}

void Session::onHandshake(const SysError& ec) {
  if (phase_ == Phase::kClosed) return;
  if (ec) {  // a scanner, a plain-HTTP client, an old TLS version: nothing to answer
    close();
    return;
  }
  begin();
}

void Session::begin() {
  if (reject_) {
    HttpResponse response = HttpResponse::error(503, "unavailable", "too many connections");
    response.headers.emplace_back("Retry-After", "1");
    send(std::move(response), false, false, false);
    return;
  }
  waitForRequest();
}

void Session::onServerStopping() {
  // Only a connection between requests closes now; one in the middle of a request gets its
  // response (marked Connection: close) until the drain deadline. A lingering one has nothing
  // unread (its read would have completed), so closing sends FIN, not a reset.
  if (phase_ == Phase::kIdle || phase_ == Phase::kLingering) close();
  if (streamOut_) {  // a stream has no end of its own to wait for
    streamOut_->cancel();
    close();
  }
}

void Session::close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  ++timerGeneration_;
  timer_.cancel();
  SysError ignored;
  stream_.socket().close(ignored);
}

void Session::armTimer(Millis after) {
  // A stale expiry can still be queued when the timer is re-armed; the generation tells.
  timedOut_ = false;
  uint64_t generation = ++timerGeneration_;
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this(), generation](const SysError& ec) {
    if (ec || generation != self->timerGeneration_ || self->phase_ == Phase::kClosed) return;
    self->timedOut_ = true;
    SysError ignored;
    self->stream_.socket().cancel(ignored);
  });
}

void Session::waitForRequest() {
  if (server_.stopping()) {
    close();
    return;
  }
  if (buffer_.size() > 0) {  // a pipelined request is already here
    readHeader();
    return;
  }
  // Wait for the first byte under the idle timeout; the read timeout starts with it. A new
  // connection is expected to send at once, so it gets the read timeout.
  phase_ = Phase::kIdle;
  const ServerOptions& o = server_.options();
  armTimer(firstRequest_ ? o.readTimeout : o.idleTimeout);
  stream_.asyncReadSome(buffer_.prepare(kReadChunk),
                        [self = shared_from_this()](const SysError& ec, size_t bytes) {
                          self->onFirstBytes(ec, bytes);
                        });
}

void Session::onFirstBytes(const SysError& ec, size_t bytes) {
  if (phase_ == Phase::kClosed) return;
  if (ec) {  // EOF, reset, idle timeout or stop: no request started, so nothing to answer
    close();
    return;
  }
  buffer_.commit(bytes);
  readHeader();
}

void Session::readHeader() {
  phase_ = Phase::kReading;
  parser_.emplace(server_.limits(), &server_.router());
  armTimer(server_.options().readTimeout);
  parseBuffered();
}

void Session::parseBuffered() {
  while (buffer_.size() > 0) {
    auto data = buffer_.data();
    size_t n = parser_->feed({static_cast<const char*>(data.data()), data.size()});
    buffer_.consume(n);
    switch (parser_->status()) {
      case ParseStatus::kFailed:
        // After a request we could not read, the rest of the stream cannot be trusted: close.
        send(HttpResponse(parser_->failure()), false, false, false);
        parser_.reset();
        return;
      case ParseStatus::kComplete:
        handleRequest();
        return;
      case ParseStatus::kHeaderDone:
        onHeader();
        return;
      case ParseStatus::kNeedMore:
        break;
    }
    if (n == 0) break;  // an incomplete header: wait for the rest
  }
  readMore();
}

void Session::readMore() {
  stream_.asyncReadSome(buffer_.prepare(kReadChunk),
                        [self = shared_from_this()](const SysError& ec, size_t bytes) {
                          if (self->phase_ == Phase::kClosed) return;
                          if (ec) {
                            self->onReadError();
                            return;
                          }
                          self->buffer_.commit(bytes);
                          self->parseBuffered();
                        });
}

void Session::onHeader() {
  if (parser_->expectsContinue()) {
    // The client waits for this before it sends the body (curl does for large uploads).
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    phase_ = Phase::kWriting;
    armTimer(server_.options().writeTimeout);
    stream_.asyncWrite(asio::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](const SysError& ec, size_t) {
                         if (self->phase_ == Phase::kClosed) return;
                         if (ec) {
                           self->close();
                           return;
                         }
                         self->readBody();
                       });
    return;
  }
  readBody();
}

void Session::readBody() {
  phase_ = Phase::kReading;
  armTimer(server_.options().readTimeout);
  parseBuffered();
}

void Session::onReadError() {
  if (timedOut_) {
    parser_.reset();
    send(HttpResponse::error(408, "request_timeout", "the request was not received in time"), false,
         false, false);
  } else {  // the client went away, or the server is closing the connection
    close();
  }
}

void Session::handleRequest() {
  ++timerGeneration_;  // no timeout while the handler runs; the write re-arms the timer
  phase_ = Phase::kHandling;
  server_.countRequest();
  bool headRequest = parser_->isHead();
  bool http10 = parser_->http10();
  bool keepAlive = parser_->keepAlive();
  HttpRequest request = std::move(parser_->request());
  parser_.reset();
  request.peerAddress = peer_;
  request.remoteAddress = resolveClientAddress(peer_, request.headers, server_.trustedProxies());
  bool compress = server_.options().compressResponses;
  bool clientAcceptsGzip = compress && acceptsGzip(request.header("Accept-Encoding"));

  HttpResponse response;
  try {
    response = server_.router().dispatch(request);
  } catch (const std::exception& e) {
    server_.log().error("handler threw", {{"method", request.method},
                                          {"path", request.path},
                                          {"error", std::string_view(e.what())}});
    response = HttpResponse::error(500, "internal", "internal error");
  } catch (...) {
    server_.log().error("handler threw", {{"method", request.method}, {"path", request.path}});
    response = HttpResponse::error(500, "internal", "internal error");
  }
  if (compress) compressResponse(response, clientAcceptsGzip);
  // Checked after the handler: a stop that began while it ran must still close.
  send(std::move(response), headRequest, keepAlive && !server_.stopping(), http10);
}

void Session::send(HttpResponse&& response, bool headRequest, bool keepAlive, bool http10) {
  if (response.status < 200 || response.status > 599) {
    server_.log().error("handler returned an invalid status", {{"status", response.status}});
    response = HttpResponse::error(500, "internal", "internal error");
  }
  int status = response.status;
  closeAfterWrite_ = !keepAlive || response.stream != nullptr;
  bool bodyless = status == 204 || status == 304;

  head_.clear();
  head_ += "HTTP/1.1 ";
  appendInt(head_, static_cast<uint64_t>(status));
  head_ += ' ';
  head_ += reasonPhrase(status);
  head_ += "\r\nServer: pharos\r\nDate: ";
  head_ += httpDate();
  head_ += "\r\n";
  if (!bodyless) {
    if (!response.contentType.empty() && isHttpFieldValue(response.contentType)) {
      head_ += "Content-Type: ";
      head_ += response.contentType;
      head_ += "\r\n";
    }
    if (response.stream) {
      head_ += "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
    } else {
      head_ += "Content-Length: ";
      appendInt(head_, response.body.size());
      head_ += "\r\n";
    }
  }
  for (const auto& [name, value] : response.headers) {
    if (!isHttpToken(name) || !isHttpFieldValue(value)) {
      server_.log().warn("dropped an invalid response header", {{"status", status}});
      continue;
    }
    if (isReserved(name)) continue;
    head_ += name;
    head_ += ": ";
    head_ += value;
    head_ += "\r\n";
  }
  if (closeAfterWrite_) {
    head_ += "Connection: close\r\n";
  } else if (http10) {
    head_ += "Connection: keep-alive\r\n";
  }
  head_ += "\r\n";
  if (response.stream && !headRequest && !bodyless) {
    startStream(std::move(response.stream));
    return;
  }
  if (!headRequest && !bodyless) body_ = std::move(response.body);

  phase_ = Phase::kWriting;
  armTimer(server_.options().writeTimeout);
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
  stream_.asyncWrite(
      buffers, [self = shared_from_this()](const SysError& ec, size_t) { self->onWrite(ec); });
}

void Session::onWrite(const SysError& ec) {
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    close();
    return;
  }
  std::string().swap(body_);  // a large body should not stay with an idle connection
  if (closeAfterWrite_ || server_.stopping()) {
    lingerThenClose();
    return;
  }
  firstRequest_ = false;
  waitForRequest();
}

// A streaming response: the head, then chunks as the producer pushes them. A read on the
// socket runs beside the writes so a client that hangs up is noticed (and the producer told)
// even when nothing is being written.
void Session::startStream(std::shared_ptr<ResponseStream> stream) {
  streamOut_ = std::move(stream);
  phase_ = Phase::kWriting;
  std::weak_ptr<Session> weak = weak_from_this();
  auto executor = this->executor();
  streamOut_->setWake([weak, executor] {
    asio::post(executor, [weak] {
      if (auto self = weak.lock()) self->pumpStream();
    });
  });
  streamChunk_ = std::move(head_);
  writeStreamChunk(/*first=*/true);
}

// Writes streamChunk_; then, unless the client is gone, looks for more. After the head, the
// watch for a client that hangs up starts.
void Session::writeStreamChunk(bool first) {
  streamWriting_ = true;
  armTimer(server_.options().writeTimeout);
  stream_.asyncWrite(asio::buffer(streamChunk_),
                     [self = shared_from_this(), first](const SysError& ec, size_t) {
                       self->streamWriting_ = false;
                       if (ec || self->phase_ == Phase::kClosed) {
                         self->streamOut_->cancel();
                         self->close();
                         return;
                       }
                       if (first) self->watchStreamClient();
                       self->pumpStream();
                     });
}

void Session::pumpStream() {
  if (phase_ == Phase::kClosed || streamWriting_ || !streamOut_) return;
  bool open = streamOut_->take(streamChunk_);
  if (streamChunk_.empty()) {
    ++timerGeneration_;  // idle between chunks is not a stuck write
    if (!open || server_.stopping()) {
      streamOut_->cancel();
      close();
    }
    return;
  }
  writeStreamChunk(/*first=*/false);
}

void Session::watchStreamClient() {
  stream_.asyncReadSome(asio::buffer(streamProbe_),
                        [self = shared_from_this()](const SysError& ec, size_t) {
                          if (self->phase_ == Phase::kClosed) return;
                          if (ec) {  // the client hung up (or the server is closing it)
                            self->streamOut_->cancel();
                            self->close();
                            return;
                          }
                          self->watchStreamClient();  // bytes after the request are ignored
                        });
}

void Session::lingerThenClose() {
  phase_ = Phase::kLingering;
  if (stream_.isTls()) {
    // close_notify, then wait (bounded) for the client's, so the client sees a clean end.
    if (server_.stopping()) {
      close();
      return;
    }
    armTimer(std::min(server_.options().readTimeout, kLingerTimeout));
    stream_.tls().async_shutdown([self = shared_from_this()](const SysError&) { self->close(); });
    return;
  }
  SysError ignored;
  tcp::socket& socket = stream_.socket();
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  if (server_.stopping() && socket.available(ignored) == 0) {  // don't hold up the drain
    close();
    return;
  }
  buffer_.clear();
  armTimer(std::min(server_.options().readTimeout, kLingerTimeout));
  lingerRead();
}

void Session::lingerRead() {
  stream_.socket().async_read_some(buffer_.prepare(kReadChunk),
                                   [self = shared_from_this()](const SysError& ec, size_t bytes) {
                                     if (self->phase_ == Phase::kClosed) return;
                                     self->lingered_ += bytes;
                                     if (ec || self->lingered_ > kLingerMaxBytes) {
                                       self->close();
                                       return;
                                     }
                                     self->lingerRead();
                                   });
}

// ---- Server -------------------------------------------------------------------------------

Status Server::configure() {
  std::string context = hostPort(options_.host, options_.port);
  Result<CidrMatcher> allow = CidrMatcher::parse(options_.allowCidrs);
  if (!allow.ok()) return std::move(allow).error().withContext(context + ": allowCidrs");
  allow_ = std::move(allow).value();
  Result<CidrMatcher> trusted = CidrMatcher::parse(options_.trustedProxies);
  if (!trusted.ok()) return std::move(trusted).error().withContext(context + ": trustedProxies");
  trustedProxies_ = std::move(trusted).value();

  if (options_.tlsCertFile.empty() && options_.tlsKeyFile.empty()) return okStatus();
  if (options_.tlsCertFile.empty() || options_.tlsKeyFile.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key file",
                     context);
  }
  Result<SslCtxPtr> loaded = loadServerTlsContext(options_.tlsCertFile, options_.tlsKeyFile);
  if (!loaded.ok()) return std::move(loaded).error();
  // asio's context takes over the SSL_CTX (and frees it).
  tls_ = std::make_shared<asio::ssl::context>(std::move(loaded).value().release());
  return okStatus();
}

Status Server::reloadTls() {
  if (!tlsContext()) {
    return makeError(ErrorCode::kFailedPrecondition, "the server does not use TLS",
                     hostPort(options_.host, port_));
  }
  Result<SslCtxPtr> loaded = loadServerTlsContext(options_.tlsCertFile, options_.tlsKeyFile);
  if (!loaded.ok()) {
    log_.warn("TLS reload failed, keeping the current certificate",
              {{"error", loaded.error().toString()}});
    return std::move(loaded).error();
  }
  auto context = std::make_shared<asio::ssl::context>(std::move(loaded).value().release());
  {
    std::lock_guard lock(tlsMutex_);
    tls_ = std::move(context);
  }
  log_.info("TLS certificate reloaded", {{"file", options_.tlsCertFile}});
  return okStatus();
}

Status Server::bind() {
  std::string context = hostPort(options_.host, options_.port);
  SysError ec;
  asio::ip::address address;
  if (options_.host == "localhost") {
    address = asio::ip::address_v4::loopback();
  } else {
    // No DNS: a name that resolves differently tomorrow should not move the listener.
    address = asio::ip::make_address(options_.host, ec);
    if (ec) {
      return makeError(ErrorCode::kInvalidArgument,
                       "listen host must be an IP address or localhost", context);
    }
  }
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return makeError(ErrorCode::kIo, "cannot open a socket: " + ec.message(), context);
  // Lets a restarted server bind while old connections sit in TIME_WAIT. On Linux it does not
  // let two listeners share a port.
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    if (ec == asio::error::address_in_use) {
      return retryableError(ErrorCode::kUnavailable, "address already in use", context);
    }
    if (ec == asio::error::access_denied || ec == asio::error::no_permission) {
      return makeError(ErrorCode::kPermissionDenied, "not allowed to bind: " + ec.message(),
                       context);
    }
    if (ec == boost::system::errc::address_not_available) {
      return makeError(ErrorCode::kInvalidArgument, "address not available on this host", context);
    }
    return makeError(ErrorCode::kIo, "cannot listen: " + ec.message(), context);
  }
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return makeError(ErrorCode::kIo, "cannot read the bound port: " + ec.message(), context);
  return okStatus();
}

void Server::run() {
  for (auto& ioc : iocs_)
    work_.push_back(asio::make_work_guard(*ioc));
  asio::post(acceptStrand_, [this] { doAccept(); });
  int threads = static_cast<int>(iocs_.size());
  threads_.reserve(iocs_.size());
  for (auto& ioc : iocs_) {
    threads_.emplace_back([this, context = ioc.get()] {
      nameThread("http-io");
      runLoop(*context);
    });
  }
  log_.info("listening", {{"address", hostPort(options_.host, port_)},
                          {"threads", threads},
                          {"tls", tlsContext() != nullptr}});
}

void Server::runLoop(asio::io_context& ioc) {
  // Our handlers catch what handlers throw; this is for what escapes anyway (bad_alloc).
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      log_.error("I/O loop caught an exception", {{"error", std::string_view(e.what())}});
    } catch (...) {
      log_.error("I/O loop caught an unknown exception");
    }
  }
}

void Server::doAccept() {
  asio::io_context& loop = *iocs_[nextContext_++ % iocs_.size()];
  acceptor_.async_accept(asio::make_strand(loop), [this](const SysError& ec, tcp::socket socket) {
    onAccept(ec, std::move(socket));
  });
}

void Server::onAccept(const SysError& ec, tcp::socket socket) {
  if (ec) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    log_.warn("accept failed", {{"error", ec.message()}});
    acceptRetry_.expires_after(kAcceptRetry);
    acceptRetry_.async_wait([this](const SysError& e) {
      if (!e && acceptor_.is_open()) doAccept();
    });
    return;
  }
  if (stopping()) {
    SysError ignored;
    socket.close(ignored);
    return;
  }
  SysError endpointError;
  asio::ip::address address = socket.remote_endpoint(endpointError).address();
  if (endpointError) {  // the peer is already gone
    SysError ignored;
    socket.close(ignored);
    doAccept();
    return;
  }
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; logs and limits want a.b.c.d.
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  if (!allow_.empty()) {
    IpAddress ip = address.is_v4() ? IpAddress::fromV4(address.to_v4().to_bytes())
                                   : IpAddress::fromV6(address.to_v6().to_bytes());
    if (!allow_.contains(ip)) {
      // Not even a 403: nothing is read from or said to a client outside the allow list.
      denied_.fetch_add(1, std::memory_order_relaxed);
      SysError ignored;
      socket.close(ignored);
      doAccept();
      return;
    }
  }
  accepted_.fetch_add(1, std::memory_order_relaxed);
  // Only this strand increments the counters, so check-then-add cannot overshoot.
  bool reject = active_.load(std::memory_order_relaxed) >= options_.maxConnections;
  if (reject) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    if (rejecting_.load(std::memory_order_relaxed) >= kRejectBacklog) {
      SysError ignored;
      socket.close(ignored);
      doAccept();
      return;
    }
    rejecting_.fetch_add(1, std::memory_order_relaxed);
  } else {
    active_.fetch_add(1, std::memory_order_relaxed);
  }
  auto session = std::make_shared<Session>(std::move(socket), *this, reject, address.to_string(),
                                           tlsContext());
  asio::post(session->executor(), [session] { session->start(); });
  doAccept();
}

std::vector<std::shared_ptr<Session>> Server::liveSessions() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(mutex_);
  out.reserve(sessions_.size());
  for (auto& [raw, weak] : sessions_) {
    if (auto session = weak.lock()) out.push_back(std::move(session));
  }
  return out;
}

void Server::stop(Millis drainDeadline) {
  std::lock_guard stopLock(stopMutex_);
  if (stopped_) return;
  stopped_ = true;
  if (threads_.empty()) return;  // never ran
  for (const auto& t : threads_) {
    // Joining our own thread would hang forever; this is a bug in the caller.
    if (t.get_id() == std::this_thread::get_id()) std::abort();
  }
  auto deadline = std::chrono::steady_clock::now() + drainDeadline;
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  asio::post(acceptStrand_, [this] {
    SysError ignored;
    acceptor_.close(ignored);
    acceptRetry_.cancel();
  });
  for (auto& session : liveSessions()) {
    asio::post(session->executor(), [session] { session->onServerStopping(); });
  }

  bool drained;
  {
    std::unique_lock lock(mutex_);
    drained = drained_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
  }
  if (!drained) {
    auto sessions = liveSessions();
    log_.warn("drain deadline passed, closing connections", {{"connections", sessions.size()}});
    for (auto& session : sessions) {
      asio::post(session->executor(), [session] { session->close(); });
    }
    sessions.clear();
    std::unique_lock lock(mutex_);
    drained_.wait_for(lock, kForceCloseGrace, [this] { return sessions_.empty(); });
  }
  work_.clear();
  for (auto& ioc : iocs_)
    ioc->stop();
  for (auto& t : threads_)
    t.join();
  log_.info("stopped", {{"address", hostPort(options_.host, port_)}});
}

}  // namespace

// ---- HttpServer ---------------------------------------------------------------------------

class HttpServer::Impl : public Server {
 public:
  using Server::Server;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;  // ~Server stops

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& options,
                                                      std::shared_ptr<const Router> router) {
  std::string context = hostPort(options.host, options.port);
  if (!router) return makeError(ErrorCode::kInvalidArgument, "no router", context);
  if (options.threads < 1 || options.maxConnections < 1 || options.maxHeaderBytes < 1 ||
      options.readTimeout.count() <= 0 || options.idleTimeout.count() <= 0 ||
      options.writeTimeout.count() <= 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     "threads, maxConnections, maxHeaderBytes and timeouts must be positive",
                     context);
  }
  auto impl = std::make_unique<Impl>(options, std::move(router));
  PHAROS_TRY(impl->configure());
  PHAROS_TRY(impl->bind());
  impl->run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const {
  return impl_->port();
}

ServerStats HttpServer::stats() const {
  return impl_->stats();
}

Status HttpServer::reloadTls() {
  return impl_->reloadTls();
}

void HttpServer::stop(Millis drainDeadline) {
  impl_->stop(drainDeadline);
}

}  // namespace pharos::net
