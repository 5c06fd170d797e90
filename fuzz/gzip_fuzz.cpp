// Any bytes as a gzip request body: the inflater must return the data or an error, never
// crash, and never produce (or allocate for) more than its limit. What it inflates must
// survive a round trip. The same bytes also go through the Accept-Encoding parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/gzip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kLimit = 4096;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto inflated = pharos::net::gzipInflate(input, kLimit);
  if (inflated.ok()) {
    if (inflated->size() > kLimit) std::abort();
    auto again = pharos::net::gzipInflate(pharos::net::gzipCompress(*inflated), kLimit);
    if (!again.ok() || *again != *inflated) std::abort();
  } else {
    auto code = inflated.error().code;
    if (code != pharos::ErrorCode::kInvalidArgument &&
        code != pharos::ErrorCode::kResourceExhausted) {
      std::abort();
    }
  }
  (void)pharos::net::acceptsGzip(input);
  (void)pharos::net::isCompressibleType(input);
  return 0;
}
