#pragma once

#include "cli/command_line.h"
#include "core/config/config.h"

namespace pharos::app {

// `pharos keys create|list|revoke`: works on the store in the config's data directory
// (<data_dir>/pharos.db) directly, so an operator can manage keys with or without a running
// server (SQLite in WAL mode lets both write). Prints the outcome for a human; the token of a
// new key is printed once and never stored. Returns the process exit code.
int runKeysCommand(const cli::Invocation& inv, const config::Config& config);

}  // namespace pharos::app
