#pragma once

#include <string>

#include "core/error.h"
#include "net/http.h"

namespace pharos::api {

// The HTTP answer to an Error from a lower module, in the error envelope. Client errors keep
// their message; server-side failures (internal, I/O, data loss) are logged here and answered
// with a generic message, so a response never exposes paths or SQL. 503 and 429 carry
// Retry-After.
net::HttpResponse errorResponse(const Error& error);

// A 400 `invalid_argument` with `message`, for a request the handler itself finds wrong.
net::HttpResponse badRequest(std::string message);

}  // namespace pharos::api
