#include "alarms/inhibit.h"

#include <gtest/gtest.h>

#include "route_test_util.h"

namespace pharos::alarms {
namespace {

using testing::jsonNode;
using testing::yamlNode;

InhibitRule parseOk(const config::Node& node) {
  auto parsed = parseInhibitRule(node, "alarms.inhibit_rules[0]");
  if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
    ADD_FAILURE() << (p->empty() ? "?" : p->front().message);
    return {};
  }
  return std::get<InhibitRule>(std::move(parsed));
}

Inhibitor criticalMutesWarning() {
  return Inhibitor({parseOk(jsonNode(R"({"source_matchers": ["severity=critical"],
      "target_matchers": ["severity=warning"], "equal": ["cluster", "alertname"]})"))});
}

TEST(InhibitTest, AFiringSourceMutesTargetsWithEqualLabels) {
  Inhibitor inhibitor = criticalMutesWarning();
  Labels source{{"alertname", "Disk"}, {"severity", "critical"}, {"cluster", "eu"}};
  Labels target{{"alertname", "Disk"}, {"severity", "warning"}, {"cluster", "eu"}};
  Labels otherCluster{{"alertname", "Disk"}, {"severity", "warning"}, {"cluster", "us"}};
  EXPECT_FALSE(inhibitor.isInhibited(target.hash(), target));
  inhibitor.setFiring(source.hash(), source, true);
  EXPECT_TRUE(inhibitor.isInhibited(target.hash(), target));
  EXPECT_FALSE(inhibitor.isInhibited(otherCluster.hash(), otherCluster));
  EXPECT_FALSE(inhibitor.isInhibited(source.hash(), source));  // not a target
  inhibitor.setFiring(source.hash(), source, false);
  EXPECT_FALSE(inhibitor.isInhibited(target.hash(), target));
  inhibitor.setFiring(source.hash(), source, false);  // idempotent
  EXPECT_FALSE(inhibitor.isInhibited(target.hash(), target));
}

TEST(InhibitTest, AbsentEqualLabelsCountAsEqual) {
  Inhibitor inhibitor = criticalMutesWarning();
  Labels source{{"alertname", "Disk"}, {"severity", "critical"}};
  Labels target{{"alertname", "Disk"}, {"severity", "warning"}};
  inhibitor.setFiring(source.hash(), source, true);
  EXPECT_TRUE(inhibitor.isInhibited(target.hash(), target));
}

TEST(InhibitTest, AnAlertMatchingBothSidesIsNotMutedByItsPeers) {
  Inhibitor inhibitor({parseOk(jsonNode(R"({"source_matchers": ["alertname=NodeDown"],
      "target_matchers": ["alertname=~Node.*"], "equal": ["node"]})"))});
  Labels down1{{"alertname", "NodeDown"}, {"node", "n1"}, {"i", "1"}};
  Labels down2{{"alertname", "NodeDown"}, {"node", "n1"}, {"i", "2"}};
  Labels high{{"alertname", "NodeLoadHigh"}, {"node", "n1"}};
  inhibitor.setFiring(down1.hash(), down1, true);
  inhibitor.setFiring(down2.hash(), down2, true);
  EXPECT_FALSE(inhibitor.isInhibited(down1.hash(), down1));
  EXPECT_FALSE(inhibitor.isInhibited(down2.hash(), down2));
  EXPECT_TRUE(inhibitor.isInhibited(high.hash(), high));
}

TEST(InhibitTest, ProblemsAreLocated) {
  auto parsed = parseInhibitRule(yamlNode("source_matchers: ['severity=~\"(\"']\n"
                                          "target_matchers: []\n"
                                          "equal: [ok, 'not ok']\n"
                                          "eqaul: [x]\n"),
                                 "alarms.inhibit_rules[0]");
  auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ((*p)[0].field, "alarms.inhibit_rules[0].source_matchers[0]");
  EXPECT_EQ((*p)[0].line, 1 + testing::kYamlLineOffset);
  EXPECT_EQ((*p)[0].column, 19 + testing::kYamlColumnOffset);
  EXPECT_EQ((*p)[1].field, "alarms.inhibit_rules[0].equal[1]");
  EXPECT_NE((*p)[2].message.find("did you mean 'equal'"), std::string::npos) << (*p)[2].message;

  auto empty = parseInhibitRule(jsonNode(R"({"target_matchers": ["a=1"]})"), "r");
  auto* q = std::get_if<std::vector<config::FieldProblem>>(&empty);
  ASSERT_NE(q, nullptr);
  ASSERT_EQ(q->size(), 1u);
  EXPECT_EQ((*q)[0].field, "r.source_matchers");
}

}  // namespace
}  // namespace pharos::alarms
