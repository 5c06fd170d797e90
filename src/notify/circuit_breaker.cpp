#include "notify/circuit_breaker.h"

#include <algorithm>

namespace pharos::notify {

BreakerVerdict CircuitBreakers::check(const std::string& receiver) {
  std::lock_guard lock(mutex_);
  auto it = circuits_.find(receiver);
  if (it == circuits_.end() || it->second.failures < options_.failureThreshold) return {};
  Circuit& c = it->second;
  MonoTime now = clock_.monotonic();
  // While a probe is out, the others wait a fraction of the cool-down for its verdict.
  Millis probeWait = std::max(Millis(10), options_.cooldown / 10);
  if (now < c.openUntil) {
    return {false, std::max(probeWait, std::chrono::duration_cast<Millis>(c.openUntil - now))};
  }
  if (c.probing) return {false, probeWait};
  c.probing = true;
  return {};
}

void CircuitBreakers::recordSuccess(const std::string& receiver) {
  std::lock_guard lock(mutex_);
  circuits_.erase(receiver);
}

void CircuitBreakers::recordFailure(const std::string& receiver) {
  std::lock_guard lock(mutex_);
  Circuit& c = circuits_[receiver];
  c.failures++;
  c.probing = false;
  if (c.failures >= options_.failureThreshold) c.openUntil = clock_.monotonic() + options_.cooldown;
}

std::vector<CircuitBreakers::State> CircuitBreakers::states() const {
  std::lock_guard lock(mutex_);
  std::vector<State> out;
  MonoTime now = clock_.monotonic();
  for (const auto& [name, c] : circuits_) {
    State s;
    s.receiver = name;
    s.consecutiveFailures = c.failures;
    s.open = c.failures >= options_.failureThreshold;
    if (s.open && now < c.openUntil) {
      s.openFor = std::chrono::duration_cast<Millis>(c.openUntil - now);
    }
    out.push_back(std::move(s));
  }
  return out;
}

nlohmann::json breakerStateToJson(const CircuitBreakers::State& s) {
  return {{"receiver", s.receiver},
          {"open", s.open},
          {"consecutive_failures", s.consecutiveFailures},
          {"open_for_ms", s.openFor.count()}};
}

}  // namespace pharos::notify
