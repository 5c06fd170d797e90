#pragma once

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "alarms/alert.h"
#include "core/config/loader.h"
#include "core/config/node.h"
#include "core/config/node_json.h"

namespace pharos::alarms::testing {

// The line and column offsets of a tree read by yamlNode(): the text sits three lines down
// and six columns in.
constexpr int kYamlLineOffset = 3;
constexpr int kYamlColumnOffset = 6;

// `yaml` (a mapping or a list) as the loader's Node tree, with positions in the file. There
// is no alarms section in the loader yet, so the text rides in `health.checks`, which the
// loader keeps as a raw tree.
inline config::Node yamlNode(std::string_view yaml) {
  std::string text = "health:\n  checks:\n    -\n";
  std::istringstream lines{std::string(yaml)};
  std::string line;
  while (std::getline(lines, line))
    text += "      " + line + "\n";
  config::LoadOutcome out = config::loadConfigString(text, "pharos.yaml", {});
  EXPECT_TRUE(out.ok()) << (out.diagnostics.empty() ? "" : out.diagnostics[0].toString());
  if (out.config.health.checks.items.empty()) return {};
  return out.config.health.checks.items[0];
}

inline config::Node jsonNode(std::string_view json) {
  return config::nodeFromJson(nlohmann::json::parse(json));
}

inline Alert firing(Labels labels, WallTime startsAt = {}) {
  Alert a;
  a.labels = std::move(labels);
  a.state = AlertState::kFiring;
  a.startsAt = startsAt;
  return a;
}

inline Alert resolved(Labels labels, WallTime endsAt) {
  Alert a;
  a.labels = std::move(labels);
  a.state = AlertState::kResolved;
  a.endsAt = endsAt;
  return a;
}

}  // namespace pharos::alarms::testing
