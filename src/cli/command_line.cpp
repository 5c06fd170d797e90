#include "cli/command_line.h"

#include <CLI/CLI.hpp>

#include "core/text.h"

namespace pharos::cli {
namespace {

struct Common {
  std::string configFile;
  std::string env;
  std::string dataDir;
};

void addCommon(CLI::App& cmd, Common& common) {
  cmd.add_option("--config", common.configFile,
                 "YAML config file (default: the environment's built-in defaults)");
  cmd.add_option("--env", common.env,
                 "Environment: dev, staging or prod (overrides PHAROS_ENV and the file)")
      ->check(CLI::IsMember({"dev", "staging", "prod"}));
  cmd.add_option("--data", common.dataDir, "Data directory (overrides data_dir)");
}

// The role names of the auth module, checked here so a typo fails before anything is opened.
CLI::Validator roleValidator() {
  return CLI::Validator(
      [](std::string& role) -> std::string {
        for (const char* valid : {"viewer", "ingest", "editor", "admin"}) {
          if (role == valid) return {};
        }
        return "unknown role '" + role + "' (valid roles: viewer, ingest, editor, admin)";
      },
      "ROLE");
}

}  // namespace

ParseOutcome parseCommandLine(int argc, const char* const* argv) {
  CLI::App app{"Pharos: logs, health checks, SLOs, alerts and dashboards in one binary", "pharos"};
  app.require_subcommand(1);

  Common serveCommon, checkCommon, versionCommon, createCommon, listCommon, revokeCommon,
      patternsCommon, anomaliesCommon, queryCommon, tailCommon, initMasterCommon,
      rotateMasterCommon, rotateDataCommon, dataListCommon, backupCreateCommon, backupListCommon,
      backupVerifyCommon, backupRestoreCommon, archiveCatCommon;
  Invocation keyArgs;
  std::string listen, syslog, modules, checkFile, keyRole, keyName, keyId;
  Invocation logArgs;

  CLI::App* serve =
      app.add_subcommand("serve", "Run the server (HTTP API, dashboard, ingestion, checks)");
  addCommon(*serve, serveCommon);
  serve->add_option("--listen", listen,
                    "HTTP listen address HOST:PORT (default 127.0.0.1:8470 in dev)");
  serve->add_option("--syslog", syslog,
                    "Syslog listen address HOST:PORT, UDP and TCP (default 127.0.0.1:5514)");
  serve->add_option("--modules", modules,
                    "Run only these modules, comma-separated: api, logs, health, alerting, "
                    "analysis, backups, scrapes (default: all; docs/OPERATIONS.md)");

  CLI::App* configCmd = app.add_subcommand("config", "Work with configuration files");
  configCmd->require_subcommand(1);
  CLI::App* check =
      configCmd->add_subcommand("check", "Validate a config file; report errors as FILE:LINE:COL");
  addCommon(*check, checkCommon);
  check->add_option("FILE", checkFile, "The config file to check");

  CLI::App* version = app.add_subcommand("version", "Print version, commit and build type");
  addCommon(*version, versionCommon);

  CLI::App* keys = app.add_subcommand("keys", "Manage API keys");
  keys->require_subcommand(1);
  CLI::App* keysCreate =
      keys->add_subcommand("create", "Create an API key; its token is printed once, never again");
  addCommon(*keysCreate, createCommon);
  keysCreate->add_option("--role", keyRole, "viewer, ingest, editor or admin")
      ->required()
      ->check(roleValidator());
  keysCreate->add_option("--name", keyName, "Who or what the key is for")->required();
  CLI::App* keysList =
      keys->add_subcommand("list", "List API keys: id, name, role, created, last used, revoked");
  addCommon(*keysList, listCommon);
  CLI::App* keysRevoke = keys->add_subcommand("revoke", "Revoke an API key; it stops working");
  addCommon(*keysRevoke, revokeCommon);
  keysRevoke->add_option("ID", keyId, "The key's id (see `pharos keys list`)")->required();

  // Encryption keys: the master key (KEK) and the data keys it wraps (docs/OPERATIONS.md).
  CLI::App* initMaster = keys->add_subcommand(
      "init-master", "Write a new random master key to FILE (mode 0600; never overwrites)");
  addCommon(*initMaster, initMasterCommon);
  initMaster->add_option("FILE", keyArgs.keyFile, "The key file to create")->required();
  CLI::App* rotateMaster = keys->add_subcommand(
      "rotate-master",
      "Re-wrap every data key under a new master key (the server must be stopped)");
  addCommon(*rotateMaster, rotateMasterCommon);
  rotateMaster
      ->add_option("--new-key-file", keyArgs.keyFile,
                   "The new master key (make it with `pharos keys init-master FILE`)")
      ->required();
  CLI::App* rotateData = keys->add_subcommand(
      "rotate-data",
      "Start a new data key for PURPOSE; old data stays readable (the server must be stopped)");
  addCommon(*rotateData, rotateDataCommon);
  rotateData->add_option("PURPOSE", keyArgs.keyPurpose, "secrets, backups or archive")->required();
  CLI::App* dataList =
      keys->add_subcommand("data-list", "List data keys: id, purpose, created, current");
  addCommon(*dataList, dataListCommon);

  CLI::App* backupCmd =
      app.add_subcommand("backup", "Back up, verify and restore the data directory");
  backupCmd->require_subcommand(1);
  CLI::App* backupCreate = backupCmd->add_subcommand(
      "create",
      "Back up the data directory (and --config's file) into DATA/objects/backups, "
      "then apply retention");
  addCommon(*backupCreate, backupCreateCommon);
  CLI::App* backupList = backupCmd->add_subcommand("list", "List complete backups, newest first");
  addCommon(*backupList, backupListCommon);
  constexpr const char* kFromHelp =
      "Read backups from this directory (one that holds backups/, e.g. backup.second_target) "
      "instead of DATA/objects";
  backupList->add_option("--from", keyArgs.backupFrom, kFromHelp);
  CLI::App* backupVerify = backupCmd->add_subcommand(
      "verify", "Read, decrypt and check every part and file of a backup; writes nothing");
  addCommon(*backupVerify, backupVerifyCommon);
  backupVerify->add_option("--from", keyArgs.backupFrom, kFromHelp);
  backupVerify->add_option("ID", keyArgs.backupId, "The backup's id (see `pharos backup list`)")
      ->required();
  CLI::App* backupRestore = backupCmd->add_subcommand(
      "restore", "Restore a backup into a new data directory, verified before anything is moved");
  addCommon(*backupRestore, backupRestoreCommon);
  backupRestore->add_option("--from", keyArgs.backupFrom, kFromHelp);
  backupRestore->add_option("ID", keyArgs.backupId, "The backup's id (see `pharos backup list`)")
      ->required();
  backupRestore->add_option("--target", keyArgs.restoreTarget, "The directory to restore into")
      ->required();
  backupRestore->add_flag("--force", keyArgs.restoreForce,
                          "Restore into a directory that is not empty (replacing its files)");

  CLI::App* patterns = app.add_subcommand(
      "patterns", "Mine log templates from a file: one `template_id,template` CSV row per line");
  addCommon(*patterns, patternsCommon);
  patterns->add_option("FILE", logArgs.inputFile, "The log file, or - for standard input")
      ->required();
  patterns
      ->add_option("--format", logArgs.patternsFormat,
                   "raw: each line is a message; json: each line is an object with "
                   "\"message\" (or \"msg\", \"log\")")
      ->check(CLI::IsMember({"raw", "json"}));

  CLI::App* anomalies = app.add_subcommand(
      "anomalies",
      "Score a series for anomalies: reads `timestamp,value` CSV (the Numenta Anomaly "
      "Benchmark's format), prints `timestamp,value,anomaly_score` per row");
  addCommon(*anomalies, anomaliesCommon);
  anomalies->add_option("FILE", logArgs.inputFile, "The CSV file, or - for standard input")
      ->required();

  CLI::App* logsCmd = app.add_subcommand(
      "logs", "Search and follow the logs in the data directory, read back the raw archive");
  logsCmd->require_subcommand(1);
  CLI::App* logsQuery =
      logsCmd->add_subcommand("query", "Search logs, newest first (docs/LOGQUERY.md)");
  addCommon(*logsQuery, queryCommon);
  logsQuery->add_option("QUERY", logArgs.logQuery, "The query, e.g. 'level>=warn service:api'");
  logsQuery->add_option("--since", logArgs.logSince, "How far back: 15m, 1h, 7d (default 1h)");
  logsQuery->add_option("--limit", logArgs.logLimit, "At most this many lines (default 100)")
      ->check(CLI::Range(1, 100000));
  logsQuery->add_option("--output", logArgs.logOutput, "text or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}));
  CLI::App* logsTail = logsCmd->add_subcommand("tail", "Print new lines as they are indexed");
  addCommon(*logsTail, tailCommon);
  logsTail->add_option("QUERY", logArgs.logQuery, "Only lines matching this query");
  logsTail->add_option("--output", logArgs.logOutput, "text or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}));
  CLI::App* logsArchive =
      logsCmd->add_subcommand("archive", "Read the raw log archive (objects under archive/logs/)");
  logsArchive->require_subcommand(1);
  CLI::App* archiveCat = logsArchive->add_subcommand(
      "cat",
      "Print the lines of archive objects, in the order given (a .sealed one needs the "
      "keyring of the data directory that wrote it: --config or --data, and the master key)");
  addCommon(*archiveCat, archiveCatCommon);
  archiveCat
      ->add_option("OBJECT", logArgs.archiveObjects,
                   "Object files (<begin>.pla, .zst, either with .sealed), copied from the "
                   "bucket or in DATA/objects/archive/logs")
      ->required();
  archiveCat
      ->add_option("--format", logArgs.archiveFormat,
                   "raw: each message as it came, one per line (default); json: one object "
                   "per line with timestamp, received, source, service, level, message and "
                   "attributes (lossless: a message may hold newlines)")
      ->check(CLI::IsMember({"raw", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ParseOutcome{std::nullopt, app.exit(e)};
  }

  Invocation inv;
  const Common* common = &serveCommon;
  if (serve->parsed()) {
    inv.command = Command::kServe;
    if (!listen.empty()) inv.load.listen = listen;
    if (!syslog.empty()) inv.load.syslogListen = syslog;
    if (!modules.empty()) {
      std::vector<std::string> names;
      for (std::string_view name : splitString(modules, ','))
        names.emplace_back(trimSpaces(name));
      inv.load.modules = std::move(names);
    }
  } else if (check->parsed()) {
    inv.command = Command::kConfigCheck;
    common = &checkCommon;
    if (!checkFile.empty() && !checkCommon.configFile.empty() &&
        checkFile != checkCommon.configFile) {
      std::fprintf(stderr, "config check: give the file either as FILE or as --config, not both\n");
      return ParseOutcome{std::nullopt, 2};
    }
    if (!checkFile.empty()) checkCommon.configFile = checkFile;
    if (checkCommon.configFile.empty()) {
      std::fprintf(stderr,
                   "config check: a FILE is required\nRun with --help for more information.\n");
      return ParseOutcome{std::nullopt, 2};
    }
  } else if (keysCreate->parsed()) {
    inv.command = Command::kKeysCreate;
    common = &createCommon;
    inv.keyRole = keyRole;
    inv.keyName = keyName;
  } else if (keysList->parsed()) {
    inv.command = Command::kKeysList;
    common = &listCommon;
  } else if (keysRevoke->parsed()) {
    inv.command = Command::kKeysRevoke;
    common = &revokeCommon;
    inv.keyId = keyId;
  } else if (initMaster->parsed() || rotateMaster->parsed() || rotateData->parsed() ||
             dataList->parsed()) {
    inv.keyFile = keyArgs.keyFile;
    inv.keyPurpose = keyArgs.keyPurpose;
    if (initMaster->parsed()) {
      inv.command = Command::kKeysInitMaster;
      common = &initMasterCommon;
    } else if (rotateMaster->parsed()) {
      inv.command = Command::kKeysRotateMaster;
      common = &rotateMasterCommon;
    } else if (rotateData->parsed()) {
      inv.command = Command::kKeysRotateData;
      common = &rotateDataCommon;
    } else {
      inv.command = Command::kKeysDataList;
      common = &dataListCommon;
    }
  } else if (backupCreate->parsed() || backupList->parsed() || backupVerify->parsed() ||
             backupRestore->parsed()) {
    inv.backupId = keyArgs.backupId;
    inv.restoreTarget = keyArgs.restoreTarget;
    inv.restoreForce = keyArgs.restoreForce;
    inv.backupFrom = keyArgs.backupFrom;
    if (backupCreate->parsed()) {
      inv.command = Command::kBackupCreate;
      common = &backupCreateCommon;
    } else if (backupList->parsed()) {
      inv.command = Command::kBackupList;
      common = &backupListCommon;
    } else if (backupVerify->parsed()) {
      inv.command = Command::kBackupVerify;
      common = &backupVerifyCommon;
    } else {
      inv.command = Command::kBackupRestore;
      common = &backupRestoreCommon;
    }
  } else if (anomalies->parsed()) {
    inv.command = Command::kAnomalies;
    common = &anomaliesCommon;
    inv.inputFile = logArgs.inputFile;
  } else if (archiveCat->parsed()) {
    inv.command = Command::kLogsArchiveCat;
    common = &archiveCatCommon;
    inv.archiveObjects = logArgs.archiveObjects;
    inv.archiveFormat = logArgs.archiveFormat;
  } else if (patterns->parsed() || logsQuery->parsed() || logsTail->parsed()) {
    inv.inputFile = logArgs.inputFile;
    inv.patternsFormat = logArgs.patternsFormat;
    inv.logQuery = logArgs.logQuery;
    inv.logSince = logArgs.logSince;
    inv.logLimit = logArgs.logLimit;
    inv.logOutput = logArgs.logOutput;
    if (patterns->parsed()) {
      inv.command = Command::kPatterns;
      common = &patternsCommon;
    } else if (logsQuery->parsed()) {
      inv.command = Command::kLogsQuery;
      common = &queryCommon;
    } else {
      inv.command = Command::kLogsTail;
      common = &tailCommon;
    }
  } else {
    inv.command = Command::kVersion;
    common = &versionCommon;
  }
  if (!common->configFile.empty()) inv.configFile = common->configFile;
  if (!common->dataDir.empty()) inv.load.dataDir = common->dataDir;
  if (!common->env.empty())
    inv.load.env = *config::parseEnvironment(common->env);  // checked by IsMember
  return ParseOutcome{std::move(inv), 0};
}

}  // namespace pharos::cli
