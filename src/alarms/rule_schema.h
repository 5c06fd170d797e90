#pragma once

#include "store/schema.h"

namespace pharos::alarms {

// The tables of the rule engine's side of alarms in the main store: transitions (history),
// the current instances (so a restart neither re-pages nor forgets), and incidents. Its own
// component ("alarm_rules"), so it migrates independently of routing's tables.
const store::MigrationSet& ruleMigrations();

}  // namespace pharos::alarms
