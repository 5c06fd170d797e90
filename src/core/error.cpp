#include "core/error.h"

namespace pharos {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case ErrorCode::kDataLoss:
      return "data_loss";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

std::string Error::toString() const {
  std::string out(errorCodeName(code));
  out += ": ";
  out += message;
  if (!context.empty()) {
    out += " (";
    out += context;
    out += ")";
  }
  return out;
}

Error Error::withContext(std::string_view outer) && {
  if (context.empty()) {
    context = std::string(outer);
  } else {
    context = std::string(outer) + ": " + context;
  }
  return std::move(*this);
}

Error makeError(ErrorCode code, std::string message, std::string context) {
  return Error{code, std::move(message), std::move(context), false};
}

Error retryableError(ErrorCode code, std::string message, std::string context) {
  return Error{code, std::move(message), std::move(context), true};
}

}  // namespace pharos
