#include "app/backup_rules.h"

#include <fmt/format.h>

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
  // The schedule's period, from two consecutive slots (a day for @daily).
  auto first = schedule->nextAfter(fromUnixMillis(0));
  auto second = first ? schedule->nextAfter(*first) : std::nullopt;
  if (!second) return rules;
  const int64_t periodS = (toUnixMillis(*second) - toUnixMillis(*first)) / 1000;
  const int64_t missedAfterS = periodS * 3 / 2 + 3600;
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
