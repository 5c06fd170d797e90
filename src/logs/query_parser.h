#pragma once

#include <optional>
#include <string_view>

#include "core/result.h"
#include "logs/query_ast.h"
#include "logs/record.h"

namespace pharos::logs {

// Parses a log query (docs/LOGQUERY.md). A mistake is kInvalidArgument with the 1-based byte
// column: "column 14: expected ')' to close the '(' at column 1". Refused besides bad syntax:
// text over LogQuery::kMaxLength, nesting deeper than LogQuery::kMaxDepth, a term without a
// letter or digit, '*' anywhere but at the end of a word, an unknown level name.
Result<LogQuery> parseLogQuery(std::string_view text);

// A level as a query may name it, any case: trace, debug, info, warn/warning, error/err,
// fatal/critical, unknown.
std::optional<Level> parseLevelName(std::string_view name);

}  // namespace pharos::logs
