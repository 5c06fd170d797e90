#include "alarms/alarms_config.h"

#include <fmt/format.h>

#include "alarms/route_parse.h"
#include "alarms/silence_json.h"
#include "core/config/node_reader.h"

namespace pharos::alarms {
namespace {

using config::Node;

void listProblem(const Node& node, const std::string& path, const std::string& file,
                 std::vector<config::Diagnostic>& out) {
  out.push_back(
      config::Diagnostic{file, node.line, node.column, fmt::format("{}: expected a list", path)});
}

}  // namespace

std::variant<RoutingDefinitions, std::vector<config::Diagnostic>> readRoutingConfig(
    const RoutingSection& section, const std::set<std::string>& receivers, WallTime now,
    std::string_view sectionName) {
  RoutingDefinitions defs;
  std::vector<config::Diagnostic> problems;

  std::string routePath = fmt::format("{}.route", sectionName);
  if (!section.route.isNull()) {
    auto parsed = parseRouteTree(section.route, routePath, receivers);
    if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
      config::appendDiagnostics(*p, section.file, problems);
    } else {
      defs.routes = std::get<RouteTree>(std::move(parsed));
    }
  } else if (receivers.size() == 1) {
    defs.routes = RouteTree::defaultFor(*receivers.begin());
  } else if (receivers.size() > 1) {
    problems.push_back(config::Diagnostic{
        section.file, 0, 0,
        fmt::format("{}: required when more than one receiver is defined (there are {})", routePath,
                    receivers.size())});
  }

  std::string rulesPath = fmt::format("{}.inhibit_rules", sectionName);
  if (section.inhibitRules.isList()) {
    for (std::size_t i = 0; i < section.inhibitRules.items.size(); ++i) {
      auto parsed =
          parseInhibitRule(section.inhibitRules.items[i], fmt::format("{}[{}]", rulesPath, i));
      if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
        config::appendDiagnostics(*p, section.file, problems);
      } else {
        defs.inhibitRules.push_back(std::get<InhibitRule>(std::move(parsed)));
      }
    }
  } else if (!section.inhibitRules.isNull()) {
    listProblem(section.inhibitRules, rulesPath, section.file, problems);
  }

  std::string silencesPath = fmt::format("{}.silences", sectionName);
  if (section.silences.isList()) {
    for (std::size_t i = 0; i < section.silences.items.size(); ++i) {
      auto parsed =
          parseSilence(section.silences.items[i], fmt::format("{}[{}]", silencesPath, i), now);
      if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
        config::appendDiagnostics(*p, section.file, problems);
      } else {
        defs.silences.push_back(std::get<Silence>(std::move(parsed)));
      }
    }
  } else if (!section.silences.isNull()) {
    listProblem(section.silences, silencesPath, section.file, problems);
  }

  if (!problems.empty()) return problems;
  return defs;
}

}  // namespace pharos::alarms
