#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/prometheus_text.h"
#include "core/result.h"
#include "logs/pipeline.h"

namespace pharos::logs {

struct SyslogServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5514;  // 0: ephemeral (tests); the same port for TCP and UDP
  int threads = 2;
  std::size_t maxConnections = 1024;
};

struct SyslogServerStats {
  std::uint64_t connections = 0;  // open now
  std::uint64_t framesTcp = 0;
  std::uint64_t framesUdp = 0;
  std::uint64_t framingErrors = 0;    // bad octet counts, resynchronised on a newline
  std::uint64_t framesTruncated = 0;  // longer than the line limit
  std::uint64_t pausedReads = 0;      // reads held back because the backlog was full
};

// pharos_syslog_* families for GET /metrics.
void writeSyslogStats(const SyslogServerStats& stats, PrometheusText& out);

// Syslog over TCP (RFC 6587: octet counting and newline framing, per frame) and UDP (one
// message per datagram) into the log pipeline. A TCP connection's next read starts only after
// what it sent so far is durable, so the sender's TCP window is the acknowledgement; when
// the processing backlog is full it stops reading until there is room. A frame still open
// when the client closes is kept. UDP has no way to push back: datagrams that arrive while
// the backlog is full are dropped and counted (pharos_logs_rejected_total{reason="udp_dropped"}).
class SyslogServer {
 public:
  static Result<std::unique_ptr<SyslogServer>> start(const SyslogServerOptions& options,
                                                     LogPipeline& pipeline);
  ~SyslogServer();
  std::uint16_t tcpPort() const;
  std::uint16_t udpPort() const;
  SyslogServerStats stats() const;
  void stop();

  class Impl;

 private:
  explicit SyslogServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pharos::logs
