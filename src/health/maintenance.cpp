#include "health/maintenance.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "core/text.h"
#include "promql/ast.h"
#include "promql/parser.h"

namespace pharos::health {
namespace {

constexpr Millis kLongestDuration = std::chrono::days(366);

using Interval = std::pair<WallTime, WallTime>;

// "1:7: unexpected ..." -> "unexpected ...": the position is in the wrapped query, not the
// caller's text.
std::string_view withoutPosition(std::string_view message) {
  std::size_t i = 0;
  while (i < message.size() && ((message[i] >= '0' && message[i] <= '9') || message[i] == ':')) {
    ++i;
  }
  if (i > 0 && i < message.size() && message[i] == ' ') return message.substr(i + 1);
  return message;
}

bool applies(const MaintenanceWindow& window, std::string_view check, const Labels& labels) {
  if (window.checks.empty() && window.labels.empty()) return false;
  if (!window.checks.empty() &&
      std::find(window.checks.begin(), window.checks.end(), check) == window.checks.end()) {
    return false;
  }
  return promql::matchesAll(window.labels, labels);
}

bool isRecurring(const MaintenanceWindow& window) {
  return window.every.has_value() && window.duration.count() > 0;
}

// t + d and t - d (d >= 0), saturating at the ends of time rather than overflowing. In
// milliseconds: the distance between WallTime's ends does not fit its own nanoseconds.
WallTime plus(WallTime t, Millis d) {
  if (d.count() >= toUnixMillis(WallTime::max()) - toUnixMillis(t)) return WallTime::max();
  return t + d;
}
WallTime minus(WallTime t, Millis d) {
  if (d.count() >= toUnixMillis(t) - toUnixMillis(WallTime::min())) return WallTime::min();
  return t - d;
}

// The occurrence of a recurring window covering `t`: the latest one, which ends last.
std::optional<Interval> occurrenceAt(const MaintenanceWindow& window, WallTime t) {
  auto start = window.every->lastAtOrBefore(t, window.duration);
  if (!start) return std::nullopt;
  WallTime end = plus(*start, window.duration);
  if (end <= t) return std::nullopt;
  return Interval{*start, end};
}

bool covers(const MaintenanceWindow& window, WallTime t) {
  if (isRecurring(window)) return occurrenceAt(window, t).has_value();
  return window.start && window.end && *window.start <= t && t < *window.end;
}

std::optional<WallTime> nextChangeOf(const MaintenanceWindow& window, WallTime t) {
  if (isRecurring(window)) {
    std::optional<WallTime> next = window.every->nextAfter(t);
    // Of the occurrences covering t, the earliest ends first.
    auto earliestCovering = window.every->nextAfter(minus(t, window.duration));
    if (earliestCovering && *earliestCovering <= t) {
      WallTime end = plus(*earliestCovering, window.duration);
      if (!next || end < *next) next = end;
    }
    return next;
  }
  if (!window.start || !window.end) return std::nullopt;
  if (t < *window.start) return window.start;
  if (t < *window.end) return window.end;
  return std::nullopt;
}

// Occurrences overlapping [from, to), each run of overlapping or touching occurrences as one
// interval. A run is followed by jumping to the latest occurrence starting inside it rather
// than visiting each, so a one-minute cron with a one-day duration costs a jump per day.
void appendOccurrences(const MaintenanceWindow& window, WallTime from, WallTime to,
                       std::vector<Interval>& out) {
  const CronSchedule& every = *window.every;
  std::optional<WallTime> start;
  if (auto current = occurrenceAt(window, from)) {
    start = current->first;
  } else {
    start = every.nextAfter(from);
  }
  while (start && *start < to) {
    WallTime end = plus(*start, window.duration);
    while (end < to) {
      auto latest = every.lastAtOrBefore(end, window.duration);
      if (!latest || plus(*latest, window.duration) <= end) break;
      end = plus(*latest, window.duration);
    }
    out.emplace_back(std::max(*start, from), std::min(end, to));
    if (end >= to) break;
    start = every.nextAfter(end);
  }
}

}  // namespace

Result<std::vector<LabelMatcher>> parseLabelMatchers(std::string_view text) {
  std::string_view inner = trimSpaces(text);
  if (inner.size() >= 2 && inner.front() == '{' && inner.back() == '}') {
    inner = trimSpaces(inner.substr(1, inner.size() - 2));
  }
  if (inner.empty()) {
    return makeError(ErrorCode::kInvalidArgument, fmt::format("empty label matcher '{}'", text));
  }
  // Read as the selector m{...}: the metric name keeps a lone `team!="db"` from being refused
  // as a selector that matches everything, and the line break ends a `#` comment before the
  // closing brace.
  std::string selector = fmt::format("m{{{}\n}}", inner);
  auto parsed = promql::parse(selector);
  if (!parsed.ok()) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid label matcher '{}': {}", text,
                                 withoutPosition(parsed.error().message)));
  }
  const promql::Expr& expr = **parsed;
  if (expr.kind != promql::Expr::Kind::kVectorSelector || expr.offsetMs != 0 ||
      expr.matchers.empty() || expr.matchers.front().name != Labels::kMetricName) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid label matcher '{}': expected matchers like "
                                 "team=\"db\" or env=~\"prod|staging\"",
                                 text));
  }
  // A comment can leave nothing (`{# all}`): a list that would match everything.
  if (expr.matchers.size() == 1) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid label matcher '{}': no matcher in it", text));
  }
  return std::vector<LabelMatcher>(expr.matchers.begin() + 1, expr.matchers.end());
}

Status validateWindow(const MaintenanceWindow& window) {
  auto invalid = [&](std::string_view what) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("maintenance window '{}': {}", window.name, what));
  };
  if (window.name.empty()) return invalid("needs a name");
  bool oneOff = window.start.has_value() || window.end.has_value();
  bool recurring = window.every.has_value() || window.duration.count() != 0;
  if (oneOff && recurring) {
    return invalid("give either start and end, or every and duration, not both");
  }
  if (oneOff) {
    if (!window.start || !window.end) return invalid("needs both start and end");
    if (*window.end <= *window.start) return invalid("end must be after start");
  } else if (recurring) {
    if (!window.every) return invalid("duration needs every (a cron expression)");
    if (window.duration.count() <= 0) return invalid("every needs a positive duration");
    if (window.duration > kLongestDuration) return invalid("duration must be at most 366d");
    // Every satisfiable schedule matches within decades of any time.
    if (!window.every->nextAfter(WallTime{})) {
      return invalid(
          fmt::format("every '{}' never matches: no month has that day", window.every->text()));
    }
  } else {
    return invalid("needs start and end, or every and duration");
  }
  if (window.checks.empty() && window.labels.empty()) {
    return invalid("selects no check: give checks, labels or both");
  }
  return okStatus();
}

MaintenanceCalendar::MaintenanceCalendar(std::vector<MaintenanceWindow> windows)
    : windows_(std::move(windows)) {}

bool MaintenanceCalendar::inMaintenance(std::string_view check, const Labels& labels,
                                        WallTime t) const {
  return std::any_of(windows_.begin(), windows_.end(), [&](const MaintenanceWindow& window) {
    return applies(window, check, labels) && covers(window, t);
  });
}

std::vector<std::string> MaintenanceCalendar::activeWindows(std::string_view check,
                                                            const Labels& labels,
                                                            WallTime t) const {
  std::vector<std::string> names;
  for (const auto& window : windows_) {
    if (applies(window, check, labels) && covers(window, t)) names.push_back(window.name);
  }
  return names;
}

std::optional<WallTime> MaintenanceCalendar::nextChange(std::string_view check,
                                                        const Labels& labels, WallTime t) const {
  std::optional<WallTime> next;
  for (const auto& window : windows_) {
    if (!applies(window, check, labels)) continue;
    auto change = nextChangeOf(window, t);
    if (change && (!next || *change < *next)) next = change;
  }
  return next;
}

std::vector<std::pair<WallTime, WallTime>> MaintenanceCalendar::intervals(std::string_view check,
                                                                          const Labels& labels,
                                                                          WallTime from,
                                                                          WallTime to) const {
  std::vector<Interval> all;
  if (!(from < to)) return all;
  for (const auto& window : windows_) {
    if (!applies(window, check, labels)) continue;
    if (isRecurring(window)) {
      appendOccurrences(window, from, to, all);
    } else if (window.start && window.end) {
      WallTime start = std::max(*window.start, from);
      WallTime end = std::min(*window.end, to);
      if (start < end) all.emplace_back(start, end);
    }
  }
  std::sort(all.begin(), all.end());
  std::vector<Interval> merged;
  for (const auto& interval : all) {
    if (!merged.empty() && interval.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, interval.second);
    } else {
      merged.push_back(interval);
    }
  }
  return merged;
}

}  // namespace pharos::health
