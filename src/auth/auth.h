#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"
#include "store/store.h"

namespace pharos::crypto {
class Keyring;
}

namespace pharos::auth {

// Who may do what. Each route names exactly one Scope; roles map to scope sets in one table
// (scopesOf), so "what can an editor do" has one answer.
enum class Role { kViewer, kIngest, kEditor, kAdmin };
enum class Scope {
  kRead,    // read everything that is not a secret
  kIngest,  // write logs, push heartbeats
  kEdit,    // manage checks, SLOs, alarms, silences
  kAdmin,   // keys, audit, backups, config
};

std::string_view roleName(Role role);
Result<Role> parseRole(std::string_view name);
std::string_view scopeName(Scope scope);
// viewer: read; ingest: ingest; editor: read, edit; admin: read, ingest, edit, admin.
std::span<const Scope> scopesOf(Role role);
bool hasScope(Role role, Scope scope);

// The caller behind a request, once its key is verified.
struct Principal {
  std::string keyId;
  std::string keyName;
  Role role = Role::kViewer;
};

struct ApiKeyInfo {
  std::string id;  // public, appears in audit entries and in the token's prefix
  std::string name;
  Role role = Role::kViewer;
  WallTime createdAt;
  std::optional<WallTime> lastUsedAt;
  std::optional<WallTime> revokedAt;
};

struct CreatedKey {
  ApiKeyInfo info;
  Secret token;  // the only time the plaintext exists: show it once, never store it
};

// API keys: 256-bit random secrets, stored only as a salted hash (libsodium), looked up by
// the id embedded in the token and compared in constant time. The per-key salt is stored
// sealed with the keyring's `secrets` data key. Thread-safe.
class ApiKeys {
 public:
  virtual ~ApiKeys() = default;
  virtual Result<CreatedKey> create(std::string_view name, Role role) = 0;
  virtual Result<std::vector<ApiKeyInfo>> list() = 0;
  // kNotFound for an unknown id; revoking twice is ok.
  virtual Status revoke(std::string_view id) = 0;
  // kUnauthenticated, with one message for malformed, unknown and revoked tokens alike, so
  // an answer never tells which keys exist.
  virtual Result<Principal> authenticate(std::string_view token) = 0;
  // Makes `token` (from PHAROS_BOOTSTRAP_KEY or a file) a valid admin key named "bootstrap"
  // unless it already is one. kInvalidArgument when it is not a well-formed token;
  // kFailedPrecondition when its id is taken by a key with a different secret, or it already
  // exists as a non-admin key. A bootstrap key that an admin revoked stays revoked (ok, with
  // a warning logged): a restart must not undo a revocation.
  virtual Status ensureBootstrapKey(const Secret& token) = 0;
  virtual Result<size_t> activeKeyCount() = 0;
};

using ApiKeysPtr = std::unique_ptr<ApiKeys>;

struct AuditEntry {
  int64_t id = 0;
  WallTime at;
  std::string keyId;   // empty for an unauthenticated caller
  std::string action;  // "POST /api/v1/keys", "auth.failed"
  std::string target;  // the resource, e.g. a key id
  std::string remoteAddress;
  std::string outcome;  // "ok", "denied", "unauthenticated", or an error code
};

// Who did what, when, from where: every write and every auth failure. Thread-safe.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual Status record(const AuditEntry& entry) = 0;  // `id` and `at` are assigned
  // Newest first; entries with id < beforeId when given.
  virtual Result<std::vector<AuditEntry>> list(size_t limit, std::optional<int64_t> beforeId) = 0;
  // Deletes entries older than `age`; returns how many.
  virtual Result<size_t> prune(Millis age) = 0;
};

using AuditLogPtr = std::unique_ptr<AuditLog>;

// The `auth` component's tables (api_keys, audit_log). The open functions below apply it
// themselves (migrating is idempotent); it is public for tools that migrate up front.
const store::MigrationSet& migrations();

// Store-backed implementations. Each applies `migrations()` first.
//
// openApiKeys then seals, in one transaction, the salts an older release stored in the clear
// (idempotent), and opens every sealed salt: one that does not open with `keyring` (another
// master key or keyring, or a damaged row) is kDataLoss naming the key id, so a server with
// the wrong keyring does not start half-working. `keyring` must outlive the ApiKeys.
Result<ApiKeysPtr> openApiKeys(store::Store& store, Clock& clock, crypto::Keyring& keyring);
// For `pharos keys list|revoke`, which must work without the master key (revoking a leaked key
// should not wait for it): list, revoke and activeKeyCount work; create, authenticate and
// ensureBootstrapKey are kFailedPrecondition. Clear salts from an older release stay as they
// are until openApiKeys runs (the server's start).
Result<ApiKeysPtr> openApiKeysWithoutKeyring(store::Store& store, Clock& clock);
Result<AuditLogPtr> openAuditLog(store::Store& store, Clock& clock);

}  // namespace pharos::auth
