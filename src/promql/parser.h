#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/result.h"
#include "promql/ast.h"

namespace pharos::promql {

// Parses and type-checks a query of Pharos' PromQL subset (docs/PROMQL.md). Every error is
// kInvalidArgument with a message "LINE:COL: what" (1-based, COL in bytes): a syntax error
// says what was expected, a construct outside the subset says so and points to the doc, and
// a type error is worded as Prometheus words it. Error::context is "position=N" with the byte
// offset, which errorPosition() reads back for the HTTP layer.
Result<ExprPtr> parse(std::string_view query);

std::optional<std::size_t> errorPosition(const Error& error);

}  // namespace pharos::promql
