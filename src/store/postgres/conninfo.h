#pragma once

#include <string>

#include "core/result.h"
#include "core/secret.h"

namespace pharos::store::postgres {

// What a connection string points at, without its password: for logs, /readyz and the
// checks prod makes before it trusts the link.
struct ConninfoSummary {
  std::string host;  // empty or a path: a Unix socket
  std::string port;
  std::string database;
  std::string user;
  std::string sslmode;  // as written; empty means libpq's default (prefer)

  // "pharos@db.internal:5432/pharos"
  std::string describe() const;
  // A socket or a loopback address: nothing to encrypt against.
  bool local() const;
  // TLS is required (require, verify-ca, verify-full): a server without it is refused.
  bool tlsRequired() const;
};

// kInvalidArgument with libpq's reason (never the string itself, which may hold a password).
Result<ConninfoSummary> parseConninfo(const Secret& conninfo);

}  // namespace pharos::store::postgres
