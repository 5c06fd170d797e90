// Durations, sizes and addresses from config and the command line: never crash, and a
// parsed duration formats to a spelling that parses back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/config/config.h"
#include "core/config/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto d = pharos::config::parseDuration(text);
  if (d.ok()) {
    auto again = pharos::config::parseDuration(pharos::config::formatDuration(*d));
    if (!again.ok() || *again != *d) std::abort();
  }
  pharos::config::parseByteSize(text).ignore();
  pharos::config::parseHostPort(text).ignore();
  return 0;
}
