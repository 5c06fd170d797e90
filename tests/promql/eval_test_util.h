#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fakes/memory_queryable.h"
#include "promql/evaluator.h"
#include "promql/parser.h"

namespace pharos::promql {

inline Result<QueryResult> instantQuery(Queryable& db, std::string_view query, std::int64_t t,
                                        const EvalOptions& options = {}) {
  PHAROS_ASSIGN_OR_RETURN(auto expr, parse(query));
  return evaluateInstant(db, *expr, t, options);
}

inline Result<QueryResult> rangeQuery(Queryable& db, std::string_view query, std::int64_t start,
                                      std::int64_t end, std::int64_t step,
                                      const EvalOptions& options = {}) {
  PHAROS_ASSIGN_OR_RETURN(auto expr, parse(query));
  return evaluateRange(db, *expr, start, end, step, options);
}

// A vector result as "labels => value; ..." (or the error), for compact expectations.
inline std::string show(const Result<QueryResult>& r) {
  if (!r.ok()) return "ERROR " + r.error().message;
  std::string out;
  for (const auto& s : r->series) {
    if (!out.empty()) out += "; ";
    out += s.labels.str();
    out += " =>";
    for (const auto& p : s.points) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), " %.10g", p.v);
      out += buf;
    }
  }
  return out;
}

}  // namespace pharos::promql
