#pragma once

#include "core/result.h"
#include "sqlite/connection.h"

namespace pharos::bus {

// The version this code writes to PRAGMA user_version. Bump it with every schema change and
// teach ensureSchema() to migrate from the previous one.
inline constexpr int kBusSchemaVersion = 1;

// Creates the bus tables if missing and stamps the version. A file written by a newer version
// is refused with kFailedPrecondition rather than misread.
Status ensureSchema(sqlite::Connection& conn);

}  // namespace pharos::bus
