#pragma once

#include "health/condition.h"
#include "health/condition_ast.h"

namespace pharos::health {

// Evaluates a parsed condition against one observation (see Condition::evaluate). Every node
// is evaluated, without short-circuit, so the explanation shows every value.
ConditionOutcome evaluateAst(const ConditionAst& ast, const ProbeObservation& observation,
                             ConditionContext& context);

}  // namespace pharos::health
