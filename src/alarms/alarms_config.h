#pragma once

#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "alarms/inhibit.h"
#include "alarms/route.h"
#include "alarms/silence.h"
#include "core/config/loader.h"
#include "core/config/node.h"

namespace pharos::alarms {

// The routing part of the alarms config section, as the loader keeps it: subtrees read here.
struct RoutingSection {
  std::string file;           // for diagnostics
  config::Node route;         // a mapping, or null
  config::Node inhibitRules;  // a list, or null
  config::Node silences;      // a list, or null
};

struct RoutingDefinitions {
  RouteTree routes;
  std::vector<InhibitRule> inhibitRules;
  std::vector<Silence> silences;  // for SilenceStore::setConfigSilences
};

// Reads `route:`, `inhibit_rules:` and `silences:` under `section` ("alarms.route", ...),
// every problem located as FILE:LINE:COL. Without a `route:`, a single receiver takes every
// alert (RouteTree::defaultFor); with none, the tree is empty (nothing is routed); with more
// than one, a route is required. `now` is the default starts_at of the config's silences.
std::variant<RoutingDefinitions, std::vector<config::Diagnostic>> readRoutingConfig(
    const RoutingSection& section, const std::set<std::string>& receivers, WallTime now,
    std::string_view sectionName = "alarms");

}  // namespace pharos::alarms
