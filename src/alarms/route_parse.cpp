#include "alarms/route_parse.h"

#include <chrono>

#include <fmt/format.h>

#include "core/labels.h"

namespace pharos::alarms {
namespace {

using config::Node;

constexpr std::string_view kRouteFields[] = {
    "receiver", "group_by", "group_wait", "group_interval", "repeat_interval", "matchers",
    "continue", "routes",   "fallback",   "match",          "match_re"};

// Deeper trees are mistakes, and a JSON body must not recurse the parser without bound.
constexpr int kMaxDepth = 32;
constexpr Millis kLongest = std::chrono::days(366);

class RouteParser {
 public:
  explicit RouteParser(const std::set<std::string>& receivers) : receivers_(receivers) {}

  Route read(const Node& node, const std::string& path, const RouteSettings& parent, int depth) {
    config::NodeReader r(path);
    Route route;
    route.settings = parent;
    if (depth > kMaxDepth) {
      r.problem(node, path, fmt::format("{}: routes nest deeper than {} levels", path, kMaxDepth));
      finish(r);
      return route;
    }
    const Node* children = nullptr;
    bool hasReceiver = false;
    r.map(node, path, [&](const std::string& key, const Node& v) {
      if (!r.knownField(key, v, kRouteFields)) return;
      std::string f = r.field(key);
      if (key == "receiver") {
        hasReceiver = true;  // a wrong one is its own problem
        receiverName(v, f, route.settings.receiver, r);
      } else if (key == "fallback") {
        receiverName(v, f, route.settings.fallback, r);
      } else if (key == "group_by") {
        groupBy(v, f, route.settings, r);
      } else if (key == "group_wait") {
        r.duration(v, f, route.settings.groupWait, Millis(0), kLongest);
      } else if (key == "group_interval") {
        r.duration(v, f, route.settings.groupInterval, Millis(1), kLongest);
      } else if (key == "repeat_interval") {
        r.duration(v, f, route.settings.repeatInterval, Millis(1), kLongest);
      } else if (key == "matchers") {
        r.list(v, f, [&](const Node& item, const std::string& itemField) {
          readMatchersEntry(r, item, itemField, route.matchers);
        });
      } else if (key == "match" || key == "match_re") {
        auto type = key == "match" ? AlertMatcher::Type::kEqual : AlertMatcher::Type::kRegexMatch;
        r.map(v, f, [&](const std::string& name, const Node& value) {
          std::string nameField = fmt::format("{}.{}", f, name);
          std::string text;
          if (!r.string(value, nameField, text)) return;
          if (!isValidLabelName(name)) {
            r.problem(value, nameField,
                      fmt::format("{}: '{}' is not a label name", nameField, name));
            return;
          }
          auto m = AlertMatcher::make(type, name, text);
          if (!m.ok()) {
            r.problem(value, nameField, fmt::format("{}: {}", nameField, m.error().message));
            return;
          }
          route.matchers.push_back(std::move(m).value());
        });
      } else if (key == "continue") {
        r.boolean(v, f, route.continueMatching);
      } else if (key == "routes") {
        children = &v;
      }
    });
    if (depth == 0 && node.isMap()) {
      if (!hasReceiver)
        r.problem(node, path, fmt::format("{}: the root route needs a receiver", path));
      if (!route.matchers.empty()) {
        const Node* at = node.find("matchers");
        if (at == nullptr) at = node.find("match");
        if (at == nullptr) at = node.find("match_re");
        r.problem(at != nullptr ? *at : node, path,
                  fmt::format("{}: the root route takes every alert and has no matchers", path));
      }
      if (route.continueMatching) {
        r.problem(node, path, fmt::format("{}: the root route cannot continue", path));
      }
    }
    finish(r);  // this route's problems before its children's, in the file's order
    if (children != nullptr && !children->isNull()) {
      std::string f = r.field("routes");
      r.list(*children, f, [&](const Node& item, const std::string& itemField) {
        route.routes.push_back(read(item, itemField, route.settings, depth + 1));
      });
    }
    finish(r);
    return route;
  }

  std::vector<config::FieldProblem>& problems() { return problems_; }

 private:
  bool receiverName(const Node& v, const std::string& f, std::string& out, config::NodeReader& r) {
    std::string name;
    if (!r.string(v, f, name)) return false;
    if (!receivers_.contains(name)) {
      r.problem(v, f, fmt::format("{}: no receiver named '{}'", f, name));
      return false;
    }
    out = std::move(name);
    return true;
  }

  static void groupBy(const Node& v, const std::string& f, RouteSettings& s,
                      config::NodeReader& r) {
    std::vector<std::string> names;
    if (!r.strings(v, f, names)) return;
    s.groupBy.clear();
    s.groupByAll = false;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "...") {
        s.groupByAll = true;
      } else if (!isValidLabelName(names[i])) {
        const Node& at = i < v.items.size() ? v.items[i] : v;
        r.problem(at, fmt::format("{}[{}]", f, i),
                  fmt::format("{}[{}]: '{}' is not a label name", f, i, names[i]));
      } else {
        s.groupBy.push_back(std::move(names[i]));
      }
    }
    if (s.groupByAll && !s.groupBy.empty()) {
      r.problem(v, f, fmt::format("{}: '...' groups by every label; list no other names", f));
    }
  }

  void finish(config::NodeReader& r) {
    for (auto& p : r.take())
      problems_.push_back(std::move(p));
  }

  const std::set<std::string>& receivers_;
  std::vector<config::FieldProblem> problems_;
};

}  // namespace

std::variant<RouteTree, std::vector<config::FieldProblem>> parseRouteTree(
    const Node& node, std::string_view path, const std::set<std::string>& receivers) {
  RouteParser parser(receivers);
  Route root = parser.read(node, std::string(path), RouteSettings{}, 0);
  if (!parser.problems().empty()) return std::move(parser.problems());
  return RouteTree(std::move(root));
}

}  // namespace pharos::alarms
