// Cron expressions from config and the API: never crash, never loop for long, and the two
// searches agree with each other wherever the text parses.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string_view>

#include "core/cron.h"

namespace {

using pharos::Millis;
using pharos::WallTime;

void checkAround(const pharos::CronSchedule& schedule, WallTime t, Millis lookback) {
  if (auto next = schedule.nextAfter(t)) {
    if (*next <= t) std::abort();
    if (schedule.lastAtOrBefore(*next, Millis(0)) != next) std::abort();
    // Nothing matches between t and next.
    auto before = schedule.lastAtOrBefore(*next - Millis(1), lookback);
    if (before && *before > t) std::abort();
  }
  if (auto last = schedule.lastAtOrBefore(t, lookback)) {
    if (*last > t || t - *last > lookback) std::abort();
    if (*last > WallTime::min() + Millis(1) && schedule.nextAfter(*last - Millis(1)) != last) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto schedule = pharos::CronSchedule::parse(text);
  if (!schedule.ok()) return 0;
  // Times from the text itself, spread over WallTime's whole range, plus its edges.
  const int64_t first = pharos::toUnixMillis(WallTime::min()) + 1;
  const int64_t span = pharos::toUnixMillis(WallTime::max()) - first;
  std::size_t h = std::hash<std::string_view>{}(text);
  WallTime spread = pharos::fromUnixMillis(first + static_cast<int64_t>(h % span));
  WallTime y2100 = pharos::fromUnixMillis(4107456000000);  // 2100-02-28, before a non-leap day
  const Millis year = std::chrono::days(366);
  for (WallTime t : {spread, y2100, pharos::fromUnixMillis(0), WallTime::min(), WallTime::max()}) {
    checkAround(*schedule, t, year * 12);
    checkAround(*schedule, t, Millis(h % 100'000'000));
  }
  return 0;
}
