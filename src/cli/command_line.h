#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config/loader.h"

namespace pharos::cli {

enum class Command {
  kServe,
  kConfigCheck,
  kVersion,
  kKeysCreate,
  kKeysList,
  kKeysRevoke,
  kPatterns,
  kAnomalies,
  kLogsQuery,
  kLogsTail,
  kKeysInitMaster,
  kKeysRotateMaster,
  kKeysRotateData,
  kKeysDataList,
  kBackupCreate,
  kBackupList,
  kBackupVerify,
  kBackupRestore,
  kLogsArchiveCat,
};

// What the user asked for, before anything is loaded or started.
struct Invocation {
  Command command = Command::kServe;
  std::optional<std::string> configFile;  // --config, or the FILE of `config check FILE`
  config::LoadOptions load;               // --env, --data, --listen, --syslog
  // `keys create --role R --name N` and `keys revoke ID`. The role is one of viewer, ingest,
  // editor, admin (checked here); the auth module owns what it means.
  std::string keyRole;
  std::string keyName;
  std::string keyId;
  // `patterns FILE --format raw|json` and `anomalies FILE`: FILE "-" is standard input.
  std::string inputFile;
  std::string patternsFormat = "raw";
  // `logs query QUERY --since D --limit N --output text|json` and `logs tail QUERY`.
  std::string logQuery;
  std::string logSince = "1h";
  int logLimit = 100;
  std::string logOutput = "text";
  // `logs archive cat OBJECT... --format raw|json`: archive object files, in the order given.
  std::vector<std::string> archiveObjects;
  std::string archiveFormat = "raw";
  // `keys init-master FILE` (the file to create) and `keys rotate-master --new-key-file FILE`.
  std::string keyFile;
  // `keys rotate-data PURPOSE`: secrets, backups or archive (checked by the crypto module).
  std::string keyPurpose;
  // `backup verify ID` and `backup restore ID --target DIR [--force]`.
  std::string backupId;
  std::string restoreTarget;
  bool restoreForce = false;
  // `backup list|verify|restore --from DIR`: an objects directory holding backups/.
  std::string backupFrom;
};

struct ParseOutcome {
  std::optional<Invocation> invocation;  // empty: the parser already printed help or an error
  int exitCode = 0;
};

// Parses the command line of the public surface in DESIGN.md: every subcommand takes
// --config, --env and --data; serve also takes --listen and --syslog; --help on each.
ParseOutcome parseCommandLine(int argc, const char* const* argv);

}  // namespace pharos::cli
