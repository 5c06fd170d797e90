#include "health/probe.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "net/dns_client.h"
#include "net/outbound_client.h"

namespace pharos::health {
namespace {

using SteadyClock = std::chrono::steady_clock;

double toMs(net::Micros us) {
  return static_cast<double>(us.count()) / 1000.0;
}

std::int64_t expiresInMs(std::chrono::system_clock::time_point notAfter) {
  return std::chrono::duration_cast<Millis>(notAfter - std::chrono::system_clock::now()).count();
}

// The backoff before attempt `n` (1-based retries): 100 ms, 200 ms, 400 ms, ...
Millis backoff(int retry) {
  return Millis(100LL << std::min(retry - 1, 6));
}

}  // namespace

struct Prober::Run {
  std::shared_ptr<const CheckSpec> spec;
  std::function<void(ProbeResult)> done;
  SteadyClock::time_point deadline;
  int attempts = 0;
};

void judge(const CheckSpec& spec, const ProbeObservation& o, ProbeResult& result) {
  result.conditions.clear();
  if (spec.conditions.empty()) {
    // Without conditions a check passes when it connected and, for http, when the status is
    // an expected one (below 400 when none is listed).
    bool ok = o.connected.value_or(false);
    if (ok && o.status) {
      ok = spec.expectedStatus.empty()
               ? *o.status < 400
               : std::find(spec.expectedStatus.begin(), spec.expectedStatus.end(), *o.status) !=
                     spec.expectedStatus.end();
      if (!ok) result.error = fmt::format("unexpected status {}", *o.status);
    }
    if (ok && o.dnsRcode && *o.dnsRcode != "NOERROR") {
      ok = false;
      result.error = fmt::format("DNS answered {}", *o.dnsRcode);
    }
    result.ok = ok;
    return;
  }
  ConditionContext context;
  ProbeObservation typed = o;
  typed.checkType = std::string(checkTypeName(spec.type));
  std::string failed;
  bool ok = true;
  for (const Condition& c : spec.conditions) {
    ConditionOutcome outcome = c.evaluate(typed, context);
    if (!outcome.success) {
      ok = false;
      if (!failed.empty()) failed += "; ";
      failed += outcome.explanation;
    }
    result.conditions.push_back(std::move(outcome));
  }
  if (ok && !spec.expectedStatus.empty() && o.status &&
      std::find(spec.expectedStatus.begin(), spec.expectedStatus.end(), *o.status) ==
          spec.expectedStatus.end()) {
    ok = false;
    failed = fmt::format("unexpected status {}", *o.status);
  }
  result.ok = ok;
  if (!ok) result.error = "condition failed: " + failed;
}

void Prober::run(std::shared_ptr<const CheckSpec> spec, std::function<void(ProbeResult)> done) {
  auto r = std::make_shared<Run>();
  r->deadline = SteadyClock::now() + spec->timeout;
  r->spec = std::move(spec);
  r->done = std::move(done);
  attempt(std::move(r));
}

void Prober::finish(std::shared_ptr<Run> run, ProbeResult result) {
  result.attempts = run->attempts;
  auto left = std::chrono::duration_cast<Millis>(run->deadline - SteadyClock::now());
  if (!result.ok && run->attempts <= run->spec->retries) {
    Millis wait = backoff(run->attempts);
    // Only when the next attempt still has time to connect and answer.
    if (left > wait + Millis(50)) {
      defer_(wait, [this, run] { attempt(run); });
      return;
    }
  }
  run->done(std::move(result));
}

void Prober::unreachable(std::shared_ptr<Run> run, const Error& error) {
  ProbeResult result;
  result.error = error.message;
  finish(std::move(run), std::move(result));
}

void Prober::attempt(std::shared_ptr<Run> run) {
  ++run->attempts;
  const CheckSpec& spec = *run->spec;
  // Rounded up: the first attempt gets the whole timeout, so a reason says "after 1000 ms"
  // for a check whose timeout is 1s, not "999 ms".
  auto left = std::chrono::ceil<Millis>(run->deadline - SteadyClock::now());
  left = std::max(left, Millis(1));
  switch (spec.type) {
    case CheckType::kHttp: {
      net::OutboundRequest request;
      request.method = spec.method;
      request.url = spec.url;
      for (const auto& [k, v] : spec.headers)
        request.headers.emplace_back(k, v);
      request.body = spec.body;
      request.purpose = net::OutboundPurpose::kChecks;
      request.timeout = left;
      request.maxRedirects = spec.maxRedirects;
      request.tls.verifyPeer = spec.verifyTls;
      // A check every few seconds to the same target need not pay a TCP handshake each time.
      request.keepAlive = true;
      std::size_t bodyCap = request.maxBodyBytes;
      client_.fetchAsync(std::move(request), [this, run, bodyCap](Result<net::OutboundResponse> r) {
        if (!r.ok()) return unreachable(run, r.error());
        ProbeResult result;
        ProbeObservation o;
        result.latencyMs = toMs(r->timings.total);
        result.status = r->status;
        o.connected = true;
        o.status = r->status;
        o.responseTimeMs = result.latencyMs;
        o.body = r->body;
        o.ip = r->address.toString();
        for (const auto& [k, v] : r->headers)
          o.headers.emplace_back(k, v);
        if (r->certNotAfter) {
          result.certExpiresInMs = expiresInMs(*r->certNotAfter);
          o.certExpiresInMs = result.certExpiresInMs;
        }
        judge(*run->spec, o, result);
        // Conditions saw only the start of a longer body: say so, or "[BODY] is not JSON"
        // would send the reader looking for a malformed document.
        if (!result.ok && r->truncated) {
          result.error +=
              fmt::format(" (the body was cut at {} KiB; the response was longer)", bodyCap / 1024);
        }
        finish(run, std::move(result));
      });
      return;
    }
    case CheckType::kTcp:
      client_.connectTcpAsync(spec.host, spec.port, net::OutboundPurpose::kChecks, left,
                              [this, run](Result<net::TcpConnectResult> r) {
                                if (!r.ok()) return unreachable(run, r.error());
                                ProbeResult result;
                                ProbeObservation o;
                                o.connected = true;
                                result.latencyMs = toMs(r->dns + r->connect);
                                o.responseTimeMs = result.latencyMs;
                                o.ip = r->address.toString();
                                judge(*run->spec, o, result);
                                finish(run, std::move(result));
                              });
      return;
    case CheckType::kTls: {
      net::OutboundTlsOptions tls;
      tls.verifyPeer = spec.verifyTls;
      client_.probeTlsAsync(spec.host, spec.port, net::OutboundPurpose::kChecks, left, tls,
                            [this, run](Result<net::TlsProbeResult> r) {
                              if (!r.ok()) return unreachable(run, r.error());
                              ProbeResult result;
                              ProbeObservation o;
                              o.connected = true;
                              result.latencyMs = toMs(r->dns + r->connect + r->handshake);
                              result.certExpiresInMs = expiresInMs(r->notAfter);
                              o.responseTimeMs = result.latencyMs;
                              o.certExpiresInMs = result.certExpiresInMs;
                              o.ip = r->address.toString();
                              if (!r->verified && run->spec->verifyTls) {
                                result.error =
                                    fmt::format("certificate not valid: {}", r->verifyError);
                                finish(run, std::move(result));
                                return;
                              }
                              if (run->spec->conditions.empty() && *result.certExpiresInMs <= 0) {
                                result.error = "certificate expired";
                                finish(run, std::move(result));
                                return;
                              }
                              judge(*run->spec, o, result);
                              finish(run, std::move(result));
                            });
      return;
    }
    case CheckType::kDns: {
      net::DnsQuery q;
      q.server = spec.server;
      q.name = spec.host;
      q.type = spec.record;
      q.timeout = left;
      dns_.queryAsync(std::move(q), [this, run](Result<net::DnsResult> r) {
        if (!r.ok()) return unreachable(run, r.error());
        ProbeResult result;
        ProbeObservation o;
        o.connected = true;
        result.latencyMs = toMs(r->elapsed);
        o.responseTimeMs = result.latencyMs;
        o.dnsRcode = r->rcode;
        o.ip = r->server.toString();
        // [BODY] of a DNS check is the answers' data, one per line, as Gatus has it.
        std::string body;
        for (const auto& a : r->answers) {
          if (!body.empty()) body += "\n";
          body += a.data;
        }
        o.body = body;
        judge(*run->spec, o, result);
        finish(run, std::move(result));
      });
      return;
    }
    case CheckType::kHeartbeat:
      break;  // beats arrive; nothing is probed
  }
  run->done(ProbeResult{});
}

}  // namespace pharos::health
