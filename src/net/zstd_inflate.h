#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pharos::net {

// Decompresses a zstd request body (Content-Encoding: zstd, RFC 8878; what Fluent Bit and the
// OpenTelemetry Collector send when asked to), one or more frames. Like gzipInflate, it never
// holds more than `maxBytes` + a small constant of output, whatever the frame header claims.
//   kResourceExhausted: the output would exceed `maxBytes`;
//   kInvalidArgument: not zstd, corrupt or truncated.
Result<std::string> zstdInflate(std::string_view data, size_t maxBytes);

}  // namespace pharos::net
