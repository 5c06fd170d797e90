#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace pharos::notify {

struct BreakerOptions {
  int failureThreshold = 5;  // consecutive failed attempts that open the circuit
  Millis cooldown{60'000};   // how long it stays open before one probe may go through
};

// The decision for one message.
struct BreakerVerdict {
  bool allowed = true;
  Millis retryIn{0};  // when not allowed: how long to delay the message
};

// One circuit per receiver, so a receiver that is down does not take its messages' retry
// budgets with it: while open, its messages are delayed (not attempted, not failed). After the
// cool-down one probe goes through (half-open); its success closes the circuit, its failure
// opens it again for another cool-down. In memory: a restart starts closed, which costs at most
// `failureThreshold` attempts. Thread-safe.
class CircuitBreakers {
 public:
  CircuitBreakers(const Clock& clock, BreakerOptions options) : clock_(clock), options_(options) {}

  BreakerVerdict check(const std::string& receiver);
  void recordSuccess(const std::string& receiver);
  void recordFailure(const std::string& receiver);

  struct State {
    std::string receiver;
    bool open = false;
    int consecutiveFailures = 0;
    Millis openFor{0};  // remaining cool-down
  };
  std::vector<State> states() const;

 private:
  struct Circuit {
    int failures = 0;
    MonoTime openUntil{};
    bool probing = false;  // half-open: one attempt is in flight
  };
  const Clock& clock_;
  BreakerOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Circuit, std::less<>> circuits_;
};

nlohmann::json breakerStateToJson(const CircuitBreakers::State& s);

}  // namespace pharos::notify
