#include "alarms/route.h"

#include <map>

#include <fmt/format.h>

namespace pharos::alarms {
namespace {

std::string matchersText(const std::vector<AlertMatcher>& matchers) {
  std::string out = "{";
  for (std::size_t i = 0; i < matchers.size(); ++i) {
    if (i > 0) out += ",";
    out += matchers[i].str();
  }
  return out + "}";
}

void assignPaths(Route& route, const std::string& path) {
  route.path = path;
  std::map<std::string, int> seen;
  for (Route& child : route.routes) {
    std::string own = matchersText(child.matchers);
    int n = seen[own]++;
    if (n > 0) own += fmt::format("#{}", n);
    assignPaths(child, path + "/" + own);
  }
}

// Appends the routes `labels` ends at under `route`; whether `route` matched at all.
bool matchInto(const Route& route, const Labels& labels, std::vector<const Route*>& out) {
  if (!matchesAll(route.matchers, labels)) return false;
  std::size_t before = out.size();
  for (const Route& child : route.routes) {
    if (matchInto(child, labels, out) && !child.continueMatching) break;
  }
  if (out.size() == before) out.push_back(&route);
  return true;
}

}  // namespace

RouteTree::RouteTree(Route root) : root_(std::move(root)), hasRoot_(true) {
  assignPaths(root_, matchersText(root_.matchers));
}

RouteTree RouteTree::defaultFor(std::string receiver) {
  Route root;
  root.settings.receiver = std::move(receiver);
  return RouteTree(std::move(root));
}

std::vector<const Route*> RouteTree::match(const Labels& labels) const {
  std::vector<const Route*> out;
  if (!hasRoot_) return out;
  // The root takes every alert, whatever its matchers (the parser refuses matchers there).
  std::size_t before = out.size();
  for (const Route& child : root_.routes) {
    if (matchInto(child, labels, out) && !child.continueMatching) break;
  }
  if (out.size() == before) out.push_back(&root_);
  return out;
}

Labels groupLabelsFor(const RouteSettings& settings, const Labels& labels) {
  if (settings.groupByAll) return labels;
  return labels.keepOnly(settings.groupBy);
}

}  // namespace pharos::alarms
