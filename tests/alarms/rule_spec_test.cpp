#include "alarms/rule_spec.h"

#include <fmt/format.h>
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
        R"({"name":"d","kind":"check","checks":"{team=\"db\"}","keep_firing_for":"1m"})",
        R"({"name":"e","kind":"anomaly","selector":"latency_seconds"})"}) {
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

TEST(RuleSpecTest, AnAnomalyRuleIsAThresholdOnTheScoresOfItsSelector) {
  ParsedRule parsed = fromJson(
      R"J({"name":"CheckoutSlow","kind":"anomaly",
           "selector":"http_request_duration_seconds{service=\"checkout\", path=~\"/api/.*\"}",
           "for":"2m","labels":{"team":"shop"}})J");
  ASSERT_TRUE(std::holds_alternative<RuleSpec>(parsed)) << messagesOf(parsed);
  const RuleSpec& r = std::get<RuleSpec>(parsed);
  EXPECT_EQ(r.kind, RuleKind::kAnomaly);
  EXPECT_EQ(r.sensitivity, 0.75);
  EXPECT_EQ(r.window, Millis(300'000));
  EXPECT_EQ(r.forDuration, Millis(120'000));
  // The default is the detector's own flag threshold.
  EXPECT_EQ(r.op, CompareOp::kGreaterEqual);
  EXPECT_EQ(r.threshold, 0.25);
  EXPECT_EQ(r.exprText,
            R"(max_over_time(pharos_anomaly_score{metric="http_request_duration_seconds", )"
            R"(service="checkout", path=~"/api/.*"}[5m]))");
  ASSERT_TRUE(r.expr);
  EXPECT_EQ(r.expr->type(), promql::ValueType::kVector);
  // A default summary, kept out of the annotations as written.
  EXPECT_TRUE(r.annotations.empty());
  ASSERT_EQ(r.annotationTemplates.count("summary"), 1u);
  EXPECT_EQ(r.annotationTemplates.at("summary").expand(Labels{{"metric", "latency"}}, 0.5),
            "anomaly in latency (score 0.5 in the last 5m)");
}

TEST(RuleSpecTest, AnAnomalyRuleTakesSensitivityWindowAndItsOwnSummary) {
  ParsedRule parsed = fromJson(
      R"J({"name":"a","kind":"anomaly","selector":"{__name__=\"queue_depth\", metric=\"x\"}",
           "sensitivity":0.9,"window":"15m","interval":"1m",
           "annotations":{"summary":"odd {{ $labels.queue }}"}})J");
  ASSERT_TRUE(std::holds_alternative<RuleSpec>(parsed)) << messagesOf(parsed);
  const RuleSpec& r = std::get<RuleSpec>(parsed);
  EXPECT_NEAR(r.threshold, 0.1, 1e-12);
  // The original's own `metric` label is the score series' `exported_metric`.
  EXPECT_EQ(
      r.exprText,
      R"(max_over_time(pharos_anomaly_score{metric="queue_depth", exported_metric="x"}[15m]))");
  EXPECT_EQ(r.annotationTemplates.at("summary").expand(Labels{{"queue", "q1"}}, 1), "odd q1");
}

TEST(RuleSpecTest, AnAnomalyRuleRoundTripsThroughTheApiAsWritten) {
  RuleSpec r = std::get<RuleSpec>(fromJson(
      R"J({"name":"a","kind":"anomaly","selector":"latency_seconds{job=\"api\"}",
           "sensitivity":0.6,"window":"10m","for":"2m","keep_firing_for":"5m",
           "severity":"page"})J"));
  nlohmann::json j = ruleSpecToJson(r);
  EXPECT_EQ(j["selector"], R"(latency_seconds{job="api"})");
  EXPECT_EQ(j["sensitivity"], 0.6);
  EXPECT_EQ(j["window"], "10m");
  EXPECT_FALSE(j.contains("expr"));
  EXPECT_FALSE(j.contains("op"));
  EXPECT_FALSE(j.contains("value"));
  EXPECT_EQ(j["annotations"], nlohmann::json::object());
  auto again = parseRuleJson(j);
  ASSERT_TRUE(std::holds_alternative<RuleSpec>(again)) << messagesOf(again);
  const RuleSpec& b = std::get<RuleSpec>(again);
  EXPECT_EQ(ruleSpecToJson(b), j);
  EXPECT_EQ(b.exprText, r.exprText);
  EXPECT_EQ(b.threshold, r.threshold);
  EXPECT_EQ(b.keepFiringFor, Millis(300'000));
}

TEST(RuleSpecTest, RefusesWhatAnAnomalyRuleCannotMean) {
  auto problem = [](std::string_view body) { return messagesOf(fromJson(body)); };
  EXPECT_NE(problem(R"({"name":"a","kind":"anomaly"})")
                .find("selector: an anomaly rule needs a selector of the metric to watch"),
            std::string::npos)
      << problem(R"({"name":"a","kind":"anomaly"})");
  for (const char* selector : {R"(rate(x[5m]))", R"(x[5m])", R"(x + 1)", R"((x))", "1"}) {
    std::string body =
        nlohmann::json{{"name", "a"}, {"kind", "anomaly"}, {"selector", selector}}.dump();
    EXPECT_NE(problem(body).find("selector: expected a series selector of the original metric"),
              std::string::npos)
        << selector << ": " << problem(body);
  }
  EXPECT_NE(problem(R"({"name":"a","kind":"anomaly","selector":"{job=\"api\"}"})")
                .find("selector: an anomaly selector needs one metric name"),
            std::string::npos);
  EXPECT_NE(problem(R"({"name":"a","kind":"anomaly","selector":"{__name__=~\"x.*\"}"})")
                .find("needs one metric name"),
            std::string::npos);
  EXPECT_NE(problem(R"({"name":"a","kind":"anomaly","selector":"x offset 5m"})")
                .find("selector: a selector with an offset"),
            std::string::npos);
  EXPECT_NE(problem(R"({"name":"a","kind":"anomaly","selector":"x{job=}"})").find("selector: 1:7:"),
            std::string::npos)
      << problem(R"({"name":"a","kind":"anomaly","selector":"x{job=}"})");
  for (const char* s : {"0", "1", "-0.5", "1.5"}) {
    std::string body = fmt::format(R"({{"name":"a","kind":"anomaly","selector":"x",
                                       "sensitivity":{}}})",
                                   s);
    EXPECT_NE(problem(body).find("sensitivity: " + std::string(s) + " is out of range"),
              std::string::npos)
        << problem(body);
  }
  EXPECT_NE(problem(R"({"name":"a","kind":"anomaly","selector":"x","sensitivity":"high"})")
                .find("sensitivity: expected a number"),
            std::string::npos);
  EXPECT_NE(problem(R"({"name":"a","kind":"anomaly","selector":"x","window":"1m","interval":"2m"})")
                .find("window: 1m is shorter than the rule's interval (2m)"),
            std::string::npos)
      << problem(R"({"name":"a","kind":"anomaly","selector":"x","window":"1m","interval":"2m"})");
  EXPECT_NE(
      problem(R"({"name":"a","kind":"anomaly","selector":"x","window":"soon"})").find("window: "),
      std::string::npos);
  // Fields of other kinds on an anomaly rule, and anomaly fields on other kinds.
  std::string mixed = problem(
      R"({"name":"a","kind":"anomaly","selector":"x","op":">","value":1,"expr":"x","slo":"s"})");
  for (const char* f : {"op", "value", "expr", "slo"}) {
    EXPECT_NE(mixed.find(std::string(f) + ": not a field of an anomaly rule"), std::string::npos)
        << f << ": " << mixed;
  }
  std::string other = problem(R"({"name":"a","kind":"threshold","expr":"x","op":">","value":1,
                                  "selector":"x","sensitivity":0.5,"window":"5m"})");
  for (const char* f : {"selector", "sensitivity", "window"}) {
    EXPECT_NE(other.find(std::string(f) + ": not a field of a threshold rule"), std::string::npos)
        << f << ": " << other;
  }
  EXPECT_NE(problem(R"({"name":"a","kind":"absence","expr":"x","window":"5m"})")
                .find("window: not a field of an absence rule"),
            std::string::npos);
  EXPECT_NE(problem(R"({"name":"a","kind":"anomalous"})")
                .find("unknown kind 'anomalous' (threshold, slo_burn, check, absence or anomaly)"),
            std::string::npos);
}

TEST(RuleSpecTest, ABadAnomalySelectorIsLocatedAtItsCharacterInTheFile) {
  YamlRules y = fromYaml(
      "    - name: CheckoutSlow\n"
      "      kind: anomaly\n"
      "      selector: 'latency{service=\"checkout\",}}'\n"
      "      sensitivity: 2\n");
  auto* problems = std::get_if<std::vector<config::FieldProblem>>(&y.parsed);
  ASSERT_TRUE(problems);
  ASSERT_EQ(problems->size(), 2u) << allMessages(*problems);
  // Problems of single fields come first, those of the rule as a whole (the selector's) after.
  const auto& p = (*problems)[1];
  EXPECT_EQ(p.field, "rules[0].selector");
  EXPECT_EQ(p.line, 5);
  EXPECT_GT(p.column, 17);  // past the opening quote: at the stray '}'
  EXPECT_NE(p.message.find("rules[0].selector: 1:"), std::string::npos) << p.message;
  EXPECT_EQ((*problems)[0].field, "rules[0].sensitivity");
  EXPECT_EQ((*problems)[0].line, 6);
}

}  // namespace
}  // namespace pharos::alarms
