// OTLP log bodies from the network, as protobuf and as JSON: never crash, never hang, and
// whatever is accepted reads back as a well-formed batch.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "logs/ingest_decoders.h"

namespace {

void checkBatch(pharos::logs::BatchEncoder& encoder, std::size_t accepted) {
  const std::size_t count = encoder.count();
  std::string bytes = std::move(encoder).finish();
  auto reader = pharos::logs::BatchReader::open(bytes);
  if (!reader.ok()) std::abort();
  pharos::logs::EntryView entry;
  std::size_t n = 0;
  for (;;) {
    auto more = reader->next(entry);
    if (!more.ok()) std::abort();
    if (!*more) break;
    ++n;
  }
  if (n != count || (accepted != 0 && accepted != count)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  pharos::logs::DecodeLimits limits;
  limits.maxEntries = 1000;
  limits.maxBatchBytes = 4 << 20;
  {
    pharos::logs::BatchEncoder encoder(pharos::logs::Source::kOtlp, 1, 4096);
    auto result = pharos::logs::decodeOtlpProtobuf(body, encoder, limits);
    checkBatch(encoder, result.ok() ? result->accepted : 0);
  }
  {
    pharos::logs::BatchEncoder encoder(pharos::logs::Source::kOtlp, 1, 4096);
    auto result = pharos::logs::decodeOtlpJson(body, encoder, limits);
    checkBatch(encoder, result.ok() ? result->accepted : 0);
  }
  return 0;
}
