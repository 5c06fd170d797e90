#pragma once

#include "store/schema.h"

namespace pharos::slo {

// The slo module's tables in the main store.
const store::MigrationSet& migrations();

}  // namespace pharos::slo
