// readAlertingConfig: what the file and the API's receivers make together, and the built-in
// backup rules.
#include <gtest/gtest.h>

#include <algorithm>

#include "app/alerting.h"
#include "core/config/loader.h"

namespace pharos::app {
namespace {

config::Config load(std::string_view yaml) {
  config::LoadOptions options;
  options.lookupEnv = [](const std::string&) -> std::optional<std::string> { return {}; };
  config::LoadOutcome out = config::loadConfigString(yaml, "pharos.yaml", options);
  EXPECT_TRUE(out.ok());
  return out.config;
}

std::vector<std::string> ruleNames(const AlertingDefinitions& defs) {
  std::vector<std::string> names;
  for (const alarms::RuleSpec& r : defs.rules)
    names.push_back(r.name);
  return names;
}

// Two receivers made through the API and none in the file: the server must start again.
TEST(AlertingConfigTest, ApiReceiversNeverMakeTheFileInvalid) {
  auto read = readAlertingConfig(load("env: dev\n"), {"ops-hook", "pager"}, WallTime{});
  ASSERT_TRUE(std::holds_alternative<AlertingDefinitions>(read));
  // With receivers in the file and no route, the file is still what is checked.
  auto twoInFile = readAlertingConfig(load(R"(
notify:
  receivers:
    - {name: a, type: webhook, url: 'http://127.0.0.1:9/a'}
    - {name: b, type: webhook, url: 'http://127.0.0.1:9/b'}
)"),
                                      {}, WallTime{});
  EXPECT_FALSE(std::holds_alternative<AlertingDefinitions>(twoInFile));
}

TEST(AlertingConfigTest, BackupRulesComeWithASchedule) {
  auto none = readAlertingConfig(load("env: dev\n"), {}, WallTime{});
  ASSERT_TRUE(std::holds_alternative<AlertingDefinitions>(none));
  EXPECT_TRUE(ruleNames(std::get<AlertingDefinitions>(none)).empty());

  auto daily = readAlertingConfig(load("backup:\n  schedule: '@daily'\n  second_target: /mnt/b\n"),
                                  {}, WallTime{});
  ASSERT_TRUE(std::holds_alternative<AlertingDefinitions>(daily));
  const auto& defs = std::get<AlertingDefinitions>(daily);
  EXPECT_EQ(ruleNames(defs),
            (std::vector<std::string>{"PharosBackupMissed", "PharosBackupSecondTargetLagging"}));
  EXPECT_EQ(defs.rules[0].threshold, 86400 * 1.5 + 3600);  // 37 h for a daily schedule

  // A rule of the file with the same name wins.
  auto mine = readAlertingConfig(load(R"(
backup:
  schedule: '@hourly'
alerting:
  rules:
    - {name: PharosBackupMissed, kind: threshold, expr: 'pharos_backup_newest_age_seconds', op: '>', value: 7200}
)"),
                                 {}, WallTime{});
  ASSERT_TRUE(std::holds_alternative<AlertingDefinitions>(mine));
  const auto& own = std::get<AlertingDefinitions>(mine);
  ASSERT_EQ(ruleNames(own), std::vector<std::string>{"PharosBackupMissed"});
  EXPECT_EQ(own.rules[0].threshold, 7200);
}

}  // namespace
}  // namespace pharos::app
