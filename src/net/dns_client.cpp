#include "net/dns_client.h"

// <utility> before any Asio header: Boost 1.74 uses std::exchange without including it.
#include <utility>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "core/config/config.h"
#include "core/config/duration.h"
#include "core/ids.h"

namespace pharos::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using SysError = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr uint16_t kDefaultDnsPort = 53;
// RFC 1035 caps a UDP answer at 512 bytes and we send no EDNS to raise that; what servers
// send beyond it in practice fits 4096. One byte more tells a larger datagram apart.
constexpr size_t kMaxUdpAnswer = 4096;

struct DnsServer {
  IpAddress address;
  uint16_t port = kDefaultDnsPort;

  // "127.0.0.1:53", "[::1]:53": how errors name the server.
  std::string text() const {
    return address.isV4() ? fmt::format("{}:{}", address.toString(), port)
                          : fmt::format("[{}]:{}", address.toString(), port);
  }
  asio::ip::address asioAddress() const {
    if (address.isV4()) {
      const auto& b = address.bytes;
      return asio::ip::make_address_v4(
          asio::ip::address_v4::bytes_type{b[12], b[13], b[14], b[15]});
    }
    return asio::ip::address_v6(address.bytes);
  }
};

// "host:port" or a bare host, where the host is an IP literal (IPv6 in brackets when a port
// follows; a bare IPv6 address has more than one colon).
Result<DnsServer> parseDnsServer(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid DNS server '{}': {} (expected an IP address with an "
                                 "optional port, e.g. 10.0.0.2:53 or [::1]:53)",
                                 text, why));
  };
  std::string host;
  DnsServer server;
  size_t colons = std::count(text.begin(), text.end(), ':');
  bool bracketed = !text.empty() && text.front() == '[';
  if (bracketed && text.back() == ']') {
    host = std::string(text.substr(1, text.size() - 2));
  } else if (bracketed || colons == 1) {
    Result<config::HostPort> hp = config::parseHostPort(text);
    if (!hp.ok()) return bad("the port is not a number from 1 to 65535, or the brackets are off");
    if (hp->port == 0) return bad("port 0 cannot be queried");
    host = hp->host;
    server.port = hp->port;
  } else {
    host = std::string(text);
  }
  if (host.empty()) return bad("no address");
  // IpAddress::parse also takes "host:port" forms; by now `host` must be the address alone.
  std::optional<IpAddress> address =
      host.find_first_of("[]") == std::string::npos ? IpAddress::parse(host) : std::nullopt;
  if (!address) {
    return bad("the server must be an IP address, not a name");
  }
  server.address = *address;
  return server;
}

uint16_t randomQueryId() {
  // From the CSPRNG: a guessable id is what lets an off-path attacker forge the answer.
  std::string hex = randomHex(2);
  uint16_t id = 0;
  std::from_chars(hex.data(), hex.data() + hex.size(), id, 16);
  return id;
}

std::string ignoredNote(int mismatched) {
  if (mismatched == 0) return {};
  return fmt::format(" ({} mismatched answer{} ignored)", mismatched, mismatched == 1 ? "" : "s");
}

// One query: UDP first, TCP when the UDP answer is truncated, on one strand, bounded by one
// deadline. Keeps itself alive through the handlers it has pending.
class DnsExchange : public std::enable_shared_from_this<DnsExchange> {
 public:
  DnsExchange(asio::io_context& ioc, DnsServer server, DnsQuestion question, uint16_t id,
              std::string wire, Millis timeout, std::function<void(Result<DnsResult>)> callback)
      : server_(server),
        serverText_(server.text()),
        question_(std::move(question)),
        id_(id),
        wire_(std::move(wire)),
        timeout_(timeout),
        callback_(std::move(callback)),
        strand_(asio::make_strand(ioc)),
        udp_(strand_),
        tcp_(strand_),
        deadline_(strand_) {}

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->begin(); });
  }

 private:
  void begin() {
    start_ = SteadyClock::now();
    deadline_.expires_after(timeout_);
    deadline_.async_wait([self = shared_from_this()](SysError ec) {
      if (!ec) self->onDeadline();
    });
    udp::endpoint endpoint(server_.asioAddress(), server_.port);
    SysError ec;
    udp_.open(endpoint.protocol(), ec);
    // Connected: the kernel picks a random source port, drops datagrams from anyone but the
    // server, and reports an ICMP port unreachable as connection_refused.
    if (!ec) udp_.connect(endpoint, ec);
    if (ec) return failWith(ec, "cannot open a UDP socket to");
    phase_ = "waiting for the UDP answer from";
    udp_.async_send(asio::buffer(wire_),
                    [self = shared_from_this()](SysError e, size_t) { self->onUdpSent(e); });
  }

  void onUdpSent(SysError ec) {
    if (done_) return;
    if (ec) return failWith(ec, "cannot send the query to");
    receiveUdp();
  }

  void receiveUdp() {
    udp_.async_receive(asio::buffer(udpBuffer_), [self = shared_from_this()](SysError e, size_t n) {
      self->onUdpAnswer(e, n);
    });
  }

  void onUdpAnswer(SysError ec, size_t n) {
    if (done_) return;
    if (ec == asio::error::connection_refused) {
      return fail(retryableError(
          ErrorCode::kUnavailable,
          fmt::format("nothing answers DNS on UDP {} (ICMP port unreachable)", serverText_)));
    }
    if (ec) return failWith(ec, "cannot receive the answer from");
    std::string_view answer(udpBuffer_.data(), n);
    std::optional<uint16_t> id = dnsMessageId(answer);
    if (!id || *id != id_) {
      // Not the answer to this query (a late answer to an earlier one, or a forgery): keep
      // waiting for ours.
      ++mismatched_;
      return receiveUdp();
    }
    if (n > kMaxUdpAnswer) {
      return failBadAnswer(makeError(ErrorCode::kInvalidArgument,
                                     fmt::format("more than {} bytes over UDP", kMaxUdpAnswer)));
    }
    Result<DnsResponse> response = parseDnsResponse(answer, id_, question_);
    if (!response.ok()) return failBadAnswer(std::move(response).error());
    if (response->truncated) return startTcp();
    succeed(std::move(response).value(), false);
  }

  void startTcp() {
    SysError ignored;
    udp_.close(ignored);
    phase_ = "connecting over TCP (the UDP answer was truncated) to";
    tcp_.async_connect(tcp::endpoint(server_.asioAddress(), server_.port),
                       [self = shared_from_this()](SysError e) { self->onTcpConnected(e); });
  }

  void onTcpConnected(SysError ec) {
    if (done_) return;
    if (ec) return failWith(ec, "the UDP answer was truncated and TCP failed to");
    // RFC 1035 4.2.2: over TCP, each message is prefixed with its length.
    tcpQuery_.clear();
    tcpQuery_.push_back(static_cast<char>(wire_.size() >> 8));
    tcpQuery_.push_back(static_cast<char>(wire_.size() & 0xff));
    tcpQuery_ += wire_;
    phase_ = "waiting for the TCP answer from";
    asio::async_write(tcp_, asio::buffer(tcpQuery_),
                      [self = shared_from_this()](SysError e, size_t) { self->onTcpSent(e); });
  }

  void onTcpSent(SysError ec) {
    if (done_) return;
    if (ec) return failWith(ec, "cannot send the query over TCP to");
    asio::async_read(tcp_, asio::buffer(tcpLength_),
                     [self = shared_from_this()](SysError e, size_t) { self->onTcpLength(e); });
  }

  void onTcpLength(SysError ec) {
    if (done_) return;
    if (ec) return failWith(ec, "no TCP answer from");
    size_t length = (static_cast<size_t>(tcpLength_[0]) << 8) | tcpLength_[1];
    tcpAnswer_.resize(length);
    asio::async_read(
        tcp_, asio::buffer(tcpAnswer_),
        [self = shared_from_this()](SysError e, size_t n) { self->onTcpAnswer(e, n); });
  }

  void onTcpAnswer(SysError ec, size_t n) {
    if (done_) return;
    if (ec) return failWith(ec, "the TCP answer was cut off by");
    Result<DnsResponse> response =
        parseDnsResponse(std::string_view(tcpAnswer_.data(), n), id_, question_);
    if (!response.ok()) return failBadAnswer(std::move(response).error());
    succeed(std::move(response).value(), true);
  }

  void onDeadline() {
    if (done_) return;
    fail(retryableError(ErrorCode::kDeadlineExceeded,
                        fmt::format("timed out after {} {} {}{}", config::formatDuration(timeout_),
                                    phase_, serverText_, ignoredNote(mismatched_))));
  }

  void succeed(DnsResponse response, bool overTcp) {
    DnsResult result;
    result.rcode = std::move(response.rcodeName);
    result.answers = std::move(response.answers);
    result.elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start_);
    result.server = server_.address;
    result.overTcp = overTcp;
    finish(std::move(result));
  }

  void failWith(SysError ec, std::string_view what) {
    fail(retryableError(ErrorCode::kUnavailable,
                        fmt::format("{} {}: {}", what, serverText_, ec.message())));
  }

  void failBadAnswer(Error parseError) {
    fail(retryableError(ErrorCode::kUnavailable,
                        fmt::format("bad answer from {}: {}", serverText_, parseError.message)));
  }

  void fail(Error error) { finish(std::move(error)); }

  void finish(Result<DnsResult> result) {
    if (done_) return;
    done_ = true;
    deadline_.cancel();
    SysError ignored;
    udp_.close(ignored);
    tcp_.close(ignored);
    callback_(std::move(result));
  }

  DnsServer server_;
  std::string serverText_;
  DnsQuestion question_;
  uint16_t id_;
  std::string wire_;
  std::string tcpQuery_;
  Millis timeout_;
  std::function<void(Result<DnsResult>)> callback_;
  asio::strand<asio::io_context::executor_type> strand_;
  udp::socket udp_;
  tcp::socket tcp_;
  asio::steady_timer deadline_;
  std::array<char, kMaxUdpAnswer + 1> udpBuffer_{};
  std::array<uint8_t, 2> tcpLength_{};
  std::string tcpAnswer_;
  int mismatched_ = 0;
  bool done_ = false;
  const char* phase_ = "starting the query to";
  SteadyClock::time_point start_;
};

}  // namespace

DnsClient::DnsClient(asio::io_context& ioc, const OutboundPolicy& policy)
    : ioc_(ioc), policy_(policy) {}

void DnsClient::queryAsync(DnsQuery query, std::function<void(Result<DnsResult>)> callback) {
  auto prepare = [&]() -> Result<std::shared_ptr<DnsExchange>> {
    if (query.timeout <= Millis(0)) {
      return makeError(ErrorCode::kInvalidArgument, "the DNS query timeout must be positive");
    }
    PHAROS_ASSIGN_OR_RETURN(DnsServer server, parseDnsServer(query.server));
    PHAROS_ASSIGN_OR_RETURN(DnsType type, parseDnsType(query.type));
    uint16_t id = randomQueryId();
    PHAROS_ASSIGN_OR_RETURN(std::string wire, encodeDnsQuery(id, query.name, type));
    // Judged before any packet leaves; the exchange then talks to exactly this address.
    OutboundDecision decision =
        policy_.decide(server.address, server.port, "", OutboundPurpose::kChecks);
    if (!decision.allowed) {
      return makeError(
          ErrorCode::kPermissionDenied,
          outboundRefusalMessage(server.address, "", OutboundPurpose::kChecks, decision));
    }
    return std::make_shared<DnsExchange>(ioc_, server,
                                         DnsQuestion{query.name, static_cast<uint16_t>(type)}, id,
                                         std::move(wire), query.timeout, std::move(callback));
  };
  Result<std::shared_ptr<DnsExchange>> exchange = prepare();
  if (!exchange.ok()) {
    // Delivered on the io_context like every other result, never inline.
    asio::post(ioc_,
               [callback = std::move(callback), e = std::move(exchange).error()] { callback(e); });
    return;
  }
  (*exchange)->start();
}

}  // namespace pharos::net
