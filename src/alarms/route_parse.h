#pragma once

#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "alarms/route.h"
#include "core/config/node.h"
#include "core/config/node_reader.h"

namespace pharos::alarms {

// Reads a `route:` mapping (the config's, or a JSON body's through config::nodeFromJson)
// with Alertmanager's keys: receiver, group_by (`...` = every label), group_wait,
// group_interval, repeat_interval, matchers (`severity="page"` or `severity=page`),
// continue, routes; also Alertmanager's older `match` / `match_re` maps, and our `fallback`
// (a receiver name). Children inherit what they leave unset. Every receiver named must be
// in `receivers`. The root needs a receiver and takes no matchers (it takes every alert).
// All problems are reported, each with its field (`path` prefixes them) and position.
std::variant<RouteTree, std::vector<config::FieldProblem>> parseRouteTree(
    const config::Node& node, std::string_view path, const std::set<std::string>& receivers);

}  // namespace pharos::alarms
