#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "alarms/route_matchers.h"
#include "core/clock.h"
#include "core/labels.h"

namespace pharos::alarms {

// How a matched route groups and paces its notifications; children inherit what they leave
// unset. Copied into each group, so a reload never leaves a group pointing into a freed tree.
struct RouteSettings {
  std::string receiver;
  std::string fallback;              // copied into Notification::fallback; empty: none
  std::vector<std::string> groupBy;  // label names; ignored when groupByAll
  bool groupByAll = false;           // `group_by: ['...']`: every label, one alert per group
  // Before a new group's first notification. 1 s, not Alertmanager's 30 s: a page should
  // leave within seconds of the failure; alerts arriving together still share a message.
  Millis groupWait{std::chrono::seconds(1)};
  Millis groupInterval{std::chrono::minutes(5)};  // between notifications of a changed group
  Millis repeatInterval{std::chrono::hours(4)};   // before an unchanged firing group is re-sent
};

// One node of the routing tree, as in Alertmanager: an alert enters at the root and descends
// into the first child whose matchers all match (and on into later siblings while a matched
// child says `continue`); the deepest matching nodes are where it is grouped.
struct Route {
  RouteSettings settings;  // already resolved against the parents
  std::vector<AlertMatcher> matchers;
  bool continueMatching = false;
  std::vector<Route> routes;
  // The chain of matchers from the root, `{}/{severity="page"}/{team=~"db|infra"}`: a route's
  // identity in group keys, stable across reloads that leave it alone (an index is appended
  // only to tell apart siblings with the same matchers).
  std::string path;
};

// The routing tree. Immutable after construction, so it may be read from several threads.
class RouteTree {
 public:
  RouteTree() = default;
  // `root`'s settings must be complete (the parser resolves inheritance); paths are filled in.
  explicit RouteTree(Route root);

  // With one receiver and no `route:` section, everything goes to it with the defaults.
  static RouteTree defaultFor(std::string receiver);

  // The routes `labels` ends at, in tree order; never empty for a tree with a root (the root
  // takes what no child matches). Empty for a default-constructed tree.
  std::vector<const Route*> match(const Labels& labels) const;

  bool empty() const { return !hasRoot_; }
  const Route& root() const { return root_; }

 private:
  Route root_;
  bool hasRoot_ = false;
};

// The labels of `labels` that `settings` groups by.
Labels groupLabelsFor(const RouteSettings& settings, const Labels& labels);

}  // namespace pharos::alarms
