#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "logs/function_ref.h"

namespace pharos::logs {

// One syslog frame's header and message. The views point into the frame.
struct SyslogMessage {
  int facility = -1;             // 0-23; -1 when the frame had no readable PRI
  int severity = -1;             // 0-7
  std::int64_t timestampNs = 0;  // 0: no (readable) timestamp
  std::string_view hostname;     // "" for NILVALUE or absent
  std::string_view appName;      // RFC 3164: the TAG
  std::string_view procId;       // RFC 3164: the PID in TAG[PID]
  std::string_view msgId;
  std::string_view structuredData;  // the SD elements as sent ("[id k=\"v\"]..."), "" for "-"
  std::string_view message;         // MSG, without a leading UTF-8 BOM
};

// Reads an RFC 5424 frame (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]`) or an RFC 3164
// one (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, also without HOST, with an RFC 3339
// timestamp instead of "Mmm dd hh:mm:ss", or without TAG). Lenient like rsyslog: a field that
// cannot be read is left empty and the rest becomes the message.
//  - A frame without a PRI is all message, facility user(1) and severity notice(5), as rsyslog
//    assumes.
//  - RFC 3164 times carry no year and no zone: they are read as UTC in the year of receivedNs,
//    or the year before when that would put them more than a day after receivedNs (a Dec 31
//    line received on Jan 1).
// Returns false when nothing sensible can be read: an empty frame, or a '<' that does not open
// a valid PRI (0-191). `out` then holds the whole frame as message and no facility/severity.
bool parseSyslog(std::string_view frame, std::int64_t receivedNs, SyslogMessage& out);

// Calls onParam(id, name, value) for every SD-PARAM of structured data as parseSyslog found it
// (`[id k="v" k2="a\"b"][id2 ...]`). Values are unescaped (\" \\ \]); a value with escapes is
// written into `scratch`, so a view is valid only until the next call of onParam. Stops at the
// first malformed element and returns false then (the params before it were reported).
bool forEachSdParam(
    std::string_view structuredData, std::string& scratch,
    FunctionRef<void(std::string_view id, std::string_view name, std::string_view value)> onParam);

// The RFC 5424 keyword of a facility code ("kern", "user", ... "local7"), "" outside 0-23.
std::string_view facilityName(int facility);

}  // namespace pharos::logs
