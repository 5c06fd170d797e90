#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/http.h"

namespace pharos::net {

// gzip (RFC 1952) with zlib, for HTTP content coding in both directions.

// Compresses `data` into one gzip member. `level`: 1 (fast) to 9 (small).
std::string gzipCompress(std::string_view data, int level = 6);

// Inflates a gzip body (one or more concatenated members, as `cat a.gz b.gz` makes).
// Never holds more than `maxBytes` + a small constant of output, however well the input
// compresses: a gzip bomb stops as soon as it passes the limit.
//   kResourceExhausted: the inflated size would exceed `maxBytes`;
//   kInvalidArgument: not gzip, corrupt, truncated, or trailing bytes after the last member.
Result<std::string> gzipInflate(std::string_view data, size_t maxBytes);

// Whether an Accept-Encoding value allows gzip: "gzip" or "x-gzip" or "*" listed with a
// q-value above 0 (an explicit "gzip;q=0" wins over "*").
bool acceptsGzip(std::string_view acceptEncoding);

// text/*, application/json (and +json), application/javascript, image/svg+xml, parameters
// ignored. Already compressed formats (images, archives) are not worth the CPU.
bool isCompressibleType(std::string_view contentType);

// Smaller bodies are sent as they are: the gzip header and the CPU cost outweigh the gain.
inline constexpr size_t kMinCompressBytes = 1024;

// Applies response compression in place: a response that is eligible (compressible type, at
// least kMinCompressBytes, not already content-coded, a status with a body) gets
// `Vary: Accept-Encoding` (merged into an existing Vary), and when `clientAcceptsGzip` also a
// gzip body with `Content-Encoding: gzip`, unless compressing does not make it smaller.
void compressResponse(HttpResponse& response, bool clientAcceptsGzip);

}  // namespace pharos::net
