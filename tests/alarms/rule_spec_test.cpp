#include "alarms/rule_spec.h"

#include <gtest/gtest.h>

#include "core/config/loader.h"
#include "core/config/node_json.h"

namespace pharos::alarms {
namespace {

ParsedRule fromJson(std::string_view text) {
  return parseRuleJson(nlohmann::json::parse(text));
}

std::string allMessages(const std::vector<config::FieldProblem>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += p.message + "\n";
  return out;
}

std::string messagesOf(const ParsedRule& parsed) {
  if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) return allMessages(*p);
  return {};
}

// A list read from YAML with its positions. The loader has no `rules:` section yet (the app
// adds it), so the list rides in health.checks, which the loader keeps as a raw tree.
struct YamlRules {
  config::LoadOutcome outcome;
  ParsedRules parsed;
};
YamlRules fromYaml(std::string_view listYaml) {
  std::string yaml = "health:\n  checks:\n" + std::string(listYaml);
  YamlRules out{config::loadConfigString(yaml, "pharos.yaml", {}), {}};
  EXPECT_TRUE(out.outcome.ok());
  out.parsed = parseRules(out.outcome.config.health.checks, "rules");
  return out;
}

TEST(RuleSpecTest, ReadsAThresholdRuleWithDefaults) {
  ParsedRule parsed = fromJson(
      R"({"name":"HighCpu","kind":"threshold","expr":"cpu_usage","op":">","value":90,
          "clear":80,"for":"5m","labels":{"team":"infra"},
          "annotations":{"summary":"CPU at {{ $value }} on {{ $labels.host }}"}})");
  ASSERT_TRUE(std::holds_alternative<RuleSpec>(parsed)) << messagesOf(parsed);
  const RuleSpec& r = std::get<RuleSpec>(parsed);
  EXPECT_EQ(r.kind, RuleKind::kThreshold);
  EXPECT_EQ(r.op, CompareOp::kGreater);
  EXPECT_EQ(r.threshold, 90);
  EXPECT_EQ(r.clear, 80);
  EXPECT_EQ(r.forDuration, Millis(300'000));
  EXPECT_EQ(r.interval, Millis(30'000));
  EXPECT_EQ(r.severity, "warning");
  ASSERT_TRUE(r.expr);
  EXPECT_EQ(r.identity().str(), R"({alertname="HighCpu",severity="warning",team="infra"})");
  EXPECT_EQ(r.annotationTemplates.at("summary").expand(Labels{{"host", "db1"}}, 93.5),
            "CPU at 93.5 on db1");
  // The API shows what it reads.
  auto again = parseRuleJson(ruleSpecToJson(r));
  ASSERT_TRUE(std::holds_alternative<RuleSpec>(again)) << messagesOf(again);
  EXPECT_EQ(ruleSpecToJson(std::get<RuleSpec>(again)), ruleSpecToJson(r));
}

TEST(RuleSpecTest, ReadsEveryKind) {
  for (const char* body :
       {R"({"name":"a","kind":"absence","expr":"up{job=\"api\"}","for":"10m"})",
        R"({"name":"b","kind":"slo_burn","slo":"api-availability","severity":"page"})",
        R"({"name":"c","kind":"check","check":"web"})",
        R"({"name":"d","kind":"check","checks":"{team=\"db\"}","keep_firing_for":"1m"})"}) {
    ParsedRule parsed = fromJson(body);
    EXPECT_TRUE(std::holds_alternative<RuleSpec>(parsed)) << body << "\n" << messagesOf(parsed);
  }
}

TEST(RuleSpecTest, ReportsEveryProblemNamingItsField) {
  std::string all = messagesOf(fromJson(
      R"J({"name":"bad name","kind":"threshold","expr":"rate(x[5m])","op":"=>","vlaue":3,
          "slo":"x","labels":{"alertname":"y"},"annotations":{"summary":"{{ $labels.x | upper }}"},
          "clear":1})J"));
  EXPECT_NE(all.find("'bad name' is not a valid rule name"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown operator '=>'"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown field 'vlaue' (did you mean 'value'?)"), std::string::npos) << all;
  EXPECT_NE(all.find("slo: not a field of a threshold rule"), std::string::npos) << all;
  EXPECT_NE(all.find("labels.alertname: 'alertname' cannot be a label name"), std::string::npos)
      << all;
  EXPECT_NE(all.find("unknown function 'upper'"), std::string::npos) << all;
  EXPECT_NE(all.find("value: a threshold rule needs a threshold"), std::string::npos) << all;
}

TEST(RuleSpecTest, RefusesWhatAKindCannotMean) {
  EXPECT_NE(messagesOf(fromJson(R"({"name":"a","kind":"threshold","expr":"x","op":">",
                                    "value":90,"clear":95})"))
                .find("clear (95) must be on the resolved side of value (90)"),
            std::string::npos);
  EXPECT_NE(messagesOf(fromJson(R"({"name":"a","kind":"threshold","expr":"x","op":"==",
                                    "value":1,"clear":0})"))
                .find("clear applies to >, >=, < and <= only"),
            std::string::npos);
  EXPECT_NE(messagesOf(fromJson(R"({"name":"a","kind":"slo_burn","slo":"s"})"))
                .find("severity is page or ticket"),
            std::string::npos);
  EXPECT_NE(messagesOf(fromJson(R"({"name":"a","kind":"check"})"))
                .find("needs check (a name) or checks (a selector)"),
            std::string::npos);
  EXPECT_NE(messagesOf(fromJson(R"({"name":"a","kind":"check","check":"x","checks":"{a=\"b\"}"})"))
                .find("give check or checks, not both"),
            std::string::npos);
  EXPECT_NE(messagesOf(fromJson(R"({"name":"a","kind":"threshold","expr":"x[5m]","op":">",
                                    "value":1})"))
                .find("gives a range vector"),
            std::string::npos)
      << messagesOf(
             fromJson(R"({"name":"a","kind":"threshold","expr":"x[5m]","op":">","value":1})"));
  EXPECT_NE(messagesOf(fromJson(R"({"name":"a","kind":"anomaly","expr":"x"})"))
                .find("anomaly rules arrive with the analysis module"),
            std::string::npos);
  EXPECT_NE(messagesOf(fromJson(R"({"kind":"absence","expr":"x"})")).find("a rule needs a name"),
            std::string::npos);
  EXPECT_NE(messagesOf(fromJson(R"(["not","a","map"])")).find("expected a rule definition"),
            std::string::npos);
}

TEST(RuleSpecTest, ABadExpressionIsLocatedAtItsCharacterInTheFile) {
  YamlRules y = fromYaml(
      "    - name: HighErrors\n"
      "      kind: threshold\n"
      "      expr: \"sum(rate(errors[5m]) by (job)\"\n"
      "      op: '>'\n"
      "      value: 1\n");
  auto* problems = std::get_if<std::vector<config::FieldProblem>>(&y.parsed);
  ASSERT_TRUE(problems);
  ASSERT_EQ(problems->size(), 1u) << allMessages(*problems);
  const auto& p = problems->front();
  EXPECT_EQ(p.field, "rules[0].expr");
  EXPECT_EQ(p.line, 5);
  // The quote is at column 13; PromQL reports the end of the text (byte 31) as the place.
  EXPECT_GT(p.column, 13);
  EXPECT_NE(p.message.find("rules[0].expr: "), std::string::npos) << p.message;
}

TEST(RuleSpecTest, DuplicateNamesAndUnknownFieldsAreLocated) {
  YamlRules y = fromYaml(
      "    - {name: a, kind: check, check: web}\n"
      "    - {name: a, kind: check, check: db}\n"
      "    - {name: b, kind: check, check: db, sevrity: page}\n");
  auto* problems = std::get_if<std::vector<config::FieldProblem>>(&y.parsed);
  ASSERT_TRUE(problems);
  ASSERT_EQ(problems->size(), 2u) << allMessages(*problems);
  EXPECT_EQ((*problems)[0].line, 4);
  EXPECT_NE((*problems)[0].message.find("a rule named 'a' is already defined"), std::string::npos);
  EXPECT_EQ((*problems)[1].line, 5);
  EXPECT_NE((*problems)[1].message.find("did you mean 'severity'?"), std::string::npos)
      << (*problems)[1].message;
}

TEST(RuleSpecTest, CheckRulesMatchByNameOrSelector) {
  auto byName = std::get<RuleSpec>(fromJson(R"({"name":"a","kind":"check","check":"web"})"));
  EXPECT_TRUE(byName.watchesCheck("web", Labels{{"check", "web"}}));
  EXPECT_FALSE(byName.watchesCheck("db", Labels{{"check", "db"}}));
  auto bySelector = std::get<RuleSpec>(
      fromJson(R"({"name":"a","kind":"check","checks":"{team=\"db\", env=~\"prod.*\"}"})"));
  EXPECT_TRUE(bySelector.watchesCheck("pg", Labels{{"team", "db"}, {"env", "prod-eu"}}));
  EXPECT_FALSE(bySelector.watchesCheck("pg", Labels{{"team", "db"}, {"env", "dev"}}));
  EXPECT_FALSE(bySelector.watchesCheck("web", Labels{{"team", "web"}, {"env", "prod"}}));
}

}  // namespace
}  // namespace pharos::alarms
