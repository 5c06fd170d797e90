#include "api/error_response.h"

#include "core/log.h"

namespace pharos::api {

net::HttpResponse errorResponse(const Error& error) {
  static const logging::Logger log("api");
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return net::HttpResponse::error(400, "invalid_argument", error.message);
    case ErrorCode::kNotFound:
      return net::HttpResponse::error(404, "not_found", error.message);
    case ErrorCode::kAlreadyExists:
      return net::HttpResponse::error(409, "conflict", error.message);
    case ErrorCode::kFailedPrecondition:
      return net::HttpResponse::error(409, "failed_precondition", error.message);
    case ErrorCode::kPermissionDenied:
      return net::HttpResponse::error(403, "forbidden", error.message);
    case ErrorCode::kUnauthenticated:
      return net::HttpResponse::error(401, "unauthenticated", error.message);
    case ErrorCode::kResourceExhausted: {
      net::HttpResponse r = net::HttpResponse::error(429, "resource_exhausted", error.message);
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded: {
      log.warn("dependency unavailable", {{"error", error.toString()}});
      net::HttpResponse r =
          net::HttpResponse::error(503, "unavailable", "a dependency is unavailable; retry later");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    case ErrorCode::kDataLoss:
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      break;
  }
  log.error("request failed", {{"error", error.toString()}});
  return net::HttpResponse::error(500, "internal", "internal error; see the server log");
}

net::HttpResponse badRequest(std::string message) {
  return net::HttpResponse::error(400, "invalid_argument", std::move(message));
}

}  // namespace pharos::api
