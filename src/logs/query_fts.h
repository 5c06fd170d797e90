#pragma once

#include <span>
#include <string>

#include "logs/query_ast.h"

namespace pharos::logs {

// The full-text index's side of a query: an FTS5 MATCH expression that the index document
// (tokens.h, appendIndexDocument) of every block holding a matching record satisfies, or ""
// when the query constrains no indexed token (then the caller scans the time range).
//
// It is a necessary condition, not the query: the matcher still runs on every line of the
// blocks it selects. Used: terms and phrases ("connection refused", "conn"*), `:` equality
// and prefix on the indexed fields (`service_api`), `level` comparisons (an OR of levels).
// Dropped (no constraint): anything under NOT, an OR with an unindexable branch, other
// comparisons, `field:*`, attributes, and tokens shorter than 2 bytes.
// `indexedAttributes`: the attributes the index holds (logs.indexed_attributes); a
// `key:value` on one of them narrows the search like a built-in field.
std::string ftsExpression(const LogQuery& query,
                          std::span<const std::string> indexedAttributes = {});

}  // namespace pharos::logs
