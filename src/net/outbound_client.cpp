#include "net/outbound_client.h"

// <utility> before any Asio header: Boost 1.74 uses std::exchange without including it.
#include <utility>

#include <unistd.h>
#include <zlib.h>

#include <array>
#include <ctime>
#include <exception>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "core/log.h"
#include "core/text.h"
#include "net/outbound_url.h"

namespace pharos::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SysError = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;
using TlsContextPtr = std::shared_ptr<asio::ssl::context>;

namespace {

constexpr size_t kReadChunk = 16 * 1024;

Micros since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<Micros>(SteadyClock::now() - start);
}

IpAddress toIp(const asio::ip::address& a) {
  if (a.is_v4()) return IpAddress::fromV4(a.to_v4().to_bytes());
  return IpAddress::fromV6(a.to_v6().to_bytes());
}

bool isRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Inflates a gzip body, keeping at most `cap` bytes of output: the cap applies to the
// inflated size, so a small bomb cannot take memory. `incomplete`: the input ended inside a
// member (fine when we cut the raw body ourselves); `corrupt`: it is not gzip at all.
struct Inflated {
  std::string data;
  bool truncated = false;
  bool incomplete = false;
  bool corrupt = false;
};

Inflated inflateCapped(std::string_view in, size_t cap) {
  Inflated out;
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    out.corrupt = true;
    return out;
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::array<char, kReadChunk> buf;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = buf.size() - zs.avail_out;
    if (out.data.size() + produced > cap) {
      out.data.append(buf.data(), cap - out.data.size());
      out.truncated = true;
      break;
    }
    out.data.append(buf.data(), produced);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another member follows, as `cat a.gz b.gz` makes
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      out.incomplete = true;
      break;
    }
    if (rc != Z_OK) {
      out.corrupt = true;
      break;
    }
  }
  inflateEnd(&zs);
  return out;
}

std::string certCommonName(X509_NAME* name) {
  if (name == nullptr) return {};
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::optional<std::chrono::system_clock::time_point> certTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

enum class Mode { kResolve, kTcp, kTlsProbe, kFetch };

}  // namespace

std::string_view OutboundResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

class OutboundClient::Impl {
 public:
  Impl(const OutboundPolicy& policy, Options options) : policy_(policy), options_(options) {
    int n = std::max(1, options.threads);
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this] { runLoop(); });
    }
  }

  ~Impl() {
    work_.reset();
    ioc_.stop();
    for (std::thread& t : threads_)
      t.join();
    for (auto& [key, list] : idle_) {
      for (IdleConnection& c : list)
        ::close(c.fd);
    }
  }

  // An idle keep-alive connection, kept as a bare descriptor so that the next operation can
  // adopt it on its own strand.
  struct IdleConnection {
    tcp::socket::native_handle_type fd;
    tcp::socket::protocol_type protocol;
    IpAddress address;
    SteadyClock::time_point since;
  };
  static constexpr size_t kMaxIdlePerTarget = 16;
  static constexpr auto kIdleFor = std::chrono::seconds(30);

  std::optional<IdleConnection> takeIdle(const std::string& key) {
    std::lock_guard lock(poolMutex_);
    auto it = idle_.find(key);
    if (it == idle_.end()) return std::nullopt;
    auto& list = it->second;
    auto oldest = SteadyClock::now() - kIdleFor;
    while (!list.empty()) {
      IdleConnection c = list.back();
      list.pop_back();
      // Servers close idle connections too (nginx after 75 s); an old one is likely dead.
      if (c.since >= oldest) return c;
      ::close(c.fd);
    }
    return std::nullopt;
  }

  void putIdle(const std::string& key, IdleConnection c) {
    std::lock_guard lock(poolMutex_);
    auto& list = idle_[key];
    if (list.size() >= kMaxIdlePerTarget) {
      ::close(list.front().fd);
      list.erase(list.begin());
    }
    list.push_back(c);
  }

  asio::io_context& ioc() { return ioc_; }
  const OutboundPolicy& policy() const { return policy_; }
  const Options& options() const { return options_; }
  bool onOwnThread() { return ioc_.get_executor().running_in_this_thread(); }

  // One context per CA source, made on first use: loading the system store is not free.
  Result<TlsContextPtr> tlsContext(const std::string& caFile) {
    std::lock_guard lock(contextsMutex_);
    auto it = contexts_.find(caFile);
    if (it != contexts_.end()) return it->second;
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX* c = ctx->native_handle();
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    if (caFile.empty()) {
      if (SSL_CTX_set_default_verify_paths(c) != 1) {
        return makeError(ErrorCode::kInternal, "cannot load the system CA store");
      }
    } else if (SSL_CTX_load_verify_locations(c, caFile.c_str(), nullptr) != 1) {
      return makeError(ErrorCode::kInvalidArgument,
                       fmt::format("cannot load CA file '{}' (PEM certificates expected)", caFile));
    }
    contexts_.emplace(caFile, ctx);
    return ctx;
  }

 private:
  void runLoop() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        log_.error("outbound I/O loop caught an exception",
                   {{"error", std::string_view(e.what())}});
      } catch (...) {
        log_.error("outbound I/O loop caught an unknown exception");
      }
    }
  }

  const OutboundPolicy& policy_;
  Options options_;
  logging::Logger log_{"net"};
  std::mutex poolMutex_;
  std::map<std::string, std::vector<IdleConnection>> idle_;  // by poolKey()
  std::mutex contextsMutex_;
  // Declared before ioc_ so that the contexts outlive the TLS streams of pending operations,
  // which the io_context destroys with its handlers.
  std::map<std::string, TlsContextPtr> contexts_;
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(ioc_)};
  std::vector<std::thread> threads_;
};

namespace {

// One outbound operation: resolve, judge every address, connect to exactly one allowed
// address (trying the next allowed one when a connect fails), then depending on the mode
// stop there, shake hands over TLS, or exchange one HTTP request and response and follow
// redirects. Everything runs on one strand; one timer bounds the whole operation.
class Operation : public std::enable_shared_from_this<Operation> {
 public:
  Operation(OutboundClient::Impl& impl, Mode mode, OutboundTarget target, OutboundPurpose purpose,
            Millis timeout)
      : impl_(impl),
        mode_(mode),
        target_(std::move(target)),
        purpose_(purpose),
        timeout_(timeout),
        strand_(asio::make_strand(impl.ioc())),
        resolver_(strand_),
        socket_(strand_),
        deadline_(strand_) {}

  std::function<void(Result<std::vector<IpAddress>>)> onResolved;
  std::function<void(Result<TcpConnectResult>)> onTcp;
  std::function<void(Result<TlsProbeResult>)> onProbe;
  std::function<void(Result<OutboundResponse>)> onFetch;
  OutboundRequest request;  // kFetch
  OutboundTlsOptions tlsOptions;

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->begin(); });
  }

 private:
  void begin() {
    start_ = SteadyClock::now();
    if (mode_ == Mode::kFetch || mode_ == Mode::kTlsProbe) {
      Result<TlsContextPtr> ctx = impl_.tlsContext(tlsOptions.caFile);
      if (!ctx.ok()) return fail(std::move(ctx).error());
      tlsContext_ = std::move(ctx).value();
    }
    deadline_.expires_after(timeout_);
    deadline_.async_wait([self = shared_from_this()](SysError ec) {
      if (!ec) self->onDeadline();
    });
    startHop();
  }

  // Fails at once rather than when the cancelled operation reports back: a getaddrinfo
  // call cannot be interrupted, and a hung resolver must not stretch the deadline.
  void onDeadline() {
    if (done_) return;
    timedOut_ = true;
    resolver_.cancel();
    failNet({}, "");
  }

  void closeSocket() {
    SysError ignored;
    if (tls_) tls_->next_layer().close(ignored);
    socket_.close(ignored);
  }

  // Keep-alive connections are shared per purpose and target: a connection judged for one
  // purpose is never lent to another.
  std::string poolKey() const {
    return fmt::format("{}|{}|{}", outboundPurposeName(purpose_), target_.host, target_.port);
  }

  bool pooling() const { return mode_ == Mode::kFetch && request.keepAlive && !target_.tls; }

  void startHop() {
    phase_ = "resolving";
    phaseStart_ = SteadyClock::now();
    timings_ = OutboundTimings{};
    certNotAfter_.reset();
    candidates_.clear();
    next_ = 0;
    reused_ = false;
    if (pooling() && redirects_ == 0 && !freshOnly_) {
      if (auto idle = impl_.takeIdle(poolKey())) {
        SysError ec;
        socket_.close(ec);
        socket_.assign(idle->protocol, idle->fd, ec);
        if (!ec) {
          reused_ = true;
          address_ = idle->address;
          protocol_ = idle->protocol;
          return sendRequest();
        }
        ::close(idle->fd);
      }
    }
    // An address needs no lookup, nor the resolver's thread.
    SysError literalError;
    asio::ip::address literal = asio::ip::make_address(target_.host, literalError);
    if (!literalError) {
      return onEndpoints({tcp::endpoint(literal, target_.port)});
    }
    resolver_.async_resolve(
        target_.host, std::to_string(target_.port), tcp::resolver::numeric_service,
        [self = shared_from_this()](SysError ec, tcp::resolver::results_type r) {
          self->onResolve(ec, std::move(r));
        });
  }

  std::string refusal(const IpAddress& a, const OutboundDecision& d) const {
    return outboundRefusalMessage(a, target_.host, purpose_, d);
  }

  void onResolve(SysError ec, const tcp::resolver::results_type& results) {
    if (done_) return;  // the deadline already answered
    if (ec) return failNet(ec, fmt::format("cannot resolve '{}'", target_.host));
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results)
      endpoints.push_back(entry.endpoint());
    onEndpoints(std::move(endpoints));
  }

  void onEndpoints(const std::vector<tcp::endpoint>& endpoints) {
    timings_.dns = since(phaseStart_);
    std::optional<std::string> refused;
    std::vector<IpAddress> all;
    for (const tcp::endpoint& ep : endpoints) {
      IpAddress a = toIp(ep.address());
      all.push_back(a);
      OutboundDecision d = impl_.policy().decide(a, target_.port, target_.host, purpose_);
      if (d.allowed) {
        candidates_.push_back(ep);
      } else if (!refused) {
        refused = refusal(a, d);
      }
    }
    if (all.empty()) {
      return fail(retryableError(ErrorCode::kUnavailable,
                                 fmt::format("'{}' resolved to no address", target_.host)));
    }
    // Create-time validation is strict: one refused address refuses the target, since which
    // address a later connect gets is up to the resolver.
    if (mode_ == Mode::kResolve) {
      if (refused) return fail(makeError(ErrorCode::kPermissionDenied, *refused));
      return finish([&] { onResolved(std::move(all)); });
    }
    if (candidates_.empty()) return fail(makeError(ErrorCode::kPermissionDenied, *refused));
    connectNext();
  }

  void connectNext() {
    if (next_ >= candidates_.size()) {
      return fail(retryableError(
          ErrorCode::kUnavailable,
          fmt::format("cannot connect to {}: {}", target_.hostHeader(), lastConnectError_)));
    }
    // The policy judged exactly this endpoint in onResolve; no second lookup happens.
    const tcp::endpoint& ep = candidates_[next_++];
    tls_.reset();
    SysError ec;
    socket_.close(ec);
    socket_.open(ep.protocol(), ec);
    if (ec) {
      lastConnectError_ = ec.message();
      return connectNext();
    }
    phase_ = "connecting";
    phaseStart_ = SteadyClock::now();
    socket_.async_connect(
        ep, [self = shared_from_this(), ep](SysError ec2) { self->onConnect(ec2, ep); });
  }

  void onConnect(SysError ec, const tcp::endpoint& ep) {
    if (done_) return;  // the deadline already answered
    if (ec) {
      lastConnectError_ = fmt::format("{}: {}", toIp(ep.address()).toString(), ec.message());
      return connectNext();
    }
    timings_.connect = since(phaseStart_);
    address_ = toIp(ep.address());
    protocol_ = ep.protocol();
    if (mode_ == Mode::kTcp) {
      TcpConnectResult r{address_, timings_.dns, timings_.connect};
      return finish([&] { onTcp(std::move(r)); });
    }
    if (mode_ == Mode::kTlsProbe || target_.tls) return startTls();
    sendRequest();
  }

  void startTls() {
    tls_.emplace(std::move(socket_), *tlsContext_);
    SSL* ssl = tls_->native_handle();
    // inet_pton-strict: "2852039166" is a name to TLS, as it would be to a browser.
    bool literal = IpAddress::parse(target_.host).has_value();
    if (literal) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), target_.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, target_.host.c_str());
      SSL_set1_host(ssl, target_.host.c_str());
    }
    // A probe reports the verdict instead of failing on it.
    bool verify = mode_ == Mode::kFetch && tlsOptions.verifyPeer;
    SSL_set_verify(ssl, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    phase_ = "TLS handshake";
    phaseStart_ = SteadyClock::now();
    tls_->async_handshake(asio::ssl::stream_base::client,
                          [self = shared_from_this()](SysError ec) { self->onHandshake(ec); });
  }

  void onHandshake(SysError ec) {
    if (done_) return;  // the deadline already answered
    if (ec) {
      std::string what = fmt::format("TLS handshake with {} failed", target_.hostHeader());
      long verify = SSL_get_verify_result(tls_->native_handle());
      if (verify != X509_V_OK && !timedOut_) {
        return fail(retryableError(ErrorCode::kUnavailable,
                                   fmt::format("{}: certificate not trusted: {}", what,
                                               X509_verify_cert_error_string(verify))));
      }
      return failNet(ec, what);
    }
    timings_.tls = since(phaseStart_);
    if (mode_ == Mode::kTlsProbe) return finishProbe();
    // An https check may ask how long the certificate has left ([CERT_EXPIRES_IN]).
    if (X509* cert = SSL_get1_peer_certificate(tls_->native_handle()); cert != nullptr) {
      certNotAfter_ = certTime(X509_get0_notAfter(cert));
      X509_free(cert);
    }
    sendRequest();
  }

  void finishProbe() {
    SSL* ssl = tls_->native_handle();
    TlsProbeResult r;
    r.address = address_;
    r.dns = timings_.dns;
    r.connect = timings_.connect;
    r.handshake = timings_.tls;
    r.protocol = SSL_get_version(ssl);
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (cert == nullptr) {
      r.verifyError = "the server sent no certificate";
    } else {
      r.subjectCn = certCommonName(X509_get_subject_name(cert));
      r.issuerCn = certCommonName(X509_get_issuer_name(cert));
      if (auto t = certTime(X509_get0_notBefore(cert))) r.notBefore = *t;
      if (auto t = certTime(X509_get0_notAfter(cert))) r.notAfter = *t;
      long verify = SSL_get_verify_result(ssl);
      r.verified = verify == X509_V_OK;
      if (!r.verified) r.verifyError = X509_verify_cert_error_string(verify);
      X509_free(cert);
    }
    finish([&] { onProbe(std::move(r)); });
  }

  template <typename F>
  void withStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(socket_);
    }
  }

  void sendRequest() {
    httpRequest_.emplace();
    http::request<http::string_body>& req = *httpRequest_;
    req.version(11);
    req.method_string(request.method);
    req.target(target_.target);
    req.set(http::field::host, target_.hostHeader());
    bool userAgent = false;
    bool acceptEncoding = false;
    for (const auto& [name, value] : request.headers) {
      if (iequals(name, "host") || iequals(name, "content-length") || iequals(name, "connection") ||
          iequals(name, "transfer-encoding")) {
        continue;
      }
      userAgent = userAgent || iequals(name, "user-agent");
      acceptEncoding = acceptEncoding || iequals(name, "accept-encoding");
      req.insert(name, value);
    }
    if (!userAgent) req.set(http::field::user_agent, "pharos");
    if (!acceptEncoding) req.set(http::field::accept_encoding, "gzip");
    if (!pooling()) req.set(http::field::connection, "close");
    req.body() = request.body;
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      req.content_length(request.body.size());
    }
    phase_ = "sending the request";
    phaseStart_ = SteadyClock::now();
    withStream([&](auto& stream) {
      http::async_write(stream, req,
                        [self = shared_from_this()](SysError ec, size_t) { self->onWrite(ec); });
    });
  }

  // A kept-alive connection the server closed meanwhile fails at once, before any byte of a
  // response: the request is sent again on a new connection, as browsers do.
  bool retryFresh(SysError ec) {
    if (!reused_ || timedOut_ || !ec || buffer_.size() > 0) return false;
    freshOnly_ = true;
    closeSocket();
    startHop();
    return true;
  }

  void onWrite(SysError ec) {
    if (done_) return;  // the deadline already answered
    if (retryFresh(ec)) return;
    if (ec)
      return failNet(ec, fmt::format("sending the request to {} failed", target_.hostHeader()));
    sentAt_ = SteadyClock::now();
    buffer_.clear();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(impl_.options().maxHeaderBytes));
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    if (request.method == "HEAD") parser_->skip(true);
    raw_.clear();
    rawTruncated_ = false;
    phase_ = "waiting for the response";
    withStream([&](auto& stream) {
      http::async_read_header(
          stream, buffer_, *parser_,
          [self = shared_from_this()](SysError e, size_t) { self->onHeader(e); });
    });
  }

  void onHeader(SysError ec) {
    if (done_) return;  // the deadline already answered
    if (retryFresh(ec)) return;
    if (ec) return failNet(ec, fmt::format("no valid response from {}", target_.hostHeader()));
    timings_.firstByte = since(sentAt_);
    int status = static_cast<int>(parser_->get().result_int());
    if (isRedirect(status) && request.maxRedirects > 0) return followRedirect(status);
    readBody();
  }

  void followRedirect(int status) {
    auto location = parser_->get().find(http::field::location);
    if (location == parser_->get().end()) return readBody();  // nothing to follow
    Result<OutboundTarget> next = resolveRedirect(
        target_, std::string_view(location->value().data(), location->value().size()));
    if (!next.ok()) {
      return fail(makeError(ErrorCode::kUnavailable,
                            fmt::format("{} answered {} with an unusable redirect: {}",
                                        target_.hostHeader(), status, next.error().message)));
    }
    if (++redirects_ > request.maxRedirects) {
      return fail(makeError(
          ErrorCode::kFailedPrecondition,
          fmt::format("stopped after {} redirects (at {})", request.maxRedirects, target_.url())));
    }
    // Like browsers: 303 always, and 301/302 after a POST, continue with a GET and no body.
    bool toGet = (status == 303 && request.method != "HEAD") ||
                 ((status == 301 || status == 302) && request.method == "POST");
    if (toGet) {
      request.method = "GET";
      request.body.clear();
      std::erase_if(request.headers, [](const auto& h) {
        return iequals(h.first, "content-type") || iequals(h.first, "content-encoding");
      });
    }
    // Credentials meant for one origin do not travel to another.
    if (!next->sameOrigin(target_)) {
      std::erase_if(request.headers, [](const auto& h) {
        return iequals(h.first, "authorization") || iequals(h.first, "cookie") ||
               iequals(h.first, "proxy-authorization");
      });
    }
    target_ = std::move(next).value();
    closeSocket();
    tls_.reset();
    parser_.reset();
    startHop();
  }

  void readBody() {
    if (parser_->is_done()) return finishBody();
    auto& body = parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    phase_ = "reading the body";
    withStream([&](auto& stream) {
      http::async_read(stream, buffer_, *parser_,
                       [self = shared_from_this()](SysError e, size_t) { self->onBody(e); });
    });
  }

  void onBody(SysError ec) {
    if (done_) return;  // the deadline already answered
    if (ec == http::error::need_buffer) ec = {};
    size_t got = chunk_.size() - parser_->get().body().size;
    raw_.append(chunk_.data(), got);
    if (ec == asio::ssl::error::stream_truncated) {
      // A TLS peer that closes without close_notify: fine where the body ends at the close.
      SysError eof;
      parser_->put_eof(eof);
      if (!eof) ec = {};
    }
    if (ec)
      return failNet(ec, fmt::format("reading the response from {} failed", target_.hostHeader()));
    if (raw_.size() > request.maxBodyBytes) {
      rawTruncated_ = true;
      return finishBody();
    }
    readBody();
  }

  void finishBody() {
    OutboundResponse r;
    const auto& msg = parser_->get();
    r.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    std::string_view coding = trimSpaces(r.header("content-encoding"));
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      Inflated inflated = inflateCapped(raw_, request.maxBodyBytes);
      if (inflated.corrupt || (inflated.incomplete && !rawTruncated_)) {
        return fail(makeError(ErrorCode::kUnavailable,
                              fmt::format("{} sent a corrupt gzip body", target_.hostHeader())));
      }
      r.body = std::move(inflated.data);
      r.truncated = inflated.truncated || rawTruncated_;
    } else {
      r.truncated = rawTruncated_;
      if (raw_.size() > request.maxBodyBytes) raw_.resize(request.maxBodyBytes);
      r.body = std::move(raw_);
    }
    r.finalUrl = target_.url();
    r.address = address_;
    r.redirects = redirects_;
    r.certNotAfter = certNotAfter_;
    // The connection goes back to the pool when the response ended cleanly where its framing
    // said and the server did not ask to close.
    if (pooling() && parser_->is_done() && parser_->get().keep_alive() && !rawTruncated_ &&
        buffer_.size() == 0 && socket_.is_open()) {
      SysError ec;
      tcp::socket::native_handle_type fd = socket_.release(ec);
      if (!ec) impl_.putIdle(poolKey(), {fd, protocol_, address_, SteadyClock::now()});
    }
    timings_.total = since(start_);
    r.timings = timings_;
    finish([&] { onFetch(std::move(r)); });
  }

  // Every error of a socket operation: a timeout when the deadline closed the socket.
  void failNet(SysError ec, const std::string& what) {
    if (timedOut_) {
      return fail(retryableError(ErrorCode::kDeadlineExceeded,
                                 fmt::format("timed out after {} ms while {} ({})",
                                             timeout_.count(), phase_, target_.hostHeader())));
    }
    fail(retryableError(ErrorCode::kUnavailable, fmt::format("{}: {}", what, ec.message())));
  }

  template <typename F>
  void finish(F&& deliver) {
    if (done_) return;
    done_ = true;
    deadline_.cancel();
    closeSocket();
    deliver();
  }

  void fail(Error error) {
    finish([&] {
      if (onResolved) onResolved(error);
      if (onTcp) onTcp(error);
      if (onProbe) onProbe(error);
      if (onFetch) onFetch(error);
    });
  }

  OutboundClient::Impl& impl_;
  Mode mode_;
  OutboundTarget target_;
  OutboundPurpose purpose_;
  Millis timeout_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::optional<asio::ssl::stream<tcp::socket>> tls_;
  asio::steady_timer deadline_;
  TlsContextPtr tlsContext_;

  std::vector<tcp::endpoint> candidates_;
  size_t next_ = 0;
  std::string lastConnectError_ = "no address to try";
  IpAddress address_;
  tcp::socket::protocol_type protocol_ = tcp::v4();
  std::optional<std::chrono::system_clock::time_point> certNotAfter_;

  std::optional<http::request<http::string_body>> httpRequest_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::array<char, kReadChunk> chunk_{};
  std::string raw_;
  bool rawTruncated_ = false;
  int redirects_ = 0;

  bool done_ = false;
  bool timedOut_ = false;
  bool reused_ = false;     // this hop runs on a kept-alive connection
  bool freshOnly_ = false;  // a reused connection failed; do not take another
  std::string phase_ = "starting";
  SteadyClock::time_point start_;
  SteadyClock::time_point phaseStart_;
  SteadyClock::time_point sentAt_;
  OutboundTimings timings_;
};

// Runs an async call and waits for its callback. A callback dropped by a client that is
// being destroyed surfaces as kUnavailable instead of a hang.
template <typename T, typename Start>
Result<T> waitFor(OutboundClient::Impl& impl, Start&& start) {
  if (impl.onOwnThread()) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "a blocking outbound call on the client's own thread would deadlock");
  }
  auto promise = std::make_shared<std::promise<Result<T>>>();
  std::future<Result<T>> future = promise->get_future();
  start([promise](Result<T> r) { promise->set_value(std::move(r)); });
  try {
    return future.get();
  } catch (const std::future_error&) {
    return makeError(ErrorCode::kUnavailable, "the outbound client stopped");
  }
}

Status checkRequest(const OutboundRequest& r) {
  if (!isHttpToken(r.method)) {
    return makeError(ErrorCode::kInvalidArgument, "the HTTP method is not a valid token");
  }
  for (const auto& [name, value] : r.headers) {
    if (!isHttpToken(name) || !isHttpFieldValue(value)) {
      return makeError(ErrorCode::kInvalidArgument,
                       "a request header has an invalid name or a line break in its value");
    }
  }
  if (r.timeout <= Millis(0)) {
    return makeError(ErrorCode::kInvalidArgument, "the timeout must be positive");
  }
  if (r.maxRedirects < 0) {
    return makeError(ErrorCode::kInvalidArgument, "maxRedirects must not be negative");
  }
  return okStatus();
}

Result<OutboundTarget> hostPortTarget(const std::string& host, uint16_t port) {
  if (port == 0) return makeError(ErrorCode::kInvalidArgument, "port 0 cannot be connected to");
  bool v6 = host.find(':') != std::string::npos;
  return parseOutboundTarget((v6 ? "[" + host + "]" : host) + ":" + std::to_string(port));
}

}  // namespace

OutboundClient::OutboundClient(const OutboundPolicy& policy, Options options)
    : impl_(std::make_unique<Impl>(policy, options)) {}

OutboundClient::~OutboundClient() = default;

Result<std::vector<IpAddress>> OutboundClient::validateTarget(std::string_view target,
                                                              OutboundPurpose purpose,
                                                              Millis timeout) {
  PHAROS_ASSIGN_OR_RETURN(OutboundTarget parsed, parseOutboundTarget(target));
  return waitFor<std::vector<IpAddress>>(*impl_, [&](auto done) {
    auto op = std::make_shared<Operation>(*impl_, Mode::kResolve, parsed, purpose, timeout);
    op->onResolved = std::move(done);
    op->start();
  });
}

void OutboundClient::fetchAsync(OutboundRequest request,
                                std::function<void(Result<OutboundResponse>)> callback) {
  Status ok = checkRequest(request);
  Result<OutboundTarget> target =
      ok.ok() ? parseOutboundUrl(request.url) : Result<OutboundTarget>(ok.error());
  if (!target.ok()) {
    // Delivered on the client's threads like every other result, never inline.
    asio::post(impl_->ioc(), [callback = std::move(callback), e = target.error()] { callback(e); });
    return;
  }
  auto op = std::make_shared<Operation>(*impl_, Mode::kFetch, std::move(target).value(),
                                        request.purpose, request.timeout);
  op->tlsOptions = request.tls;
  op->request = std::move(request);
  op->onFetch = std::move(callback);
  op->start();
}

Result<OutboundResponse> OutboundClient::fetch(OutboundRequest request) {
  return waitFor<OutboundResponse>(
      *impl_, [&](auto done) { fetchAsync(std::move(request), std::move(done)); });
}

void OutboundClient::connectTcpAsync(std::string host, uint16_t port, OutboundPurpose purpose,
                                     Millis timeout,
                                     std::function<void(Result<TcpConnectResult>)> callback) {
  Result<OutboundTarget> target = hostPortTarget(host, port);
  if (!target.ok()) {
    asio::post(impl_->ioc(), [callback = std::move(callback), e = target.error()] { callback(e); });
    return;
  }
  auto op =
      std::make_shared<Operation>(*impl_, Mode::kTcp, std::move(target).value(), purpose, timeout);
  op->onTcp = std::move(callback);
  op->start();
}

Result<TcpConnectResult> OutboundClient::connectTcp(std::string host, uint16_t port,
                                                    OutboundPurpose purpose, Millis timeout) {
  return waitFor<TcpConnectResult>(*impl_, [&](auto done) {
    connectTcpAsync(std::move(host), port, purpose, timeout, std::move(done));
  });
}

void OutboundClient::probeTlsAsync(std::string host, uint16_t port, OutboundPurpose purpose,
                                   Millis timeout, OutboundTlsOptions tls,
                                   std::function<void(Result<TlsProbeResult>)> callback) {
  Result<OutboundTarget> target = hostPortTarget(host, port);
  if (!target.ok()) {
    asio::post(impl_->ioc(), [callback = std::move(callback), e = target.error()] { callback(e); });
    return;
  }
  auto op = std::make_shared<Operation>(*impl_, Mode::kTlsProbe, std::move(target).value(), purpose,
                                        timeout);
  op->tlsOptions = std::move(tls);
  op->onProbe = std::move(callback);
  op->start();
}

Result<TlsProbeResult> OutboundClient::probeTls(std::string host, uint16_t port,
                                                OutboundPurpose purpose, Millis timeout,
                                                OutboundTlsOptions tls) {
  return waitFor<TlsProbeResult>(*impl_, [&](auto done) {
    probeTlsAsync(std::move(host), port, purpose, timeout, std::move(tls), std::move(done));
  });
}

}  // namespace pharos::net
