#pragma once

#include <iosfwd>

#include "core/result.h"
#include "logs/template_miner.h"

namespace pharos::logs {

enum class PatternsFormat {
  kRaw,   // each line is a message
  kJson,  // each line is a JSON object; the message is its "message", "msg" or "log"
};

// `pharos patterns`: mines templates from `in` and writes exactly one
// `template_id,template` CSV row per input line (RFC 4180 quoting), in input order.
// CRLF ends are stripped, an empty line is a row, a last line without a newline counts.
// A json line that is not an object with one of those string fields is taken whole as the
// message. Rows are written after the whole input is read, with every line's final
// (merged, generalised) template, which costs 8 bytes per line until then.
Status runPatterns(std::istream& in, std::ostream& out, PatternsFormat format,
                   MinerOptions options = {});

// Appends `field` to `out` as one CSV field: quoted (quotes doubled) when it holds a comma,
// a quote, CR or LF.
void appendCsvField(std::string& out, std::string_view field);

}  // namespace pharos::logs
