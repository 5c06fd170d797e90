#pragma once

#include <chrono>
#include <cstdint>

namespace pharos {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

// Time as every module sees it. Code asks this interface, never std::chrono's clocks
// directly, so tests can move time forward (tests/fakes/manual_clock.h) instead of sleeping.
// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Calendar time: timestamps that are stored or shown.
  virtual WallTime now() const = 0;
  // Never goes backwards: timeouts, durations, rates.
  virtual MonoTime monotonic() const = 0;
};

// The process-wide real clock.
Clock& systemClock();

inline int64_t toUnixMillis(WallTime t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}
inline WallTime fromUnixMillis(int64_t ms) {
  return WallTime(Millis(ms));
}

}  // namespace pharos
