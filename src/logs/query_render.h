#pragma once

#include <string>

#include "logs/query_ast.h"

namespace pharos::logs {

// The canonical text of a query: explicit AND/OR/NOT, parentheses only where precedence
// needs them, quoted strings re-escaped, level names canonical. Parsing it gives back the
// same tree, so it is what the API echoes and what tests compare.
std::string renderLogQuery(const LogQuery& query);

}  // namespace pharos::logs
