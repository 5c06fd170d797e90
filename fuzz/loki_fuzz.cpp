// Loki push bodies: the input is taken as a PushRequest (snappy-compressed here, so the
// fuzzer explores the protobuf and label parsing rather than snappy's own checks), as a raw
// snappy body, and as JSON. Never crash, never hang; what is accepted reads back.
#include <snappy.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "logs/ingest_decoders.h"

namespace {

void checkBatch(pharos::logs::BatchEncoder& encoder) {
  std::string bytes = std::move(encoder).finish();
  auto reader = pharos::logs::BatchReader::open(bytes);
  if (!reader.ok()) std::abort();
  pharos::logs::EntryView entry;
  for (;;) {
    auto more = reader->next(entry);
    if (!more.ok()) std::abort();
    if (!*more) break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  pharos::logs::DecodeLimits limits;
  limits.maxEntries = 1000;
  limits.maxBatchBytes = 4 << 20;
  limits.maxDecompressedBytes = 1 << 20;
  std::string compressed;
  snappy::Compress(body.data(), body.size(), &compressed);
  for (std::string_view input : {std::string_view(compressed), body}) {
    pharos::logs::BatchEncoder encoder(pharos::logs::Source::kLoki, 1, 4096);
    pharos::logs::decodeLokiProtobuf(input, encoder, limits).ignore();
    checkBatch(encoder);
  }
  pharos::logs::BatchEncoder encoder(pharos::logs::Source::kLoki, 1, 4096);
  pharos::logs::decodeLokiJson(body, encoder, limits).ignore();
  checkBatch(encoder);
  return 0;
}
