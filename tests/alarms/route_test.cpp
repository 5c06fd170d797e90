#include "alarms/route.h"

#include <gtest/gtest.h>

#include "alarms/route_parse.h"
#include "route_test_util.h"

namespace pharos::alarms {
namespace {

using testing::jsonNode;
using testing::yamlNode;

const std::set<std::string> kReceivers = {"default", "pager", "db-team", "slack", "backup"};

RouteTree parseOk(const config::Node& node) {
  auto parsed = parseRouteTree(node, "alarms.route", kReceivers);
  if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
    ADD_FAILURE() << (p->empty() ? "?" : p->front().message);
    return {};
  }
  return std::get<RouteTree>(std::move(parsed));
}

std::vector<config::FieldProblem> problems(const config::Node& node) {
  auto parsed = parseRouteTree(node, "alarms.route", kReceivers);
  if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) return *p;
  ADD_FAILURE() << "parsed, but should not have";
  return {};
}

std::vector<std::string> receiversFor(const RouteTree& tree, const Labels& labels) {
  std::vector<std::string> out;
  for (const Route* r : tree.match(labels))
    out.push_back(r->settings.receiver);
  return out;
}

constexpr const char* kTree =
    "receiver: default\n"
    "group_by: [alertname]\n"
    "group_wait: 10s\n"
    "fallback: backup\n"
    "routes:\n"
    "  - matchers: ['severity=\"page\"']\n"
    "    receiver: pager\n"
    "    continue: true\n"
    "    repeat_interval: 1h\n"
    "  - matchers: ['team=~\"db|infra\"']\n"
    "    receiver: db-team\n"
    "    group_by: [cluster, alertname]\n"
    "    routes:\n"
    "      - matchers: [env=staging]\n"
    "        receiver: slack\n"
    "  - matchers: [team=web]\n"
    "    receiver: slack\n";

TEST(RouteTest, AnAlertDescendsIntoTheFirstMatchingChild) {
  RouteTree tree = parseOk(yamlNode(kTree));
  EXPECT_EQ(receiversFor(tree, Labels{{"team", "db"}}), std::vector<std::string>{"db-team"});
  EXPECT_EQ(receiversFor(tree, Labels{{"team", "db"}, {"env", "staging"}}),
            std::vector<std::string>{"slack"});
  EXPECT_EQ(receiversFor(tree, Labels{{"team", "other"}}), std::vector<std::string>{"default"});
  EXPECT_EQ(receiversFor(tree, Labels{}), std::vector<std::string>{"default"});
}

TEST(RouteTest, ContinueGoesOnToLaterSiblings) {
  RouteTree tree = parseOk(yamlNode(kTree));
  EXPECT_EQ(receiversFor(tree, Labels{{"severity", "page"}, {"team", "infra"}}),
            (std::vector<std::string>{"pager", "db-team"}));
  // Continue matched, nothing after it did: only the continuing route, not the root.
  EXPECT_EQ(receiversFor(tree, Labels{{"severity", "page"}}), std::vector<std::string>{"pager"});
  // Without continue, the first match stops the walk: web never reaches a later sibling.
  EXPECT_EQ(receiversFor(tree, Labels{{"team", "web"}}), std::vector<std::string>{"slack"});
}

TEST(RouteTest, ChildrenInheritWhatTheyLeaveUnset) {
  RouteTree tree = parseOk(yamlNode(kTree));
  const Route& root = tree.root();
  ASSERT_EQ(root.routes.size(), 3u);
  const RouteSettings& pager = root.routes[0].settings;
  EXPECT_EQ(pager.groupBy, std::vector<std::string>{"alertname"});
  EXPECT_EQ(pager.groupWait, Millis(10'000));
  EXPECT_EQ(pager.groupInterval, Millis(300'000));  // the default
  EXPECT_EQ(pager.repeatInterval, Millis(3'600'000));
  EXPECT_EQ(pager.fallback, "backup");
  const RouteSettings& staging = root.routes[1].routes[0].settings;
  EXPECT_EQ(staging.receiver, "slack");
  EXPECT_EQ(staging.groupBy, (std::vector<std::string>{"cluster", "alertname"}));
  EXPECT_EQ(staging.groupWait, Millis(10'000));
  EXPECT_EQ(staging.repeatInterval, Millis(4 * 3'600'000));  // not the pager sibling's
}

TEST(RouteTest, PathsAreMatcherChainsThatTellSiblingsApart) {
  RouteTree tree = parseOk(jsonNode(R"({"receiver": "default", "routes": [
      {"matchers": ["a=1"], "receiver": "pager"},
      {"matchers": ["a=1"], "receiver": "slack", "routes": [{"matchers": ["b=~\"x.*\""]}]}]})"));
  EXPECT_EQ(tree.root().path, "{}");
  EXPECT_EQ(tree.root().routes[0].path, R"({}/{a="1"})");
  EXPECT_EQ(tree.root().routes[1].path, R"({}/{a="1"}#1)");
  EXPECT_EQ(tree.root().routes[1].routes[0].path, R"({}/{a="1"}#1/{b=~"x.*"})");
}

TEST(RouteTest, OneReceiverTakesEverythingByDefault) {
  RouteTree tree = RouteTree::defaultFor("default");
  EXPECT_FALSE(tree.empty());
  auto routes = tree.match(Labels{{"alertname", "X"}});
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0]->settings.receiver, "default");
  EXPECT_EQ(routes[0]->settings.groupWait, Millis(1'000));
  EXPECT_EQ(routes[0]->settings.groupInterval, Millis(300'000));
  EXPECT_EQ(routes[0]->settings.repeatInterval, Millis(4 * 3'600'000));
  EXPECT_TRUE(RouteTree().empty());
  EXPECT_TRUE(RouteTree().match(Labels{}).empty());
}

TEST(RouteTest, GroupByEveryLabelAndByNames) {
  RouteTree tree = parseOk(jsonNode(R"({"receiver": "default", "group_by": ["..."],
      "routes": [{"matchers": ["x=1"], "group_by": ["job"]}]})"));
  Labels labels{{"alertname", "A"}, {"job", "api"}, {"instance", "h:1"}};
  EXPECT_EQ(groupLabelsFor(tree.root().settings, labels), labels);
  EXPECT_EQ(groupLabelsFor(tree.root().routes[0].settings, labels), (Labels{{"job", "api"}}));
}

TEST(RouteTest, AlertmanagerMatchMapsStillRead) {
  RouteTree tree =
      parseOk(yamlNode("receiver: default\n"
                       "routes:\n"
                       "  - match: {severity: page}\n"
                       "    match_re: {team: 'db|infra'}\n"
                       "    receiver: pager\n"));
  EXPECT_EQ(receiversFor(tree, Labels{{"severity", "page"}, {"team", "db"}}),
            std::vector<std::string>{"pager"});
  EXPECT_EQ(receiversFor(tree, Labels{{"severity", "page"}, {"team", "dba"}}),
            std::vector<std::string>{"default"});
}

TEST(RouteTest, ProblemsNameTheFieldAndItsPlace) {
  auto p =
      problems(yamlNode("receiver: default\n"
                        "group_wait: soon\n"
                        "routes:\n"
                        "  - matchers: ['severity=\"page\"', 'team=~\"(\"']\n"
                        "    receiver: nobody\n"
                        "    contineu: true\n"));
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].field, "alarms.route.group_wait");
  EXPECT_EQ(p[0].line, 2 + testing::kYamlLineOffset);
  EXPECT_EQ(p[0].column, 13 + testing::kYamlColumnOffset);
  EXPECT_EQ(p[1].field, "alarms.route.routes[0].matchers[1]");
  EXPECT_EQ(p[1].line, 4 + testing::kYamlLineOffset);
  EXPECT_EQ(p[1].column, 35 + testing::kYamlColumnOffset);
  EXPECT_NE(p[1].message.find("team=~\"(\""), std::string::npos) << p[1].message;
  EXPECT_EQ(p[2].field, "alarms.route.routes[0].receiver");
  EXPECT_NE(p[2].message.find("no receiver named 'nobody'"), std::string::npos) << p[2].message;
  EXPECT_EQ(p[2].line, 5 + testing::kYamlLineOffset);
  EXPECT_NE(p[3].message.find("did you mean 'continue'"), std::string::npos) << p[3].message;
}

TEST(RouteTest, TheRootNeedsAReceiverAndNoMatchers) {
  auto p = problems(jsonNode(R"({"matchers": ["a=1"], "continue": true})"));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_NE(p[0].message.find("needs a receiver"), std::string::npos) << p[0].message;
  EXPECT_NE(p[1].message.find("has no matchers"), std::string::npos) << p[1].message;
  EXPECT_NE(p[2].message.find("cannot continue"), std::string::npos) << p[2].message;
}

TEST(RouteTest, BadGroupByAndDurationsAreProblems) {
  auto p = problems(jsonNode(
      R"({"receiver": "default", "group_by": ["...", "job", "9x"], "group_interval": "0s",
          "fallback": "nope"})"));
  ASSERT_EQ(p.size(), 4u);
  // A JSON object's keys come in name order.
  EXPECT_EQ(p[0].field, "alarms.route.fallback");
  EXPECT_EQ(p[1].field, "alarms.route.group_by[2]");
  EXPECT_NE(p[2].message.find("'...' groups by every label"), std::string::npos) << p[2].message;
  EXPECT_EQ(p[3].field, "alarms.route.group_interval");
}

TEST(RouteTest, DeepNestingIsRefused) {
  std::string json = R"({"receiver": "default")";
  for (int i = 0; i < 40; ++i)
    json += R"(, "routes": [{"matchers": ["a=1"])";
  for (int i = 0; i < 40; ++i)
    json += "}]";
  json += "}";
  auto p = problems(jsonNode(json));
  ASSERT_FALSE(p.empty());
  EXPECT_NE(p[0].message.find("deeper than 32"), std::string::npos) << p[0].message;
}

}  // namespace
}  // namespace pharos::alarms
