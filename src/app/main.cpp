#include <cstdio>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "analysis/anomalies_command.h"
#include "app/alerting.h"
#include "app/archive_command.h"
#include "app/backup_command.h"
#include "app/build_info.h"
#include "app/crypto_keys_command.h"
#include "app/file_filter.h"
#include "app/keys_command.h"
#include "app/logs_command.h"
#include "app/pharos_app.h"
#include "cli/command_line.h"
#include "core/config/duration.h"
#include "core/config/loader.h"
#include "dashboard/status_page.h"
#include "health/health_config.h"

namespace {

using pharos::config::LoadOutcome;

void configureLogging(const pharos::config::Config& c) {
  pharos::logging::Settings s;
  s.level = c.log.level;
  s.format = c.log.format;
  s.modules = c.log.modules;
  pharos::logging::configure(s);
}

// The config, with the sections that higher modules read themselves checked too, so that
// `config check` and `serve` report every problem at once.
LoadOutcome load(const pharos::cli::Invocation& inv) {
  LoadOutcome out = inv.configFile ? pharos::config::loadConfigFile(*inv.configFile, inv.load)
                                   : pharos::config::loadDefaultConfig(inv.load);
  auto health = pharos::health::readHealthConfig(out.config.health);
  if (auto* problems = std::get_if<std::vector<pharos::config::Diagnostic>>(&health)) {
    out.diagnostics.insert(out.diagnostics.end(), problems->begin(), problems->end());
  }
  auto alerting = pharos::app::readAlertingConfig(out.config, {}, pharos::systemClock().now());
  if (auto* problems = std::get_if<std::vector<pharos::config::Diagnostic>>(&alerting)) {
    out.diagnostics.insert(out.diagnostics.end(), problems->begin(), problems->end());
  }
  std::vector<pharos::config::FieldProblem> statusProblems;
  pharos::dashboard::readStatusPages(out.config.statusPages.pages, statusProblems);
  pharos::config::appendDiagnostics(statusProblems, out.config.statusPages.file, out.diagnostics);
  return out;
}

int printDiagnostics(const LoadOutcome& out) {
  for (const auto& d : out.diagnostics)
    fmt::print(stderr, "{}\n", d.toString());
  return 1;
}

// PHAROS_MASTER_KEY's value, for the crypto commands: read here so that no module reads the
// environment. A key file in the config wins over it (see loadMasterKey).
std::optional<pharos::Secret> masterKeyFromEnvironment() {
  const char* value = std::getenv("PHAROS_MASTER_KEY");
  if (value == nullptr) return std::nullopt;
  return pharos::Secret(value);
}

int configCheck(const pharos::cli::Invocation& inv) {
  LoadOutcome out = load(inv);
  if (!out.ok()) {
    printDiagnostics(out);
    fmt::print(stderr, "{}: {} problem{}\n", *inv.configFile, out.diagnostics.size(),
               out.diagnostics.size() == 1 ? "" : "s");
    return 1;
  }
  const pharos::config::Config& c = out.config;
  fmt::print("{}: ok\n", *inv.configFile);
  fmt::print("  env        {}\n", pharos::config::environmentName(c.env));
  fmt::print("  data_dir   {}\n", c.dataDir);
  fmt::print("  http       {} ({})\n", c.server.listen,
             c.server.tls.enabled() ? "TLS" : "plain HTTP");
  fmt::print("  syslog     {}\n", c.syslog.listen);
  fmt::print("  auth       {}{}\n", c.auth.enabled ? "on" : "off",
             c.auth.bootstrapKey.empty() ? "" : ", bootstrap key set");
  fmt::print("  lifecycle  {} rule(s), archive kept {}\n", c.objects.lifecycle.size(),
             pharos::config::formatDuration(c.retention.archive));
  const auto& m = c.metrics;
  std::size_t targets = 0;
  for (const auto& job : m.scrape)
    targets += job.targets.size();
  fmt::print("  metrics    raw {}, 1m {}, 1h {}; {}; {} scrape job(s), {} target(s)\n",
             pharos::config::formatDuration(m.rawRetention),
             pharos::config::formatDuration(m.minuteRetention),
             pharos::config::formatDuration(m.hourRetention),
             m.maxDiskBytes > 0 ? fmt::format("disk budget {} bytes", m.maxDiskBytes)
                                : std::string("no disk budget"),
             m.scrape.size(), targets);
  fmt::print("  health     {} check(s), {} maintenance window(s), at most {} probe(s) at once\n",
             c.health.checks.items.size(), c.health.maintenance.items.size(),
             c.health.maxConcurrency);
  fmt::print("  backup     {}; second target {}; keep {} for at most {}\n",
             c.backup.schedule.empty() ? "on demand only" : "schedule " + c.backup.schedule,
             c.backup.secondTarget.empty() ? "none" : c.backup.secondTarget,
             c.backup.retentionCount, pharos::config::formatDuration(c.backup.retentionAge));
  auto alerting = pharos::app::readAlertingConfig(c, {}, pharos::systemClock().now());
  if (const auto* defs = std::get_if<pharos::app::AlertingDefinitions>(&alerting)) {
    fmt::print("  alerting   {} SLO(s), {} rule(s), {} receiver(s)\n", defs->slos.size(),
               defs->rules.size(), defs->notify.receivers.size());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  pharos::cli::ParseOutcome parsed = pharos::cli::parseCommandLine(argc, argv);
  if (!parsed.invocation) return parsed.exitCode;
  const pharos::cli::Invocation& inv = *parsed.invocation;

  switch (inv.command) {
    case pharos::cli::Command::kVersion:
      fmt::print("pharos {} (commit {}, {} build)\n", pharos::app::kVersion, pharos::app::kCommit,
                 pharos::app::kBuildType);
      return 0;
    case pharos::cli::Command::kConfigCheck:
      return configCheck(inv);
    case pharos::cli::Command::kServe: {
      LoadOutcome out = load(inv);
      if (!out.ok()) {
        printDiagnostics(out);
        fmt::print(stderr, "pharos: refusing to start with an invalid config\n");
        return 1;
      }
      configureLogging(out.config);
      pharos::app::PharosApp::ConfigSource source;
      if (inv.configFile) source = [inv] { return load(inv); };
      return pharos::app::runServe(std::move(out.config), std::move(source),
                                   masterKeyFromEnvironment());
    }
    case pharos::cli::Command::kKeysCreate:
    case pharos::cli::Command::kKeysList:
    case pharos::cli::Command::kKeysRevoke: {
      LoadOutcome out = load(inv);
      if (!out.ok()) return printDiagnostics(out);
      return pharos::app::runKeysCommand(inv, out.config, masterKeyFromEnvironment());
    }
    case pharos::cli::Command::kKeysInitMaster:
      return pharos::app::runInitMasterCommand(inv);
    case pharos::cli::Command::kKeysRotateMaster:
    case pharos::cli::Command::kKeysRotateData:
    case pharos::cli::Command::kKeysDataList: {
      LoadOutcome out = load(inv);
      if (!out.ok()) return printDiagnostics(out);
      return pharos::app::runCryptoKeysCommand(inv, out.config, masterKeyFromEnvironment());
    }
    case pharos::cli::Command::kBackupCreate:
    case pharos::cli::Command::kBackupList:
    case pharos::cli::Command::kBackupVerify:
    case pharos::cli::Command::kBackupRestore: {
      LoadOutcome out = load(inv);
      if (!out.ok()) return printDiagnostics(out);
      return pharos::app::runBackupCommand(inv, out.config, masterKeyFromEnvironment());
    }
    case pharos::cli::Command::kPatterns:
      return pharos::app::runPatternsCommand(inv);
    case pharos::cli::Command::kAnomalies:
      return pharos::app::runFileFilter("anomalies", inv.inputFile,
                                        [](std::istream& in, std::ostream& out) {
                                          return pharos::analysis::runAnomalies(in, out);
                                        });
    case pharos::cli::Command::kLogsQuery:
    case pharos::cli::Command::kLogsTail: {
      LoadOutcome out = load(inv);
      if (!out.ok()) return printDiagnostics(out);
      return pharos::app::runLogsCommand(inv, out.config);
    }
    case pharos::cli::Command::kLogsArchiveCat: {
      // Loaded only for a sealed object: the others need no config.
      auto loadConfig = [&inv]() -> std::optional<pharos::config::Config> {
        LoadOutcome out = load(inv);
        if (!out.ok()) {
          printDiagnostics(out);
          return std::nullopt;
        }
        return std::move(out.config);
      };
      return pharos::app::runArchiveCatCommand(inv, loadConfig, masterKeyFromEnvironment());
    }
  }
  return 2;
}
