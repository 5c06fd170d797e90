// Metrics write-ahead records and label sets read back after a crash may be anything: decoding
// must give a value or an error, never a crash or a huge allocation; whatever decodes must
// encode back to bytes that decode the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "metrics/label_codec.h"
#include "metrics/wal_records.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto record = pharos::metrics::decodeWalRecord(input);
  if (record.ok()) {
    if (auto* series = std::get_if<pharos::metrics::SeriesRecord>(&*record)) {
      std::string again;
      for (const auto& e : series->entries)
        pharos::metrics::encodeSeriesRecord(again, e.ref, e.labels);
      auto back = pharos::metrics::decodeWalRecord(again);
      if (!back.ok()) __builtin_trap();
      if (std::get<pharos::metrics::SeriesRecord>(*back).entries.size() != series->entries.size())
        __builtin_trap();
    }
  }
  std::string_view labels = input;
  (void)pharos::metrics::decodeLabels(labels).ok();
  return 0;
}
