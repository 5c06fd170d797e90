#include "logs/archive_lines.h"

#include <ostream>
#include <string>

#include "core/framed_records.h"
#include "logs/archive_codec.h"
#include "logs/log_batch.h"
#include "logs/record_json.h"

namespace pharos::logs {
namespace {

// Appends the lines of one record to `out`; the number of lines, or kDataLoss when the record
// is not a batch or an entry is cut (then `out` holds a part of them, to be dropped).
Result<std::uint64_t> appendBatchLines(std::string_view record, ArchiveLinesFormat format,
                                       std::string& out) {
  PHAROS_ASSIGN_OR_RETURN(BatchReader reader, BatchReader::open(record));
  std::uint64_t lines = 0;
  EntryView entry;
  while (true) {
    PHAROS_ASSIGN_OR_RETURN(bool more, reader.next(entry));
    if (!more) return lines;
    if (format == ArchiveLinesFormat::kRaw) {
      out.append(entry.message);
    } else {
      out.append(entryToJson(entry, reader.source(), reader.receivedAtNs())
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    out.push_back('\n');
    ++lines;
  }
}

}  // namespace

ArchiveLinesCounts writeArchiveLines(std::string_view segment, ArchiveLinesFormat format,
                                     std::ostream& out) {
  ArchiveLinesCounts counts;
  std::string lines;
  std::size_t intact = scanFramedRecords(segment, [&](std::string_view record) {
    lines.clear();
    Result<std::uint64_t> n = appendBatchLines(record, format, lines);
    if (!n.ok()) {
      ++counts.skippedRecords;
      return true;
    }
    counts.lines += *n;
    out.write(lines.data(), static_cast<std::streamsize>(lines.size()));
    return true;
  });
  counts.tornTailBytes = segment.size() - intact;
  return counts;
}

Result<ArchiveLinesCounts> writeArchiveObjectLines(std::string_view object,
                                                   ArchiveLinesFormat format, std::ostream& out) {
  PHAROS_ASSIGN_OR_RETURN(std::string segment, decodeArchive(object));
  return writeArchiveLines(segment, format, out);
}

}  // namespace pharos::logs
