// Native NDJSON and Elasticsearch bulk bodies: never crash, never hang, accepted entries read
// back, and the bulk response is valid for every item.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "logs/ingest_decoders.h"

namespace {

std::size_t readBack(pharos::logs::BatchEncoder& encoder) {
  std::string bytes = std::move(encoder).finish();
  auto reader = pharos::logs::BatchReader::open(bytes);
  if (!reader.ok()) std::abort();
  pharos::logs::EntryView entry;
  std::size_t n = 0;
  for (;;) {
    auto more = reader->next(entry);
    if (!more.ok()) std::abort();
    if (!*more) return n;
    ++n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  pharos::logs::DecodeLimits limits;
  limits.maxEntries = 1000;
  limits.maxBatchBytes = 4 << 20;
  {
    pharos::logs::BatchEncoder encoder(pharos::logs::Source::kNative, 1, 4096);
    auto result = pharos::logs::decodeNative(body, encoder, limits);
    const std::size_t n = readBack(encoder);
    if (result.ok() && n != result->accepted) std::abort();
  }
  {
    pharos::logs::BatchEncoder encoder(pharos::logs::Source::kElastic, 1, 4096);
    auto result = pharos::logs::decodeElasticBulk(body, "fuzz", 7, encoder, limits);
    const std::size_t n = readBack(encoder);
    if (result.ok()) {
      if (n != result->summary.accepted) std::abort();
      if (result->items.size() != result->summary.accepted + result->summary.rejected) std::abort();
      std::string response = pharos::logs::elasticBulkResponse(*result, 1);
      if (response.empty() || response.back() != '}') std::abort();
    }
  }
  return 0;
}
