#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "promql/query_result.h"

namespace pharos::promql {

// Prometheus' HTTP API JSON for a query result:
//   {"status":"success","data":{"resultType":"vector","result":[...]},"warnings":[...]}
// built by hand (a large matrix is millions of points).
std::string renderQueryResult(const QueryResult& result);

// {"status":"error","errorType":"bad_data","error":"..."}; errorType is Prometheus' word
// ("bad_data", "execution", "timeout", "internal", ...).
std::string renderError(std::string_view errorType, std::string_view message);

// A value as Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that read back to
// the same double, never an exponent; "NaN", "+Inf", "-Inf".
void appendPromFloat(std::string& out, double v);
// Unix milliseconds as seconds: "1700000000" or "1700000000.123" (always three decimals when
// there is a fraction, as Prometheus writes them).
void appendPromTimestamp(std::string& out, std::int64_t ms);

}  // namespace pharos::promql
