#pragma once

#include <string_view>

#include "core/result.h"
#include "store/store.h"

namespace pharos::store {

// The migration logic both backends share: a `_schema_migrations` table records what was
// applied; each pending migration runs in its own transaction with its record, so a crash
// leaves the schema at a whole version.
Status applyMigrations(Store& store, const MigrationSet& set);
Result<int> appliedVersion(Store& store, std::string_view component);

}  // namespace pharos::store
