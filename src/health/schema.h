#pragma once

#include "store/schema.h"

namespace pharos::health {

// The health module's tables in the main store.
const store::MigrationSet& migrations();

}  // namespace pharos::health
