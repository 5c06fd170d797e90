#pragma once

#include <string>
#include <string_view>

#include "core/labels.h"
#include "core/result.h"

namespace pharos::metrics {

// Label sets as bytes (varint count, then length-prefixed names and values), for the
// write-ahead log and the series table: compact, and decoding needs no escaping rules.
void encodeLabels(std::string& out, const Labels& labels);
// Consumes one encoded label set from the front of `in`; kDataLoss when it is malformed.
Result<Labels> decodeLabels(std::string_view& in);

}  // namespace pharos::metrics
