#pragma once

#include <atomic>

#include "core/clock.h"

namespace pharos::testing {

// A clock that moves only when a test says so. Both readings advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime start = fromUnixMillis(1'700'000'000'000))
      : wallMs_(toUnixMillis(start)) {}

  WallTime now() const override { return fromUnixMillis(wallMs_.load()); }
  MonoTime monotonic() const override { return MonoTime(Millis(monoMs_.load())); }

  void advance(Millis by) {
    wallMs_ += by.count();
    monoMs_ += by.count();
  }

 private:
  std::atomic<int64_t> wallMs_;
  std::atomic<int64_t> monoMs_{1'000'000};
};

}  // namespace pharos::testing
