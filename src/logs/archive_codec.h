#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pharos::logs {

// The raw archive's objects. One object holds one sealed ingest-log segment, the file as it was
// written (each record with its framing, core/framed_records.h), and decodes to exactly those
// bytes. Two formats, told apart by their first bytes:
//
//  - whole: the segment compressed as one zstd frame (zstd's magic 28 B5 2F FD). The first
//    format, and still the one written when a templated object fails its check.
//  - templated: "PHLA", a format version byte (1), varint segment size, u32 CRC32C of the
//    segment (little-endian), varint column count, then per column, ids ascending: varint id,
//    byte codec (0 stored, 1 zstd), varint size decoded, varint size stored; then the columns'
//    bytes in that order. Each record that is a version-1 batch (log_batch.h) with canonical
//    varints is split into columns (archive_columns.h): per batch its source, receive time
//    (delta) and entry count; per entry the timestamp (delta), service and level (dictionary
//    ids), the message as a template id plus typed variables (archive_variables.h), and the
//    attributes (key ids, value ids per key). Any other record is kept verbatim (raw records),
//    as are the bytes after the last intact record (a torn tail), so any bytes round-trip.
//    On the log benchmark's content: 8.9% of the raw lines over syslog TCP and 8.5% over
//    NDJSON, where the whole format gives 18.3% and 18.8% (bench/logs_archive_bench.cpp).

// Decoded segments are refused above this size (a segment is logs.segment_bytes, at most
// 1 GiB, plus one batch).
inline constexpr std::size_t kMaxArchiveSegmentBytes = std::size_t{2} << 30;

// The templated object of a segment, at zstd level `zstdLevel` (1-19) for its columns.
// Accepts any bytes; an error only when zstd fails.
Result<std::string> encodeArchive(std::string_view segmentBytes, int zstdLevel);

// The whole object of a segment (the first format).
Result<std::string> encodeWholeArchive(std::string_view segmentBytes, int zstdLevel);

// The segment an object of either format holds. kDataLoss when the object is corrupt, cut, or
// of an unknown format or version; kResourceExhausted when it would decode to more than
// `maxBytes`. Any bytes give a result or an error, never a crash, and never more memory than
// the decoded size allows.
Result<std::string> decodeArchive(std::string_view object,
                                  std::size_t maxBytes = kMaxArchiveSegmentBytes);

// Whether `object` decodes (as decodeArchive would, checksum included) to exactly
// `segmentBytes`: the check made before an object is stored. It compares as it decodes, so it
// never holds a second copy of the segment. kDataLoss says what differs.
Status verifyArchive(std::string_view object, std::string_view segmentBytes);

// Whether templates pay on a segment, judged on its first records (kArchiveProbeBytes, or all
// of a smaller segment) encoded both ways: when the templated object is not at most
// kArchiveTemplatedAtMost of the whole one, the reason to store it whole. Text that does not
// repeat (random tokens) templates to no smaller an object at 2-3x the time and about 3x the
// segment in memory. The whole probe is compressed at kArchiveProbeLevel whatever the
// archive's level: at 6 it cost 1,900 instructions a line of the segment, a seventh of the
// archive's work, and level 1's object is only ~1.1x level 6's on log lines, so templates
// that pass are still at most ~0.9 of the whole object stored at level 6.
inline constexpr std::size_t kArchiveProbeBytes = std::size_t{2} << 20;
inline constexpr double kArchiveTemplatedAtMost = 0.8;
inline constexpr int kArchiveProbeLevel = 1;
Result<std::optional<std::string>> templatingDoesNotPay(std::string_view segmentBytes,
                                                        int zstdLevel);

// An object as the archive stores it: templated when templates pay (templatingDoesNotPay) and
// the object decodes back to the segment (verifyArchive), whole otherwise, so that a bug in
// the templated codec never loses a line.
struct CheckedArchive {
  std::string object;
  bool templated = true;
  // Whole because the templated object failed (did not decode to the segment, or could not
  // be made): a bug to report. False when it is whole because templates do not pay.
  bool mismatch = false;
  std::string fallbackReason;  // why it is whole
};
using ArchiveEncoder = Result<std::string> (*)(std::string_view segmentBytes, int zstdLevel);
// `encode` is encodeArchive (null) but for tests.
Result<CheckedArchive> encodeCheckedArchive(std::string_view segmentBytes, int zstdLevel,
                                            ArchiveEncoder encode = nullptr);

// One column of a templated object, for looking into where its bytes go.
struct ArchiveColumnInfo {
  std::string name;  // "templates", "int_stream_12", ...
  std::uint64_t decodedBytes = 0;
  std::uint64_t storedBytes = 0;
};
// The columns of a templated object (kInvalidArgument for a whole one).
Result<std::vector<ArchiveColumnInfo>> describeArchive(std::string_view object);

}  // namespace pharos::logs
