// Native NDJSON and Elasticsearch bulk bodies: never crash, never hang, accepted entries read
// back, and the bulk response is valid for every item. decodeNative's fast NDJSON path and
// the line-by-line reference agree on every body: same result, same batch bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "logs/decode_support.h"
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

// What a native decode shows its caller; a refused body's encoder is discarded, so its bytes
// do not count.
struct NativeOutcome {
  bool ok = false;
  std::string error;
  std::size_t accepted = 0, rejected = 0;
  std::vector<std::string> errors;
  std::uint64_t invalidUtf8 = 0, nulBytes = 0, truncated = 0;
  std::string bytes;
  bool operator==(const NativeOutcome&) const = default;
};

using NativeDecoder = pharos::Result<pharos::logs::DecodeResult> (*)(
    std::string_view, pharos::logs::BatchEncoder&, const pharos::logs::DecodeLimits&);

NativeOutcome decodeWith(NativeDecoder decode, std::string_view body,
                         const pharos::logs::DecodeLimits& limits) {
  pharos::logs::BatchEncoder encoder(pharos::logs::Source::kNative, 1, 4096);
  auto result = decode(body, encoder, limits);
  NativeOutcome o;
  o.ok = result.ok();
  if (!o.ok) {
    o.error = result.error().toString();
    return o;
  }
  o.accepted = result->accepted;
  o.rejected = result->rejected;
  o.errors = result->errors;
  o.invalidUtf8 = encoder.sanitised().invalidUtf8;
  o.nulBytes = encoder.sanitised().nulBytes;
  o.truncated = encoder.sanitised().truncated;
  o.bytes = std::move(encoder).finish();
  return o;
}

void nativePathsAgree(std::string_view body, const pharos::logs::DecodeLimits& limits) {
  if (decodeWith(&pharos::logs::decodeNative, body, limits) !=
      decodeWith(&pharos::logs::decodeNativeLineByLine, body, limits)) {
    std::abort();
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
  nativePathsAgree(body, limits);
  {
    // A limit most bodies reach, to check both paths refuse at the same line.
    pharos::logs::DecodeLimits few = limits;
    few.maxEntries = 2;
    nativePathsAgree(body, few);
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
