#pragma once

#include "store/schema.h"

namespace pharos::alarms {

// The silences' table in the main store. A component of its own ("alarms_silences"), apart
// from the rule engine's "alarms" migrations, so the two halves of the module number their
// migrations independently.
const store::MigrationSet& silenceMigrations();

}  // namespace pharos::alarms
