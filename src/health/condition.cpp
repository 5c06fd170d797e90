#include "health/condition.h"

#include <charconv>

#include "health/condition_ast.h"
#include "health/condition_body.h"
#include "health/condition_eval.h"
#include "health/condition_parser.h"

namespace pharos::health {
namespace {

// The parser's errors carry the offset as context "offset=N".
size_t errorOffset(const Error& e) {
  constexpr std::string_view kPrefix = "offset=";
  size_t offset = 0;
  if (e.context.rfind(kPrefix, 0) == 0)
    std::from_chars(e.context.data() + kPrefix.size(), e.context.data() + e.context.size(), offset);
  return offset;
}

}  // namespace

ConditionContext::ConditionContext() = default;
ConditionContext::~ConditionContext() = default;
ConditionContext::ConditionContext(ConditionContext&&) noexcept = default;
ConditionContext& ConditionContext::operator=(ConditionContext&&) noexcept = default;

const ParsedBody& ConditionContext::parsedBody(std::string_view body) {
  if (!body_ || body_->data != body.data() || body_->size != body.size())
    body_ = std::make_unique<ParsedBody>(parseJsonBody(body));
  return *body_;
}

Condition::Condition(std::string text, std::shared_ptr<const ConditionAst> ast)
    : text_(std::move(text)), ast_(std::move(ast)) {}

std::variant<Condition, ConditionSyntaxError> Condition::parse(std::string_view text) {
  auto ast = parseConditionAst(text);
  if (!ast.ok()) return ConditionSyntaxError{errorOffset(ast.error()), ast.error().message};
  return Condition(std::string(text), std::make_shared<const ConditionAst>(std::move(*ast)));
}

ConditionOutcome Condition::evaluate(const ProbeObservation& observation) const {
  ConditionContext context;
  return evaluate(observation, context);
}

ConditionOutcome Condition::evaluate(const ProbeObservation& observation,
                                     ConditionContext& context) const {
  return evaluateAst(*ast_, observation, context);
}

std::vector<std::string> Condition::placeholders() const {
  std::vector<std::string> names;
  for (Placeholder p : ast_->placeholders)
    names.emplace_back(placeholderName(p));
  return names;
}

}  // namespace pharos::health
