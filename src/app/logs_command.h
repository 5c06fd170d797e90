#pragma once

#include "cli/command_line.h"
#include "core/config/config.h"

namespace pharos::app {

// `pharos patterns FILE`: the template miner over a file, one CSV row per input line, so
// anyone can score the miner offline (see bench/loghub_ga.py). Needs no data directory.
int runPatternsCommand(const cli::Invocation& inv);

// `pharos logs query` and `pharos logs tail`: read the searchable index in the config's data
// directory (<data_dir>/logs/index.db) directly, with or without a running server (SQLite
// in WAL mode lets readers beside the writer). Returns the process exit code.
int runLogsCommand(const cli::Invocation& inv, const config::Config& config);

}  // namespace pharos::app
