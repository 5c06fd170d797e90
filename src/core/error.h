#pragma once

#include <string>
#include <string_view>

namespace pharos {

// What went wrong, in terms a caller can act on. The HTTP layer maps each code to a status.
enum class ErrorCode {
  kInvalidArgument,     // the caller's input is wrong; retrying the same input will not help
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // a create collided with an existing thing
  kFailedPrecondition,  // the system is not in a state that allows this (e.g. newer schema)
  kPermissionDenied,    // authenticated, but not allowed
  kUnauthenticated,     // no valid credentials
  kResourceExhausted,   // a limit was hit (queue full, cardinality); back off
  kUnavailable,         // a dependency is down or busy; retry later
  kDeadlineExceeded,    // it took too long
  kDataLoss,            // stored data is corrupt (checksum mismatch, truncated file)
  kIo,                  // the operating system refused (disk full, permission on a file)
  kInternal,            // a bug: an invariant did not hold
};

std::string_view errorCodeName(ErrorCode code);

// An error value that crosses module boundaries. `context` says where (a file, a key, a
// queue), `message` says what; `retryable` tells a caller whether trying again can help.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string context;
  bool retryable = false;

  // "not_found: no such queue (queue=orders)"
  std::string toString() const;

  // Prefixes the context, innermost last: "config.yaml: server.listen".
  Error withContext(std::string_view outer) &&;
};

Error makeError(ErrorCode code, std::string message, std::string context = {});
Error retryableError(ErrorCode code, std::string message, std::string context = {});

}  // namespace pharos
