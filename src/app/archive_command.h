#pragma once

#include <functional>
#include <optional>

#include "cli/command_line.h"
#include "core/config/config.h"
#include "core/secret.h"

namespace pharos::app {

// `pharos logs archive cat OBJECT...`: prints the lines of raw archive objects
// (logs/archive_lines.h), in the order given, to standard output. A sealed object (named
// .sealed, or an envelope inside) is opened first with the `archive` keys of the data
// directory that wrote it: its store and the master key. `loadConfig` is called only then, so
// unsealed objects need no config (prod's built-in defaults alone do not load); it prints
// its own diagnostics and returns nothing when the config is invalid.
//
// Records that are not log batches and torn tails are skipped with one warning at the end.
// An object that cannot be read, is corrupt or does not open is reported (naming it) and the
// next one is read; the exit code is then 1, otherwise 0.
int runArchiveCatCommand(const cli::Invocation& inv,
                         const std::function<std::optional<config::Config>()>& loadConfig,
                         const std::optional<Secret>& envMasterKey);

}  // namespace pharos::app
