#include "app/keys_command.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/backends.h"
#include "app/cli_output.h"
#include "app/crypto_keys_command.h"
#include "auth/auth.h"
#include "core/log.h"
#include "crypto/keyring.h"

namespace pharos::app {
namespace {

std::string_view commandName(cli::Command command) {
  switch (command) {
    case cli::Command::kKeysCreate:
      return "create";
    case cli::Command::kKeysList:
      return "list";
    default:
      return "revoke";
  }
}

std::string formatTime(std::optional<WallTime> t) {
  return t ? formatUtc(*t) : "-";
}

// Records what the command changed: the audit log covers every write, from the API or not.
void audit(auth::AuditLog& log, std::string_view action, const std::string& target) {
  Status s = log.record(auth::AuditEntry{0, {}, "", std::string(action), target, "local", "ok"});
  if (!s.ok())
    fmt::print(stderr, "warning: could not write the audit log: {}\n", s.error().toString());
}

int create(auth::ApiKeys& keys, auth::AuditLog& log, const cli::Invocation& inv) {
  Result<auth::Role> role = auth::parseRole(inv.keyRole);
  if (!role.ok()) {
    fmt::print(stderr, "pharos keys create: {}\n", role.error().message);
    return 2;
  }
  Result<auth::CreatedKey> created = keys.create(inv.keyName, *role);
  if (!created.ok()) {
    fmt::print(stderr, "pharos keys create: {}\n", created.error().toString());
    return 1;
  }
  const auth::ApiKeyInfo& info = created->info;
  audit(log, "cli keys create", info.id);
  fmt::print(
      "API key created. Copy the token now: it will not be shown again (only its hash is "
      "stored).\n\n  {}\n\n",
      created->token.reveal());
  fmt::print("  id    {}\n  name  {}\n  role  {}\n", info.id, info.name, auth::roleName(info.role));
  return 0;
}

int list(auth::ApiKeys& keys) {
  Result<std::vector<auth::ApiKeyInfo>> listed = keys.list();
  if (!listed.ok()) {
    fmt::print(stderr, "pharos keys list: {}\n", listed.error().toString());
    return 1;
  }
  if (listed->empty()) {
    fmt::print("no API keys\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "NAME", "ROLE", "CREATED", "LAST USED", "REVOKED"});
  for (const auth::ApiKeyInfo& k : *listed) {
    rows.push_back({k.id, k.name, std::string(auth::roleName(k.role)), formatTime(k.createdAt),
                    formatTime(k.lastUsedAt), formatTime(k.revokedAt)});
  }
  printTable(rows);
  return 0;
}

int revoke(auth::ApiKeys& keys, auth::AuditLog& log, const std::string& id) {
  Status revoked = keys.revoke(id);
  if (!revoked.ok()) {
    if (revoked.error().code == ErrorCode::kNotFound) {
      fmt::print(stderr, "pharos keys revoke: no API key with id '{}'\n", id);
    } else {
      fmt::print(stderr, "pharos keys revoke: {}\n", revoked.error().toString());
    }
    return 1;
  }
  audit(log, "cli keys revoke", id);
  fmt::print("revoked API key {}: it no longer authenticates\n", id);
  return 0;
}

}  // namespace

int runKeysCommand(const cli::Invocation& inv, const config::Config& config,
                   const std::optional<Secret>& envMasterKey) {
  quietLogging(config);
  std::string_view what = commandName(inv.command);
  std::string dbPath = config.dataDir + "/pharos.db";
  std::error_code ec;
  if (inv.command == cli::Command::kKeysCreate) {
    std::filesystem::create_directories(config.dataDir, ec);
    if (ec) {
      fmt::print(stderr, "pharos keys create: cannot create data directory {}: {}\n",
                 config.dataDir, ec.message());
      return 1;
    }
  } else if (config.store.backend == config::StoreBackend::kSqlite &&
             !std::filesystem::exists(dbPath, ec)) {
    // Listing or revoking must not create a database in a mistyped --data directory.
    if (inv.command == cli::Command::kKeysList) {
      fmt::print("no API keys (no database at {})\n", dbPath);
      return 0;
    }
    fmt::print(stderr, "pharos keys revoke: no API key with id '{}' (no database at {})\n",
               inv.keyId, dbPath);
    return 1;
  }

  // create seals the new key's salt with the keyring's secrets key, so it gets the master key
  // exactly as the server does (in dev both use, and if need be make, DATA/master.key), and
  // in staging or prod without one fails with the server's message, before a database is
  // made. list and revoke touch no salt and do without it: revoking a leaked key must not
  // wait for the master key.
  std::optional<crypto::MasterKey> master;
  if (inv.command == cli::Command::kKeysCreate) {
    Result<crypto::MasterKey> loaded =
        openServerMasterKey(config, envMasterKey, logging::Logger("keys"));
    if (!loaded.ok()) {
      fmt::print(stderr, "pharos keys {}: {}\n", what, loaded.error().toString());
      return 1;
    }
    master.emplace(std::move(loaded).value());
  }

  auto opened = openConfiguredStore(config, StoreRole::kMain, StoreOpen::kCreate);
  if (!opened.ok()) {
    fmt::print(stderr, "pharos keys {}: {}\n", what, opened.error().toString());
    return 1;
  }
  store::Store& store = **opened;
  crypto::KeyringPtr keyring;
  if (master) {
    auto openedKeyring = crypto::Keyring::open(store, std::move(*master));
    if (!openedKeyring.ok()) {
      fmt::print(stderr, "pharos keys {}: {}\n", what, openedKeyring.error().toString());
      return 1;
    }
    keyring = std::move(openedKeyring).value();
  }
  Result<auth::ApiKeysPtr> keys = keyring ? auth::openApiKeys(store, systemClock(), *keyring)
                                          : auth::openApiKeysWithoutKeyring(store, systemClock());
  if (!keys.ok()) {
    fmt::print(stderr, "pharos keys {}: {}\n", what, keys.error().toString());
    return 1;
  }
  auto log = auth::openAuditLog(store, systemClock());
  if (!log.ok()) {
    fmt::print(stderr, "pharos keys {}: {}\n", what, log.error().toString());
    return 1;
  }

  switch (inv.command) {
    case cli::Command::kKeysCreate:
      return create(**keys, **log, inv);
    case cli::Command::kKeysList:
      return list(**keys);
    default:
      return revoke(**keys, **log, inv.keyId);
  }
}

}  // namespace pharos::app
