#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "health/check_spec.h"
#include "health/condition.h"

namespace pharos::net {
class OutboundClient;
class DnsClient;
}  // namespace pharos::net

namespace pharos::health {

// What one run of a check found.
struct ProbeResult {
  bool ok = false;
  double latencyMs = 0;  // of the last attempt
  std::optional<int> status;
  std::optional<std::int64_t> certExpiresInMs;
  int attempts = 0;
  // Why it failed: the transport error, or the conditions that did not hold. Never a body.
  std::string error;
  std::vector<ConditionOutcome> conditions;  // each condition's outcome, in order
};

// Runs checks through the outbound client (which applies the outbound policy to every
// connection) and evaluates their conditions. Retries with backoff inside a run, within the
// check's timeout. Thread-safe; `done` runs on one of the client's threads.
class Prober {
 public:
  // Runs `work` after `delay` (the engine's timers), for the backoff between attempts.
  using Defer = std::function<void(Millis delay, std::function<void()> work)>;

  Prober(net::OutboundClient& client, net::DnsClient& dns, Defer defer)
      : client_(client), dns_(dns), defer_(std::move(defer)) {}

  void run(std::shared_ptr<const CheckSpec> spec, std::function<void(ProbeResult)> done);

 private:
  struct Run;
  void attempt(std::shared_ptr<Run> run);
  void finish(std::shared_ptr<Run> run, ProbeResult result);
  // A run that did not get an answer (refused, unreachable, timed out): the error is why.
  void unreachable(std::shared_ptr<Run> run, const Error& error);

  net::OutboundClient& client_;
  net::DnsClient& dns_;
  Defer defer_;
};

// Evaluates `spec`'s conditions (or, with none, its implicit one) against an observation.
// Sets ok, error and conditions of `result`.
void judge(const CheckSpec& spec, const ProbeObservation& observation, ProbeResult& result);

}  // namespace pharos::health
