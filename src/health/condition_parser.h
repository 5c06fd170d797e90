#pragma once

#include <string_view>

#include "core/result.h"
#include "health/condition_ast.h"

namespace pharos::health {

// Parses and checks a condition (docs/CONDITIONS.md). A syntax error is kInvalidArgument whose
// message names the offset ("unexpected ')' at offset 12") and whose context is "offset=N".
// Refused besides bad syntax: text over Condition::kMaxLength, parentheses nested deeper than
// Condition::kMaxNesting, a comparison without a placeholder, pat()/any() with < or >, and
// < or > on a side that can never be a number ([IP], ok).
Result<ConditionAst> parseConditionAst(std::string_view text);

}  // namespace pharos::health
