#pragma once

#include <cstdint>
#include <string>

#include "analysis/correlator.h"

namespace pharos::analysis {

// The plain-language summary of a finding, from its evidence alone, deterministic:
//   "checkout: error ratio rose from 0.2% to 7% at 14:02, 3 min after a new log template
//    `connection refused to <IP>:<NUM>` appeared in payments; 2 other signals moved in db"
// The headline is the strongest event (on a tie: error ratio, check, metric, template rate,
// new template); the cause clause names the earliest one when it
// started before the headline; the tail counts the rest by service. Times are UTC.
std::string summarizeFinding(const Finding& finding);

// The formatting it uses, for tests and for the API to share.
std::string formatPercent(double ratio);  // 0.002 -> "0.2%", 0.07 -> "7%", 0.125 -> "13%"
std::string formatNumber(double v);       // about 3 significant figures; k, M, G past 10 000
std::string formatValue(double v, const std::string& unit);  // "ratio" as %, else "v unit"
std::string formatClockUtc(int64_t ms);                      // "14:02"
std::string formatDuration(int64_t ms);                      // "45 s", "3 min", "2 h 5 min"

}  // namespace pharos::analysis
