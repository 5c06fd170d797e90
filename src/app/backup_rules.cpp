#include "app/backup_rules.h"

#include <fmt/format.h>

#include "backup/backup_service.h"
#include "core/cron.h"

namespace pharos::app {
namespace {

using nlohmann::json;

void add(std::vector<alarms::RuleSpec>& out, const json& body) {
  alarms::ParsedRule parsed = alarms::parseRuleJson(body);
  // Built from constants and a validated schedule: a problem here is a bug, caught by tests.
  if (auto* rule = std::get_if<alarms::RuleSpec>(&parsed)) out.push_back(std::move(*rule));
}

}  // namespace

std::vector<alarms::RuleSpec> backupRules(const config::Config& config) {
  std::vector<alarms::RuleSpec> rules;
  auto schedule = CronSchedule::parse(config.backup.schedule);
  if (config.backup.schedule.empty() || !schedule.ok()) return rules;
  std::optional<Millis> period = backup::schedulePeriod(*schedule);
  if (!period) return rules;
  const int64_t missedAfterS = backup::missedBackupAfter(*period).count() / 1000;
  add(rules, {{"name", "PharosBackupMissed"},
              {"kind", "threshold"},
              {"expr", "pharos_backup_newest_age_seconds"},
              {"op", ">"},
              {"value", missedAfterS},
              {"for", "5m"},
              {"severity", "warning"},
              {"labels", {{"service", "pharos"}}},
              {"annotations",
               {{"summary", fmt::format("No new backup for {:.1f} h (schedule \"{}\"): see GET "
                                        "/api/v1/backups/status",
                                        static_cast<double>(missedAfterS) / 3600.0,
                                        config.backup.schedule)}}}});
  if (!config.backup.secondTarget.empty()) {
    add(rules,
        {{"name", "PharosBackupSecondTargetLagging"},
         {"kind", "threshold"},
         {"expr", "pharos_backup_second_target_lag_seconds"},
         {"op", ">"},
         {"value", 3600},
         {"for", "5m"},
         {"severity", "warning"},
         {"labels", {{"service", "pharos"}}},
         {"annotations",
          {{"summary", "The newest backup has not reached the second target for over an hour"}}}});
  }
  return rules;
}

}  // namespace pharos::app
