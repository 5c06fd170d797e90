#pragma once

#include <cstdint>

#include "core/result.h"
#include "promql/ast.h"
#include "promql/query_result.h"
#include "promql/queryable.h"

namespace pharos::promql {

struct EvalOptions {
  // How far back an instant selector looks for the latest sample.
  std::int64_t lookbackDeltaMs = 5 * 60 * 1000;
  // Loading more raw samples and rollup buckets than this is kResourceExhausted.
  std::uint64_t maxSamples = 50'000'000;
  // More steps than this in a range query is kInvalidArgument (Prometheus' 11,000).
  std::int64_t maxSteps = 11'000;
};

// Evaluates a parsed expression at one time (ms), with Prometheus 2.42's semantics.
Result<QueryResult> evaluateInstant(Queryable& queryable, const Expr& expr, std::int64_t timeMs,
                                    const EvalOptions& options = {});

// Evaluates at start, start + step, ... <= end (ms). Each selector is read once for the whole
// range and every series is walked across the steps with a sliding window.
Result<QueryResult> evaluateRange(Queryable& queryable, const Expr& expr, std::int64_t startMs,
                                  std::int64_t endMs, std::int64_t stepMs,
                                  const EvalOptions& options = {});

}  // namespace pharos::promql
