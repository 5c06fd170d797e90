// Any bytes as a zstd request body (Content-Encoding: zstd): the decoder must return the data
// or an error, never crash, and never produce more than its limit however the frame header
// lies about its size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/zstd_inflate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kLimit = 4096;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto inflated = pharos::net::zstdInflate(input, kLimit);
  if (inflated.ok() && inflated->size() > kLimit) std::abort();
  return 0;
}
