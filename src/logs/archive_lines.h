#pragma once

#include <cstdint>
#include <iosfwd>
#include <string_view>

#include "core/result.h"

namespace pharos::logs {

// Reading the raw archive back (`pharos logs archive cat`): the lines an archive object holds,
// one per line, in the order they were taken in.
enum class ArchiveLinesFormat {
  // Each entry's message and a newline: for syslog sources the whole frame as it came, so the
  // original lines. A message holding a newline is written as it is, so this is not lossless.
  kRaw,
  // One JSON object per entry (entryToJson, record_json.h): lossless.
  kJson,
};

// What reading a segment found besides its lines.
struct ArchiveLinesCounts {
  std::uint64_t lines = 0;
  // Intact records that are not version-1 log batches, or whose entries are cut or corrupt:
  // the archive keeps any record verbatim. None of their lines are written.
  std::uint64_t skippedRecords = 0;
  std::uint64_t tornTailBytes = 0;  // after the last intact record (a segment cut by a crash)
};

// Writes the lines of an archive segment (the bytes decodeArchive returns) to `out`. Never
// fails: what is not a batch is skipped and counted.
ArchiveLinesCounts writeArchiveLines(std::string_view segment, ArchiveLinesFormat format,
                                     std::ostream& out);

// decodeArchive (either format), then writeArchiveLines. decodeArchive's errors for an object
// that is corrupt, cut or of an unknown format; nothing is written then.
Result<ArchiveLinesCounts> writeArchiveObjectLines(std::string_view object,
                                                   ArchiveLinesFormat format, std::ostream& out);

}  // namespace pharos::logs
