#include "alarms/alarms_config.h"

#include <gtest/gtest.h>

#include "route_test_util.h"

namespace pharos::alarms {
namespace {

using testing::jsonNode;
using testing::yamlNode;

RoutingSection section(std::string_view yaml) {
  config::Node root = yamlNode(yaml);
  RoutingSection s;
  s.file = "pharos.yaml";
  if (const config::Node* n = root.find("route")) s.route = *n;
  if (const config::Node* n = root.find("inhibit_rules")) s.inhibitRules = *n;
  if (const config::Node* n = root.find("silences")) s.silences = *n;
  return s;
}

const WallTime kNow = fromUnixMillis(1'800'000'000'000);

TEST(AlarmsConfigTest, ReadsRouteInhibitRulesAndSilences) {
  auto read = readRoutingConfig(section("route:\n"
                                        "  receiver: ops\n"
                                        "  routes:\n"
                                        "    - matchers: [severity=page]\n"
                                        "      receiver: pager\n"
                                        "inhibit_rules:\n"
                                        "  - source_matchers: [severity=critical]\n"
                                        "    target_matchers: [severity=warning]\n"
                                        "    equal: [cluster]\n"
                                        "silences:\n"
                                        "  - matchers: ['team=\"db\"']\n"
                                        "    every: '0 22 * * *'\n"
                                        "    duration: 8h\n"
                                        "    comment: nightly batch\n"),
                                {"ops", "pager"}, kNow);
  auto* defs = std::get_if<RoutingDefinitions>(&read);
  ASSERT_NE(defs, nullptr) << std::get<std::vector<config::Diagnostic>>(read)[0].toString();
  EXPECT_EQ(defs->routes.root().routes.size(), 1u);
  EXPECT_EQ(defs->inhibitRules.size(), 1u);
  ASSERT_EQ(defs->silences.size(), 1u);
  EXPECT_EQ(defs->silences[0].startsAt, kNow);
  EXPECT_EQ(defs->silences[0].comment, "nightly batch");
}

TEST(AlarmsConfigTest, OneReceiverNeedsNoRoute) {
  auto read = readRoutingConfig(RoutingSection{}, {"only"}, kNow);
  auto* defs = std::get_if<RoutingDefinitions>(&read);
  ASSERT_NE(defs, nullptr);
  ASSERT_EQ(defs->routes.match(Labels{{"a", "b"}}).size(), 1u);
  EXPECT_EQ(defs->routes.match(Labels{{"a", "b"}})[0]->settings.receiver, "only");

  auto none = readRoutingConfig(RoutingSection{}, {}, kNow);
  ASSERT_TRUE(std::holds_alternative<RoutingDefinitions>(none));
  EXPECT_TRUE(std::get<RoutingDefinitions>(none).routes.empty());

  auto two = readRoutingConfig(RoutingSection{}, {"a", "b"}, kNow);
  auto* d = std::get_if<std::vector<config::Diagnostic>>(&two);
  ASSERT_NE(d, nullptr);
  EXPECT_NE((*d)[0].message.find("alarms.route: required"), std::string::npos);
}

TEST(AlarmsConfigTest, EveryProblemIsLocatedInTheFile) {
  auto read = readRoutingConfig(section("route:\n"
                                        "  receiver: opz\n"
                                        "inhibit_rules:\n"
                                        "  - source_matchers: [severity=critical]\n"
                                        "    target_matchers: ['sev=~\"[\"']\n"
                                        "silences:\n"
                                        "  - matchers: [team=db]\n"
                                        "    ends_at: someday\n"),
                                {"ops"}, kNow);
  auto* d = std::get_if<std::vector<config::Diagnostic>>(&read);
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->size(), 3u);
  auto starts = [&](std::size_t i, std::string_view prefix) {
    EXPECT_EQ((*d)[i].toString().substr(0, prefix.size()), prefix) << (*d)[i].toString();
  };
  starts(0, "pharos.yaml:5:19: alarms.route.receiver: no receiver named 'opz'");
  starts(1, "pharos.yaml:8:29: alarms.inhibit_rules[0].target_matchers[0]: invalid label matcher");
  starts(2, "pharos.yaml:11:20: alarms.silences[0].ends_at: expected a time");
}

}  // namespace
}  // namespace pharos::alarms
