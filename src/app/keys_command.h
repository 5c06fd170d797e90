#pragma once

#include <optional>

#include "cli/command_line.h"
#include "core/config/config.h"
#include "core/secret.h"

namespace pharos::app {

// `pharos keys create|list|revoke`: works on the store in the config's data directory
// (<data_dir>/pharos.db) directly, so an operator can manage keys with or without a running
// server (SQLite in WAL mode lets both write). Prints the outcome for a human; the token of a
// new key is printed once and never stored. Returns the process exit code.
// `create` needs the master key, got as the server gets it (openServerMasterKey;
// `envMasterKey` is PHAROS_MASTER_KEY): API-key salts are sealed with the keyring's secrets
// key. `list` and `revoke` do not.
int runKeysCommand(const cli::Invocation& inv, const config::Config& config,
                   const std::optional<Secret>& envMasterKey);

}  // namespace pharos::app
