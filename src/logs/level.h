#pragma once

#include <string_view>

#include "logs/record.h"

namespace pharos::logs {

// A level as clients spell it, to the normalised Level. Case-insensitive names and the usual
// abbreviations: trace/trc/t/finest; debug/dbg/d/verbose/fine/finer; info/inf/information/
// informational/notice/i; warn/warning/wrn/w; error/err/e/severe; fatal/ftl/f/crit/critical/
// crt/alert/emerg/emergency/panic/pnc. A number is a syslog severity 0-7 (0-2 fatal, 3 error,
// 4 warn, 5-6 info, 7 debug). Surrounding spaces are ignored; anything else is kUnknown.
Level parseLevel(std::string_view text);

// Syslog severity (RFC 5424 table 2) 0-7; kUnknown outside.
Level fromSyslogSeverity(int severity);

// OTLP SeverityNumber 1-24 (1-4 trace ... 21-24 fatal); kUnknown for 0 and outside.
Level fromOtlpSeverityNumber(int number);

}  // namespace pharos::logs
