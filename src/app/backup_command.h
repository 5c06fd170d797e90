#pragma once

#include <map>
#include <optional>
#include <string>

#include "cli/command_line.h"
#include "core/config/config.h"
#include "core/secret.h"

namespace pharos::app {

// This binary's schema version per store component (the last migration of each module that
// keeps tables in pharos.db): recorded in every backup, and what restore refuses to exceed.
std::map<std::string, int> knownSchemaVersions();

// `pharos backup create|list|verify|restore` over the config's data directory: backups live in
// its object store (<data_dir>/objects, under backups/) and are sealed with its keyring
// (<data_dir>/pharos.db, which needs the master key: see loadMasterKey).
//
// Why `create` does not take the data directory's lock: the backup is meant to run beside a
// serving server. The snapshot copies each SQLite database with the online backup API (one
// committed state while the server writes), objects are shared safely between processes
// (atomic renames), and the keyring's store is opened read-write beside the server's
// connection, which SQLite's WAL mode allows (it may create the backups data key on first
// use). Files that are neither (the ingest log, the metrics WAL) are copied as they are, and
// their readers already cut a torn tail at open.
//
// Returns the process exit code.
int runBackupCommand(const cli::Invocation& inv, const config::Config& config,
                     const std::optional<Secret>& envMasterKey);

}  // namespace pharos::app
