#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace pharos {

// When something recurs, written as a standard 5-field cron expression: recurring maintenance
// windows (and later recurring alert silences) start at each match.
//
//   minute hour day-of-month month day-of-week
//   0-59   0-23 1-31         1-12  0-7 (0 and 7 are Sunday)
//
// Each field is `*` or a comma list of `N`, `A-B`, `*/S` or `A-B/S`; month and weekday also
// take names (JAN..DEC, SUN..SAT, any case; a weekday range may end at SUN, as in FRI-SUN).
// Macros: @hourly, @daily (@midnight), @weekly, @monthly, @yearly (@annually).
// As in Vixie cron, when both day fields are restricted (neither starts with `*`) a day matches
// if EITHER matches: "0 0 1 * MON" is the 1st of each month and every Monday. A field that
// starts with `*` (`*/2` included) is unrestricted for this rule, so the other one decides.
//
// Evaluated in UTC, always: there are no time zones (GCC 12's <chrono> has none), so a
// schedule meant for local time must be written in UTC and does not follow daylight saving.
//
// Immutable after parse(), so safe to share between threads. A query costs a handful of
// field-by-field jumps (month, day, hour, minute), not a walk over every minute.
class CronSchedule {
 public:
  // Errors are kInvalidArgument and name the field and the offending text:
  // "cron field 'hour': 25 is out of range 0-23".
  static Result<CronSchedule> parse(std::string_view expression);

  // The first minute boundary strictly after `t` that matches; nullopt when no day can ever
  // match (e.g. "0 0 30 2 *") or the match would lie past WallTime's range (year 2262).
  std::optional<WallTime> nextAfter(WallTime t) const;

  // The latest match at or before `t` (to know whether `t` is inside a recurring window that
  // started earlier); nullopt when none lies within [t - lookback, t].
  std::optional<WallTime> lastAtOrBefore(WallTime t, Millis lookback) const;

  // The expression as written (trimmed), macros unexpanded.
  const std::string& text() const { return text_; }

 private:
  CronSchedule() = default;

  // Minutes since the Unix epoch: the first match in [from, last], the last in [first, from].
  std::optional<std::int64_t> firstMatchFrom(std::int64_t from, std::int64_t last) const;
  std::optional<std::int64_t> lastMatchUpTo(std::int64_t from, std::int64_t first) const;
  bool dayMatches(int year, unsigned month, unsigned day) const;

  std::string text_;
  std::uint64_t minutes_ = 0;      // bit m: minute m
  std::uint64_t hours_ = 0;        // bit h: hour h
  std::uint64_t daysOfMonth_ = 0;  // bit d: day d (1-31)
  std::uint64_t months_ = 0;       // bit m: month m (1-12)
  std::uint64_t daysOfWeek_ = 0;   // bit d: weekday d (0 = Sunday)
  bool eitherDayMatches_ = false;  // both day fields restricted: Vixie's OR rule
  bool canMatch_ = false;          // some month has one of the days ("30 2" never matches)
};

}  // namespace pharos
