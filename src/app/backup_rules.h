#pragma once

#include <vector>

#include "alarms/rule_spec.h"
#include "core/config/config.h"

namespace pharos::app {

// The alert rules Pharos adds for its own backups when `backup.schedule` is set, on the
// pharos_backup_* metrics its self-scrape records (docs/OPERATIONS.md, "Backups and keys"):
//   PharosBackupMissed               the newest backup is older than missedBackupAfter(period)
//   PharosBackupSecondTargetLagging  the newest backup has not been on the second target for
//                                    an hour (only with backup.second_target)
// A rule of the config with the same name replaces the built-in one.
std::vector<alarms::RuleSpec> backupRules(const config::Config& config);

}  // namespace pharos::app
