// Alerting rules from API clients: a JSON body never crashes the parser; every problem names
// a field and says something; a rule that parses reads back from its own JSON as the same
// rule. The input is also tried as an annotation template, which must parse or fail with an
// offset inside it, and expand without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "alarms/rule_spec.h"
#include "alarms/rule_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pharos;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto tmpl = alarms::Template::parse(text);
  if (const auto* e = std::get_if<alarms::TemplateError>(&tmpl)) {
    if (e->message.empty() || e->offset > size) std::abort();
  } else {
    (void)std::get<alarms::Template>(tmpl).expand(Labels{{"host", "a"}, {"job", "x"}}, 0.25);
  }

  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded()) return 0;
  alarms::ParsedRule parsed = alarms::parseRuleJson(body);
  if (const auto* problems = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
    if (problems->empty()) std::abort();
    for (const auto& p : *problems) {
      if (p.message.empty()) std::abort();
    }
    return 0;
  }
  const auto& rule = std::get<alarms::RuleSpec>(parsed);
  nlohmann::json shown = alarms::ruleSpecToJson(rule);
  alarms::ParsedRule again = alarms::parseRuleJson(shown);
  if (!std::holds_alternative<alarms::RuleSpec>(again)) std::abort();
  if (alarms::ruleSpecToJson(std::get<alarms::RuleSpec>(again)) != shown) std::abort();
  (void)rule.identity();
  return 0;
}
