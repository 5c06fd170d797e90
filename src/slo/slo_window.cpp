#include "slo/slo_window.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "health/uptime.h"

namespace pharos::slo {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;

health::ReportPeriod reportPeriodOf(WindowKind kind) {
  return kind == WindowKind::kMonth ? health::ReportPeriod::kMonth : health::ReportPeriod::kQuarter;
}

}  // namespace

Result<SloWindow> parseSloWindow(std::string_view text) {
  if (text == "month") return SloWindow{WindowKind::kMonth, Millis(0)};
  if (text == "quarter") return SloWindow{WindowKind::kQuarter, Millis(0)};
  auto d = config::parseDuration(text);
  if (!d.ok()) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("expected a duration from 1h to 400d (like 30d), month or "
                                 "quarter, got '{}'",
                                 text));
  }
  if (*d < kMinRollingWindow || *d > kMaxRollingWindow) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("a rolling window is from 1h to 400d, got {}", text));
  }
  return SloWindow{WindowKind::kRolling, *d};
}

std::string formatSloWindow(const SloWindow& window) {
  switch (window.kind) {
    case WindowKind::kMonth:
      return "month";
    case WindowKind::kQuarter:
      return "quarter";
    case WindowKind::kRolling:
      break;
  }
  return config::formatDuration(window.length);
}

WindowBounds windowBounds(const SloWindow& window, std::int64_t nowMs) {
  if (window.kind == WindowKind::kRolling) return {nowMs - window.length.count(), nowMs};
  auto [start, end] = health::periodBounds(reportPeriodOf(window.kind), fromUnixMillis(nowMs));
  return {toUnixMillis(start), toUnixMillis(end)};
}

Millis periodLength(const SloWindow& window, std::int64_t nowMs) {
  if (window.kind == WindowKind::kRolling) return window.length;
  WindowBounds b = windowBounds(window, nowMs);
  return Millis(b.end - b.start);
}

Millis nominalLength(const SloWindow& window) {
  switch (window.kind) {
    case WindowKind::kMonth:
      return Millis(30 * kDayMs);
    case WindowKind::kQuarter:
      return Millis(90 * kDayMs);
    case WindowKind::kRolling:
      break;
  }
  return window.length;
}

std::string_view severityName(Severity severity) {
  return severity == Severity::kPage ? "page" : "ticket";
}

std::vector<BurnWindowPair> burnWindowPairs(const SloWindow& window) {
  struct Base {
    std::int64_t longMs, shortMs;
    double factor;
    Severity severity;
  };
  static constexpr Base kWorkbook[] = {
      {3'600'000, 300'000, 14.4, Severity::kPage},
      {6 * 3'600'000, 1'800'000, 6, Severity::kPage},
      {kDayMs, 2 * 3'600'000, 3, Severity::kTicket},
      {3 * kDayMs, 6 * 3'600'000, 1, Severity::kTicket},
  };
  double scale = static_cast<double>(nominalLength(window).count()) / (30.0 * kDayMs);
  auto scaled = [&](std::int64_t ms) {
    auto seconds = static_cast<std::int64_t>(std::llround(static_cast<double>(ms) * scale / 1000));
    return Millis(std::max<std::int64_t>(1, seconds) * 1000);
  };
  std::vector<BurnWindowPair> out;
  for (const Base& b : kWorkbook)
    out.push_back({scaled(b.longMs), scaled(b.shortMs), b.factor, b.severity});
  return out;
}

std::string formatUtc(std::int64_t ms) {
  using namespace std::chrono;
  sys_days day{days(ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs))};
  std::int64_t inDay = ms - day.time_since_epoch().count() * kDayMs;
  year_month_day ymd{day};
  std::string out =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  inDay / 3'600'000, inDay / 60'000 % 60, inDay / 1000 % 60);
  if (inDay % 1000 != 0) out += fmt::format(".{:03}", inDay % 1000);
  return out + "Z";
}

}  // namespace pharos::slo
