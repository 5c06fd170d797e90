#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace pharos::slo {

// The period an SLO's budget covers: the last `length` (rolling), or the current calendar
// month or quarter in UTC, whose budget starts afresh on the 1st.
enum class WindowKind { kRolling, kMonth, kQuarter };

struct SloWindow {
  WindowKind kind = WindowKind::kRolling;
  Millis length{30LL * 86'400'000};  // kRolling only

  friend bool operator==(const SloWindow&, const SloWindow&) = default;
};

constexpr Millis kMinRollingWindow{3'600'000};
constexpr Millis kMaxRollingWindow{400LL * 86'400'000};

// "30d", "4w", "12h" (1h to 400d), "month" or "quarter". kInvalidArgument says which.
Result<SloWindow> parseSloWindow(std::string_view text);
// What parseSloWindow reads back: "30d", "month".
std::string formatSloWindow(const SloWindow& window);

// The window at `nowMs`, [start, end): rolling [now - length, now]; calendar, the UTC month
// or quarter containing now (end is the period's end, in the future).
struct WindowBounds {
  std::int64_t start = 0;
  std::int64_t end = 0;
};
WindowBounds windowBounds(const SloWindow& window, std::int64_t nowMs);

// The budget period's length: the rolling length, or the current month's or quarter's.
Millis periodLength(const SloWindow& window, std::int64_t nowMs);

// The length burn-rate windows scale by: the rolling length, 30 days for a month and 90 for a
// quarter (nominal, so alert windows do not change from February to March).
Millis nominalLength(const SloWindow& window);

enum class Severity { kPage, kTicket };
std::string_view severityName(Severity severity);

// One multiwindow burn-rate alert of the SRE workbook (chapter 5): it fires when both the
// long and the short window burn faster than `factor` (the short one makes it reset soon
// after the burn stops).
struct BurnWindowPair {
  Millis longWindow{0};
  Millis shortWindow{0};
  double factor = 0;
  Severity severity = Severity::kPage;
};

// The workbook's four pairs for a 30-day SLO (1h/5m at 14.4, 6h/30m at 6: page; 1d/2h at 3,
// 3d/6h at 1: ticket), with the windows scaled by nominalLength / 30d as Pyrra does; the
// factors stay, so each pair still means "this share of the budget gone in this long".
// Scaled windows are rounded to whole seconds, at least one second.
std::vector<BurnWindowPair> burnWindowPairs(const SloWindow& window);

// RFC 3339 in UTC, as the API shows times: "2026-12-01T02:00:00Z" (".250Z" when not whole
// seconds).
std::string formatUtc(std::int64_t ms);

}  // namespace pharos::slo
