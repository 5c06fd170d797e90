#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "auth/auth.h"
#include "auth/token.h"
#include "core/log.h"
#include "crypto/key_bytes.h"
#include "crypto/keyring.h"

namespace pharos::auth {
namespace {

// One answer for every failure, so a caller cannot tell a wrong secret from an unknown,
// revoked or malformed key.
constexpr std::string_view kUnauthenticated = "invalid or revoked API key";
// A busy client would otherwise cost a write per request; a minute is precise enough for
// "when was this key last used".
constexpr Millis kLastUsedInterval{60'000};
constexpr size_t kMaxNameLength = 100;
// Salts are secrets held by Pharos (issue 10): stored sealed with the `secrets` data key.
constexpr crypto::Purpose kSaltPurpose = crypto::Purpose::kSecrets;

Error unauthenticated() {
  return makeError(ErrorCode::kUnauthenticated, std::string(kUnauthenticated));
}

Status validateName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("a key name must have 1 to {} characters", kMaxNameLength));
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return makeError(ErrorCode::kInvalidArgument,
                       "a key name may not contain control characters");
    }
  }
  return okStatus();
}

std::optional<WallTime> optionalTime(const store::Row& row, size_t i) {
  if (row.isNull(i)) return std::nullopt;
  return fromUnixMillis(row.integer(i));
}

Result<Role> storedRole(const store::Row& row, size_t i, std::string_view id) {
  Result<Role> role = parseRole(row.text(i));
  if (!role.ok()) {
    return makeError(ErrorCode::kDataLoss,
                     fmt::format("API key {} has an unknown stored role", id));
  }
  return role;
}

// The error for a stored salt that does not open: the row was sealed under another keyring
// (another master key or data directory) or is damaged. Named by key id, never by content.
Error saltDoesNotOpen(std::string_view id, const Error& cause) {
  return makeError(ErrorCode::kDataLoss,
                   fmt::format("the salt of API key {} does not open with the secrets key "
                               "(another master key or keyring, or a damaged row): {}",
                               id, cause.message),
                   "api_keys");
}

// Seals the salts that a release before issue 10 stored in the clear, and checks that every
// sealed one opens, so a server given the wrong keyring fails at start instead of answering
// 401 to every key. The seals are made first (the keyring may use the store, which a
// transaction's work must not) and written in one transaction; `AND salt_sealed = 0` makes a
// second run, or a second process doing the same, change nothing.
Status sealLegacySalts(store::Store& store, crypto::Keyring& keyring) {
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows,
                          store.query("SELECT id, salt, salt_sealed FROM api_keys ORDER BY id"));
  std::vector<std::pair<std::string, std::string>> sealed;  // id, sealed salt
  for (const store::Row& r : rows) {
    const std::string& id = r.text(0);
    if (r.integer(2) != 0) {
      Result<std::string> opened = keyring.open(kSaltPurpose, r.blob(1));
      if (!opened.ok()) return saltDoesNotOpen(id, opened.error());
      continue;
    }
    PHAROS_ASSIGN_OR_RETURN(std::string s, keyring.seal(kSaltPurpose, r.blob(1)));
    sealed.emplace_back(id, std::move(s));
  }
  if (sealed.empty()) return okStatus();
  int64_t changed = 0;
  PHAROS_TRY(store.transaction([&](store::Session& s) -> Status {
    for (auto& [id, salt] : sealed) {
      PHAROS_ASSIGN_OR_RETURN(int64_t n, s.execute("UPDATE api_keys SET salt = $2, salt_sealed = 1 "
                                                   "WHERE id = $1 AND salt_sealed = 0",
                                                   {id, store::Blob{salt}}));
      changed += n;
    }
    return okStatus();
  }));
  if (changed > 0) {
    logging::Logger("auth").info("sealed API-key salts stored in the clear by an older release",
                                 {{"count", changed}});
  }
  return okStatus();
}

// `keyring` is null for openApiKeysWithoutKeyring: what needs a salt then refuses.
class StoreApiKeys final : public ApiKeys {
 public:
  StoreApiKeys(store::Store& store, Clock& clock, crypto::Keyring* keyring,
               std::string dummySealedSalt, std::string dummyHash)
      : store_(store),
        clock_(clock),
        keyring_(keyring),
        dummySealedSalt_(std::move(dummySealedSalt)),
        dummyHash_(std::move(dummyHash)) {}

  Result<CreatedKey> create(std::string_view name, Role role) override {
    PHAROS_TRY(needKeyring());
    PHAROS_TRY(validateName(name));
    int64_t now = toUnixMillis(clock_.now());
    // 60-bit ids collide only by bad luck; a retry settles it.
    for (int attempt = 0; attempt < 3; ++attempt) {
      token::Generated g = token::generate();
      std::string salt = token::newSalt();
      std::string hash = token::hash(g.token.reveal(), salt);
      PHAROS_ASSIGN_OR_RETURN(std::string sealedSalt, keyring_->seal(kSaltPurpose, salt));
      Result<int64_t> inserted = store_.execute(
          "INSERT INTO api_keys (id, name, role, salt, salt_sealed, hash, created_at_ms) "
          "VALUES ($1, $2, $3, $4, 1, $5, $6)",
          {g.id, std::string(name), std::string(roleName(role)), store::Blob{std::move(sealedSalt)},
           store::Blob{std::move(hash)}, now});
      if (inserted.ok()) {
        ApiKeyInfo info{g.id,         std::string(name), role, fromUnixMillis(now),
                        std::nullopt, std::nullopt};
        log_.info("API key created",
                  {{"key_id", info.id}, {"name", info.name}, {"role", roleName(role)}});
        return CreatedKey{std::move(info), std::move(g.token)};
      }
      if (inserted.error().code != ErrorCode::kAlreadyExists) return std::move(inserted).error();
    }
    return makeError(ErrorCode::kInternal, "could not allocate a unique API key id");
  }

  Result<std::vector<ApiKeyInfo>> list() override {
    PHAROS_ASSIGN_OR_RETURN(
        store::Rows rows,
        store_.query("SELECT id, name, role, created_at_ms, last_used_at_ms, revoked_at_ms "
                     "FROM api_keys ORDER BY created_at_ms, id"));
    std::vector<ApiKeyInfo> out;
    out.reserve(rows.size());
    for (const store::Row& r : rows) {
      PHAROS_ASSIGN_OR_RETURN(Role role, storedRole(r, 2, r.text(0)));
      out.push_back(ApiKeyInfo{r.text(0), r.text(1), role, fromUnixMillis(r.integer(3)),
                               optionalTime(r, 4), optionalTime(r, 5)});
    }
    return out;
  }

  Status revoke(std::string_view id) override {
    std::string key(id);
    PHAROS_ASSIGN_OR_RETURN(int64_t changed,
                            store_.execute("UPDATE api_keys SET revoked_at_ms = $2 "
                                           "WHERE id = $1 AND revoked_at_ms IS NULL",
                                           {key, toUnixMillis(clock_.now())}));
    if (changed == 0) {
      PHAROS_ASSIGN_OR_RETURN(store::Rows rows,
                              store_.query("SELECT 1 FROM api_keys WHERE id = $1", {key}));
      if (rows.empty()) return makeError(ErrorCode::kNotFound, "no such API key", key);
      return okStatus();  // already revoked: keep the first revocation time
    }
    {
      std::lock_guard lock(mutex_);
      lastWrite_.erase(key);
    }
    log_.info("API key revoked", {{"key_id", key}});
    return okStatus();
  }

  Result<Principal> authenticate(std::string_view presented) override {
    PHAROS_TRY(needKeyring());
    std::optional<std::string_view> id = token::idOf(presented);
    // The format is public, so rejecting a malformed token early reveals nothing.
    if (!id) return unauthenticated();
    std::string key(*id);
    PHAROS_ASSIGN_OR_RETURN(
        store::Rows rows,
        store_.query("SELECT name, role, salt, hash, revoked_at_ms FROM api_keys WHERE id = $1",
                     {key}));
    bool found = !rows.empty();
    // An unknown id costs the same open, hash and comparison as a known one, so the time of
    // an answer does not tell which ids exist.
    std::string_view sealedSalt = found ? std::string_view(rows[0].blob(2)) : dummySealedSalt_;
    std::string_view expected = found ? std::string_view(rows[0].blob(3)) : dummyHash_;
    Result<std::string> salt = keyring_->open(kSaltPurpose, sealedSalt);
    if (!salt.ok()) {
      // Every salt opened when this ApiKeys was made; a row that does not now was damaged
      // since. Said to the operator, but the caller gets the one answer for every failure.
      log_.error("an API key's salt does not open",
                 {{"key_id", key}, {"error", saltDoesNotOpen(key, salt.error()).toString()}});
      return unauthenticated();
    }
    bool match = token::sameHash(token::hash(presented, *salt), expected);
    if (!found || !match || !rows[0].isNull(4)) return unauthenticated();
    PHAROS_ASSIGN_OR_RETURN(Role role, storedRole(rows[0], 1, key));
    touch(key);
    return Principal{key, rows[0].text(0), role};
  }

  Status ensureBootstrapKey(const Secret& bootstrap) override {
    PHAROS_TRY(needKeyring());
    const std::string& presented = bootstrap.reveal();
    std::optional<std::string_view> id = token::idOf(presented);
    if (!id) {
      return makeError(ErrorCode::kInvalidArgument,
                       "the bootstrap key is not a well-formed API key (expected phk_, 12 "
                       "characters of lowercase base32, _, then 64 lowercase hex digits)");
    }
    std::string key(*id);
    // Sealed before the transaction: the keyring may use the store, which the transaction's
    // work must not. Unused when the key exists.
    std::string salt = token::newSalt();
    std::string hash = token::hash(presented, salt);
    PHAROS_ASSIGN_OR_RETURN(std::string sealedSalt, keyring_->seal(kSaltPurpose, salt));
    std::optional<store::Row> existing;
    PHAROS_TRY(store_.transaction([&](store::Session& s) -> Status {
      PHAROS_ASSIGN_OR_RETURN(
          store::Rows rows,
          s.query("SELECT role, salt, hash, revoked_at_ms FROM api_keys WHERE id = $1", {key}));
      if (!rows.empty()) {
        existing = std::move(rows[0]);
        return okStatus();
      }
      PHAROS_TRY(
          s.execute("INSERT INTO api_keys (id, name, role, salt, salt_sealed, hash, created_at_ms) "
                    "VALUES ($1, $2, $3, $4, 1, $5, $6)",
                    {key, std::string("bootstrap"), std::string(roleName(Role::kAdmin)),
                     store::Blob{std::move(sealedSalt)}, store::Blob{std::move(hash)},
                     toUnixMillis(clock_.now())}));
      return okStatus();
    }));
    if (!existing) {
      log_.info("bootstrap API key stored", {{"key_id", key}});
      return okStatus();
    }
    // The checks of an existing row only read, so they need not hold the transaction.
    const store::Row& r = *existing;
    Result<std::string> storedSalt = keyring_->open(kSaltPurpose, r.blob(1));
    if (!storedSalt.ok()) return saltDoesNotOpen(key, storedSalt.error());
    if (!token::sameHash(token::hash(presented, *storedSalt), r.blob(2))) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "an API key with the bootstrap key's id already exists with a different "
                       "secret; use a new token or the one stored before",
                       key);
    }
    if (r.text(0) != roleName(Role::kAdmin)) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "the bootstrap key exists but is not an admin key", key);
    }
    bool revoked = !r.isNull(3);
    if (revoked)
      log_.warn("the bootstrap API key is revoked; leaving it revoked", {{"key_id", key}});
    return okStatus();
  }

  Result<size_t> activeKeyCount() override {
    PHAROS_ASSIGN_OR_RETURN(
        store::Rows rows,
        store_.query("SELECT COUNT(*) FROM api_keys WHERE revoked_at_ms IS NULL"));
    return static_cast<size_t>(rows.at(0).integer(0));
  }

 private:
  Status needKeyring() const {
    if (keyring_ != nullptr) return okStatus();
    return makeError(ErrorCode::kFailedPrecondition,
                     "API keys were opened without the keyring: only list and revoke work");
  }

  // Records the last use at most once per kLastUsedInterval per key and process. The map
  // holds only keys that authenticated, so it is bounded by the number of keys.
  void touch(const std::string& id) {
    MonoTime now = clock_.monotonic();
    {
      std::lock_guard lock(mutex_);
      auto [it, inserted] = lastWrite_.try_emplace(id, now);
      if (!inserted) {
        if (now - it->second < kLastUsedInterval) return;
        it->second = now;
      }
    }
    Result<int64_t> written = store_.execute(
        "UPDATE api_keys SET last_used_at_ms = $2 WHERE id = $1", {id, toUnixMillis(clock_.now())});
    // The request is authenticated either way; a lost "last used" time is not worth a 5xx.
    if (!written.ok()) {
      log_.warn("cannot record the last use of an API key",
                {{"key_id", id}, {"error", written.error().toString()}});
    }
  }

  store::Store& store_;
  Clock& clock_;
  crypto::Keyring* const keyring_;
  // A sealed salt and a hash no token matches, for authenticate() to work on for an unknown id.
  const std::string dummySealedSalt_;
  const std::string dummyHash_;
  std::mutex mutex_;
  std::unordered_map<std::string, MonoTime> lastWrite_;
  logging::Logger log_{"auth"};
};

}  // namespace

Result<ApiKeysPtr> openApiKeys(store::Store& store, Clock& clock, crypto::Keyring& keyring) {
  PHAROS_TRY(crypto::initSodium());
  PHAROS_TRY(store.migrate(migrations()));
  PHAROS_TRY(sealLegacySalts(store, keyring));
  std::string dummySalt = token::newSalt();
  std::string dummyHash = token::hash(token::generate().token.reveal(), dummySalt);
  PHAROS_ASSIGN_OR_RETURN(std::string dummySealedSalt, keyring.seal(kSaltPurpose, dummySalt));
  return ApiKeysPtr(std::make_unique<StoreApiKeys>(
      store, clock, &keyring, std::move(dummySealedSalt), std::move(dummyHash)));
}

Result<ApiKeysPtr> openApiKeysWithoutKeyring(store::Store& store, Clock& clock) {
  PHAROS_TRY(store.migrate(migrations()));
  return ApiKeysPtr(std::make_unique<StoreApiKeys>(store, clock, nullptr, "", ""));
}

}  // namespace pharos::auth
