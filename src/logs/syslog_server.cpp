#include "logs/syslog_server.h"

// <utility> before any Asio header: Boost 1.74 uses std::exchange without including it.
#include <utility>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/error.h"
#include "core/log.h"
#include "core/thread_name.h"
#include "logs/syslog_framer.h"

namespace pharos::logs {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using SysError = boost::system::error_code;

constexpr std::size_t kReadChunk = 256 * 1024;
// Read what the socket already holds up to this much before one durable commit: one fsync
// then covers a large batch, which is what lets a single connection go fast.
constexpr std::size_t kMaxBatchBytes = 4u << 20;
constexpr int kSocketBuffer = 8 << 20;
constexpr auto kPausePoll = std::chrono::milliseconds(50);

logging::Logger& log() {
  static logging::Logger logger("syslog");
  return logger;
}

std::int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

class SyslogServer::Impl {
 public:
  Impl(const SyslogServerOptions& options, LogPipeline& pipeline)
      : options_(options), pipeline_(pipeline), acceptor_(io_), udp_(io_) {}
  ~Impl() { stop(); }

  Status bind();
  void run();
  void stop();

  SyslogServerOptions options_;
  LogPipeline& pipeline_;
  // Before io_: connections still queued in io_ are destroyed with it and count themselves out.
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> connections_{0}, framesTcp_{0}, framesUdp_{0}, framingErrors_{0},
      truncated_{0}, paused_{0};
  std::uint16_t tcpPort_ = 0, udpPort_ = 0;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  udp::socket udp_;
  std::vector<std::thread> threads_;

  void accept();
  void receiveUdp();
  std::vector<char> udpBuffer_ = std::vector<char>(65536);
  udp::endpoint udpPeer_;
};

namespace {

// One TCP connection: read, frame, commit, read again.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, SyslogServer::Impl& server)
      : socket_(std::move(socket)),
        server_(server),
        timer_(socket_.get_executor()),
        framer_(server.pipeline_.maxLineBytes()) {
    buffer_.resize(kReadChunk);
  }
  ~Connection() { --server_.connections_; }

  void start() {
    SysError ignored;
    socket_.set_option(asio::socket_base::receive_buffer_size(kSocketBuffer), ignored);
    read();
  }

 private:
  void read() {
    if (server_.stopped_) return;
    if (!server_.pipeline_.accepting()) {
      // Back-pressure: stop reading; the client's window fills and it waits.
      ++server_.paused_;
      timer_.expires_after(kPausePoll);
      timer_.async_wait([self = shared_from_this()](const SysError& ec) {
        if (!ec) self->read();
      });
      return;
    }
    socket_.async_read_some(
        asio::buffer(buffer_.data(), kReadChunk),
        [self = shared_from_this()](const SysError& ec, std::size_t n) { self->onRead(ec, n); });
  }

  void onRead(const SysError& ec, std::size_t n) {
    BatchEncoder batch(Source::kSyslogTcp, nowNs(), server_.pipeline_.maxLineBytes());
    auto onFrame = [&](std::string_view frame) { batch.add(EntryView{.message = frame}); };
    if (n > 0) {
      framer_.feed(std::string_view(buffer_.data(), n), onFrame);
      // Take what else is already here, without waiting, into the same commit.
      std::size_t taken = n;
      SysError more;
      while (taken < kMaxBatchBytes && socket_.available(more) > 0 && !more) {
        std::size_t got = socket_.read_some(asio::buffer(buffer_.data(), kReadChunk), more);
        if (got > 0) framer_.feed(std::string_view(buffer_.data(), got), onFrame);
        taken += got;
        if (more) break;
      }
    }
    bool closing = static_cast<bool>(ec) || server_.stopped_;
    if (closing) framer_.finish(onFrame);  // a last line without its newline is kept
    server_.framingErrors_ += framer_.framingErrors() - reportedErrors_;
    server_.truncated_ += framer_.framesTruncated() - reportedTruncated_;
    reportedErrors_ = framer_.framingErrors();
    reportedTruncated_ = framer_.framesTruncated();
    if (!batch.empty()) {
      server_.framesTcp_ += batch.count();
      if (auto s = server_.pipeline_.ingest(std::move(batch)); !s.ok()) {
        // Not durable: closing the connection is the only refusal TCP syslog has; the
        // sender sees it and retries, and nothing unacknowledged is pretended kept.
        log().error("syslog batch not durable; closing the connection",
                    {{"error", s.error().toString()}});
        return;
      }
    }
    if (closing) return;
    read();
  }

  tcp::socket socket_;
  SyslogServer::Impl& server_;
  asio::steady_timer timer_;
  SyslogFramer framer_;
  std::vector<char> buffer_;
  std::uint64_t reportedErrors_ = 0, reportedTruncated_ = 0;
};

}  // namespace

Status SyslogServer::Impl::bind() {
  SysError ec;
  auto address =
      asio::ip::make_address(options_.host == "localhost" ? "127.0.0.1" : options_.host, ec);
  std::string where = options_.host + ":" + std::to_string(options_.port);
  if (ec) return makeError(ErrorCode::kInvalidArgument, "not an IP address", where);
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return makeError(ErrorCode::kUnavailable, "syslog TCP: " + ec.message(), where);
  tcpPort_ = acceptor_.local_endpoint().port();
  udp::endpoint udpEndpoint(address, tcpPort_);
  udp_.open(udpEndpoint.protocol(), ec);
  if (!ec) udp_.set_option(asio::socket_base::receive_buffer_size(kSocketBuffer), ec);
  if (!ec) udp_.bind(udpEndpoint, ec);
  if (ec) return makeError(ErrorCode::kUnavailable, "syslog UDP: " + ec.message(), where);
  udpPort_ = udp_.local_endpoint().port();
  return okStatus();
}

void SyslogServer::Impl::accept() {
  acceptor_.async_accept([this](const SysError& ec, tcp::socket socket) {
    if (stopped_) return;
    if (!ec) {
      if (connections_ >= options_.maxConnections) {
        SysError ignored;
        socket.close(ignored);
      } else {
        ++connections_;
        std::make_shared<Connection>(std::move(socket), *this)->start();
      }
    }
    accept();
  });
}

// Datagrams are batched as they arrive: after one completes, those already queued are read
// without waiting and committed together.
void SyslogServer::Impl::receiveUdp() {
  udp_.async_receive_from(
      asio::buffer(udpBuffer_), udpPeer_, [this](const SysError& ec, std::size_t n) {
        if (stopped_) return;
        if (ec) {
          receiveUdp();
          return;
        }
        BatchEncoder batch(Source::kSyslogUdp, nowNs(), pipeline_.maxLineBytes());
        bool accepting = pipeline_.accepting();
        std::uint64_t dropped = 0;
        auto take = [&](std::size_t size) {
          std::string_view datagram(udpBuffer_.data(), size);
          while (!datagram.empty() &&
                 (datagram.back() == '\n' || datagram.back() == '\r' || datagram.back() == '\0'))
            datagram.remove_suffix(1);
          if (datagram.empty()) return;
          if (accepting) {
            batch.add(EntryView{.message = datagram});
          } else {
            ++dropped;
          }
        };
        take(n);
        SysError more;
        while (batch.sizeBytes() < kMaxBatchBytes && udp_.available(more) > 0 && !more) {
          std::size_t got = udp_.receive_from(asio::buffer(udpBuffer_), udpPeer_, 0, more);
          if (more) break;
          take(got);
        }
        if (dropped > 0) pipeline_.countRejected(RejectReason::kUdpDropped, dropped);
        if (!batch.empty()) {
          framesUdp_ += batch.count();
          if (auto s = pipeline_.ingest(std::move(batch)); !s.ok()) {
            pipeline_.countRejected(RejectReason::kUdpDropped, 1);
            log().error("syslog UDP batch not durable; dropped", {{"error", s.error().toString()}});
          }
        }
        receiveUdp();
      });
}

void SyslogServer::Impl::run() {
  accept();
  receiveUdp();
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] {
      nameThread("syslog-io");
      io_.run();
    });
  }
}

void SyslogServer::Impl::stop() {
  if (stopped_.exchange(true)) return;
  asio::post(io_, [this] {
    SysError e;
    acceptor_.close(e);
    udp_.close(e);
  });
  io_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void writeSyslogStats(const SyslogServerStats& stats, PrometheusText& out) {
  auto one = [&](std::string_view name, std::string_view help, std::string_view type, double v) {
    out.family(name, help, type);
    out.sample(name, {}, v);
  };
  one("pharos_syslog_connections", "Syslog TCP connections open.", "gauge",
      static_cast<double>(stats.connections));
  out.family("pharos_syslog_frames_total", "Syslog messages received, by transport.", "counter");
  out.sample("pharos_syslog_frames_total", {{"transport", "tcp"}},
             static_cast<double>(stats.framesTcp));
  out.sample("pharos_syslog_frames_total", {{"transport", "udp"}},
             static_cast<double>(stats.framesUdp));
  one("pharos_syslog_framing_errors_total",
      "Bad octet counts; the stream resynchronised on a newline.", "counter",
      static_cast<double>(stats.framingErrors));
  one("pharos_syslog_frames_truncated_total", "Frames cut at logs.max_line_bytes.", "counter",
      static_cast<double>(stats.framesTruncated));
  one("pharos_syslog_paused_reads_total", "Reads held back while the processing backlog was full.",
      "counter", static_cast<double>(stats.pausedReads));
}

SyslogServer::SyslogServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SyslogServer::~SyslogServer() {
  stop();
}

Result<std::unique_ptr<SyslogServer>> SyslogServer::start(const SyslogServerOptions& options,
                                                          LogPipeline& pipeline) {
  auto impl = std::make_unique<Impl>(options, pipeline);
  PHAROS_TRY(impl->bind());
  impl->run();
  return std::unique_ptr<SyslogServer>(new SyslogServer(std::move(impl)));
}

std::uint16_t SyslogServer::tcpPort() const {
  return impl_->tcpPort_;
}
std::uint16_t SyslogServer::udpPort() const {
  return impl_->udpPort_;
}

SyslogServerStats SyslogServer::stats() const {
  return {impl_->connections_.load(),   impl_->framesTcp_.load(), impl_->framesUdp_.load(),
          impl_->framingErrors_.load(), impl_->truncated_.load(), impl_->paused_.load()};
}

void SyslogServer::stop() {
  if (impl_) impl_->stop();
}

}  // namespace pharos::logs
