#pragma once

#include "store/schema.h"

namespace pharos::notify {

// The notify module's tables in the main store: receivers made through the API, one row per
// notification (its state), one per delivery attempt, and the delivered idempotency keys.
const store::MigrationSet& migrations();

}  // namespace pharos::notify
