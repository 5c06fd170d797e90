#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/cron.h"
#include "core/labels.h"
#include "core/result.h"
#include "promql/matcher.h"

namespace pharos::health {

// A matcher on a check's labels, with Prometheus' semantics (`team="db"`, `env=~"prod|staging"`,
// `!=`, `!~`; regexes anchored; an absent label matches as "").
using LabelMatcher = promql::Matcher;

// Parses matchers as written in config: one (`team="db"`) or a comma-separated list, with or
// without braces (`{team="db", env=~"prod.*"}`). Uses PromQL's own selector parser, so quoting
// and escapes are PromQL's. Errors are kInvalidArgument and quote the text.
Result<std::vector<LabelMatcher>> parseLabelMatchers(std::string_view text);

// A time during which checks still run, but their results are marked "maintenance" and left out
// of SLOs, uptime reports and alerting. Either one-off, [start, end), or recurring,
// [match, match + duration) for each match of `every` (UTC).
//
// Which checks: those named in `checks` (when not empty) AND whose labels match every matcher
// in `labels` (when not empty). Narrowing, as every matcher in Prometheus narrows a selector:
// a window that names a check and a label covers that check only while it carries the label.
// A window with neither covers nothing; validateWindow() refuses it.
struct MaintenanceWindow {
  std::string name;
  std::optional<WallTime> start, end;
  std::optional<CronSchedule> every;
  Millis duration{0};
  std::vector<std::string> checks;
  std::vector<LabelMatcher> labels;
};

// What config loading checks: a name; exactly one of {start and end} or {every and duration};
// start before end; a positive duration of at most 366 days; a cron expression that can match
// ("0 0 30 2 *" cannot); at least one check or matcher.
// Errors are kInvalidArgument and name the window.
Status validateWindow(const MaintenanceWindow& window);

// Answers "is this check in maintenance?" for a fixed set of windows. Immutable, so safe to
// query from several threads. A recurring window costs a couple of cron jumps per question, not
// a scan of its occurrences.
class MaintenanceCalendar {
 public:
  explicit MaintenanceCalendar(std::vector<MaintenanceWindow> windows);

  bool inMaintenance(std::string_view check, const Labels& labels, WallTime t) const;

  // The names of the windows covering the check at `t`, in the calendar's order.
  std::vector<std::string> activeWindows(std::string_view check, const Labels& labels,
                                         WallTime t) const;

  // The first start or end of a window applying to the check strictly after `t`: the answers
  // above hold until then, so a scheduler can cache them. Never later than the true next
  // change (it may be a moment where overlapping windows hand over and nothing changes);
  // nullopt when nothing will ever change.
  std::optional<WallTime> nextChange(std::string_view check, const Labels& labels,
                                     WallTime t) const;

  // The check's maintenance inside [from, to), clipped to it, sorted, with overlapping and
  // touching intervals merged: what uptime reports subtract. An occurrence that started
  // before `from` counts from `from`.
  std::vector<std::pair<WallTime, WallTime>> intervals(std::string_view check, const Labels& labels,
                                                       WallTime from, WallTime to) const;

  const std::vector<MaintenanceWindow>& windows() const { return windows_; }

 private:
  std::vector<MaintenanceWindow> windows_;
};

}  // namespace pharos::health
