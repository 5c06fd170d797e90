#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "logs/record.h"

namespace pharos::logs {

// A block of processed records as the index stores it: row by row with varints, then zstd.
// Blocks are the unit the full-text index points at, so a search decodes only the blocks
// whose token set can match.
std::string encodeRecordBlock(std::span<const Record* const> records, int zstdLevel);
// kDataLoss when the bytes are not a block (corrupt, cut, or from a newer version).
Status decodeRecordBlock(std::string_view bytes, std::vector<Record>& out);

}  // namespace pharos::logs
