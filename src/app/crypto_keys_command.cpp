#include "app/crypto_keys_command.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/backends.h"
#include "app/cli_output.h"
#include "app/data_dir.h"
#include "core/log.h"

namespace pharos::app {
namespace {

int fail(std::string_view what, const Error& error) {
  fmt::print(stderr, "pharos keys {}: {}\n", what, error.toString());
  return 1;
}

int rotateMaster(crypto::Keyring& keyring, const cli::Invocation& inv,
                 const config::Config& config) {
  Result<crypto::MasterKey> next = crypto::MasterKey::fromFile(inv.keyFile);
  if (!next.ok()) return fail("rotate-master", next.error());
  std::string oldId = keyring.masterKeyId();
  std::string newId = next->id();
  Status rotated = keyring.rotateMaster(std::move(next).value());
  if (!rotated.ok()) return fail("rotate-master", rotated.error());
  std::string absolute = std::filesystem::absolute(inv.keyFile).string();
  fmt::print("master key rotated: the keyring in {} is now wrapped by key {} (was {}).\n\n",
             config.dataDir, newId, oldId);
  fmt::print("Now point the server at the new key before it starts again:\n");
  if (!config.crypto.masterKeyFile.empty()) {
    fmt::print("  in the config, set   crypto.master_key_file: {}\n", absolute);
  } else {
    fmt::print("  set PHAROS_MASTER_KEY to the contents of {}\n", absolute);
    fmt::print("  (or, in the config, crypto.master_key_file: {})\n", absolute);
  }
  fmt::print(
      "\nThe old key no longer opens this data directory. Keep it as long as you keep backups\n"
      "made before now: a restored backup's keyring is wrapped by the key of its day.\n");
  return 0;
}

int rotateData(crypto::Keyring& keyring, crypto::Purpose purpose) {
  Result<crypto::DataKeyInfo> key = keyring.rotateData(purpose);
  if (!key.ok()) return fail("rotate-data", key.error());
  fmt::print(
      "new {} data key {} (generation {}): new data is sealed with it; older keys stay to "
      "open older data\n",
      crypto::purposeName(key->purpose), key->id, key->generation);
  return 0;
}

int dataList(crypto::Keyring& keyring) {
  Result<std::vector<crypto::DataKeyInfo>> listed = keyring.list();
  if (!listed.ok()) return fail("data-list", listed.error());
  if (listed->empty()) {
    fmt::print("no data keys (each purpose makes its first one when first used)\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "PURPOSE", "GENERATION", "CREATED", "CURRENT"});
  for (const crypto::DataKeyInfo& k : *listed) {
    rows.push_back({k.id, std::string(crypto::purposeName(k.purpose)), std::to_string(k.generation),
                    formatUtc(k.createdAt), k.current ? "yes" : "no"});
  }
  printTable(rows);
  fmt::print("master key {}\n", keyring.masterKeyId());
  return 0;
}

}  // namespace

Result<crypto::MasterKey> loadMasterKey(const config::Config& config,
                                        const std::optional<Secret>& envValue) {
  if (!config.crypto.masterKeyFile.empty()) {
    return crypto::MasterKey::fromFile(config.crypto.masterKeyFile);
  }
  if (envValue && !envValue->reveal().empty())
    return crypto::MasterKey::fromEnvironmentValue(*envValue);
  std::error_code ec;
  if (config.env == config::Environment::kDev &&
      std::filesystem::exists(devMasterKeyPath(config), ec)) {
    return crypto::MasterKey::fromFile(devMasterKeyPath(config));
  }
  return makeError(ErrorCode::kFailedPrecondition,
                   "no master key: set crypto.master_key_file in the config or the environment "
                   "variable PHAROS_MASTER_KEY (make a key with `pharos keys init-master FILE`)");
}

std::string devMasterKeyPath(const config::Config& config) {
  return config.dataDir + "/master.key";
}

Result<crypto::MasterKey> openServerMasterKey(const config::Config& config,
                                              const std::optional<Secret>& envMasterKey,
                                              const logging::Logger& log) {
  Result<crypto::MasterKey> master = loadMasterKey(config, envMasterKey);
  if (!master.ok() && master.error().code == ErrorCode::kFailedPrecondition &&
      config.env == config::Environment::kDev) {
    // Dev starts with one command: it makes its own key, beside the data it protects (which
    // is why staging and prod refuse to). Backups never take it.
    master = crypto::generateMasterKeyFile(devMasterKeyPath(config));
    if (master.ok()) {
      log.warn(
          "dev: generated a master key beside the data; in staging and prod give one with "
          "crypto.master_key_file or PHAROS_MASTER_KEY",
          {{"file", devMasterKeyPath(config)}, {"key_id", master->id()}});
    }
  }
  if (!master.ok()) {
    return std::move(master).error().withContext(std::string(config::environmentName(config.env)) +
                                                 " needs a master key");
  }
  return master;
}

Result<DataKeyring> openDataKeyring(const config::Config& config,
                                    const std::optional<Secret>& envValue) {
  DataKeyring out;
  PHAROS_ASSIGN_OR_RETURN(out.store,
                          openConfiguredStore(config, StoreRole::kMain, StoreOpen::kExisting));
  PHAROS_ASSIGN_OR_RETURN(crypto::MasterKey master, loadMasterKey(config, envValue));
  PHAROS_ASSIGN_OR_RETURN(out.keyring, crypto::Keyring::open(*out.store, std::move(master)));
  return out;
}

int runInitMasterCommand(const cli::Invocation& inv) {
  Result<crypto::MasterKey> key = crypto::generateMasterKeyFile(inv.keyFile);
  if (!key.ok()) {
    if (key.error().code == ErrorCode::kAlreadyExists) {
      fmt::print(stderr,
                 "pharos keys init-master: {} already exists; it is never overwritten (a key "
                 "that was handed out may still wrap data). Choose another file.\n",
                 inv.keyFile);
      return 1;
    }
    return fail("init-master", key.error());
  }
  fmt::print("master key {} written to {} (mode 0600).\n", key->id(), inv.keyFile);
  fmt::print(
      "Use it with crypto.master_key_file: {} in the config, or with PHAROS_MASTER_KEY set to "
      "the file's contents.\nKeep a copy apart from the data and its backups: without it they "
      "cannot be decrypted.\n",
      std::filesystem::absolute(inv.keyFile).string());
  return 0;
}

int runCryptoKeysCommand(const cli::Invocation& inv, const config::Config& config,
                         const std::optional<Secret>& envMasterKey) {
  quietLogging(config);
  std::string_view what = inv.command == cli::Command::kKeysRotateMaster ? "rotate-master"
                          : inv.command == cli::Command::kKeysRotateData ? "rotate-data"
                                                                         : "data-list";
  // A mistyped purpose fails before anything is locked or opened.
  Result<crypto::Purpose> purpose = crypto::Purpose::kSecrets;
  if (inv.command == cli::Command::kKeysRotateData) {
    purpose = crypto::parsePurpose(inv.keyPurpose);
    if (!purpose.ok()) {
      fmt::print(stderr, "pharos keys rotate-data: {}\n", purpose.error().message);
      return 2;
    }
  }
  std::optional<DataDirLock> lock;
  if (inv.command != cli::Command::kKeysDataList) {
    std::error_code ec;
    if (config.store.backend == config::StoreBackend::kSqlite &&
        !std::filesystem::exists(config.dataDir + "/pharos.db", ec)) {
      fmt::print(stderr, "pharos keys {}: no database at {}/pharos.db\n", what, config.dataDir);
      return 1;
    }
    Result<DataDirLock> acquired = DataDirLock::acquire(config.dataDir);
    if (!acquired.ok()) {
      fmt::print(stderr, "pharos keys {}: {} (stop the server first)\n", what,
                 acquired.error().toString());
      return 1;
    }
    lock.emplace(std::move(acquired).value());
  }
  Result<DataKeyring> opened = openDataKeyring(config, envMasterKey);
  if (!opened.ok()) return fail(what, opened.error());
  crypto::Keyring& keyring = *opened->keyring;
  switch (inv.command) {
    case cli::Command::kKeysRotateMaster:
      return rotateMaster(keyring, inv, config);
    case cli::Command::kKeysRotateData:
      return rotateData(keyring, *purpose);
    default:
      return dataList(keyring);
  }
}

}  // namespace pharos::app
