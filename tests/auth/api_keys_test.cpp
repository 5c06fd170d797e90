#include <gtest/gtest.h>

#include "auth/auth.h"
#include "auth/token.h"
#include "crypto/envelope.h"
#include "crypto/keyring.h"
#include "crypto/master_key.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"

namespace pharos::auth {
namespace {

using namespace std::chrono_literals;

class ApiKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    store_ = std::move(opened).value();
    auto master = crypto::MasterKey::generate();
    ASSERT_TRUE(master.ok());
    masterText_ = master->toText();
    keyring_ = openKeyring(*store_, std::move(master).value());
    ASSERT_TRUE(keyring_);
    auto keys = openApiKeys(*store_, clock_, *keyring_);
    ASSERT_TRUE(keys.ok()) << keys.error().toString();
    keys_ = std::move(keys).value();
  }

  crypto::KeyringPtr openKeyring(store::Store& store, crypto::MasterKey master) {
    auto keyring = crypto::Keyring::open(store, std::move(master), clock_);
    EXPECT_TRUE(keyring.ok()) << keyring.error().toString();
    return keyring.ok() ? std::move(keyring).value() : nullptr;
  }

  // What a restart does: a new keyring from the same master key, then new ApiKeys.
  void restart() {
    keys_.reset();
    keyring_.reset();
    auto master = crypto::MasterKey::fromEnvironmentValue(masterText_);
    ASSERT_TRUE(master.ok());
    keyring_ = openKeyring(*store_, std::move(master).value());
    ASSERT_TRUE(keyring_);
    auto keys = openApiKeys(*store_, clock_, *keyring_);
    ASSERT_TRUE(keys.ok()) << keys.error().toString();
    keys_ = std::move(keys).value();
  }

  struct StoredSalt {
    std::string salt;  // as stored
    bool sealed = false;
    std::string hash;
  };
  StoredSalt storedSalt(const std::string& id) {
    auto rows = store_->query("SELECT salt, salt_sealed, hash FROM api_keys WHERE id = $1", {id});
    EXPECT_TRUE(rows.ok() && rows->size() == 1u);
    if (!rows.ok() || rows->empty()) return {};
    return {rows->at(0).blob(0), rows->at(0).integer(1) != 0, rows->at(0).blob(2)};
  }

  CreatedKey create(std::string_view name, Role role) {
    Result<CreatedKey> key = keys_->create(name, role);
    if (!key.ok()) {
      ADD_FAILURE() << key.error().toString();
      return {};
    }
    return std::move(key).value();
  }

  std::optional<int64_t> lastUsedMs(const std::string& id) {
    auto rows = store_->query("SELECT last_used_at_ms FROM api_keys WHERE id = $1", {id});
    EXPECT_TRUE(rows.ok());
    if (rows->at(0).isNull(0)) return std::nullopt;
    return rows->at(0).integer(0);
  }

  // A well-formed token with the given id whose secret is all `digit`.
  static std::string tokenWith(std::string_view id, char digit) {
    return "phk_" + std::string(id) + "_" + std::string(64, digit);
  }

  testing::TempDir dir_;
  testing::ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  Secret masterText_;
  crypto::KeyringPtr keyring_;  // after the store it uses, before the keys that use it
  ApiKeysPtr keys_;
};

TEST_F(ApiKeysTest, CreatedKeyAuthenticatesWithItsRole) {
  CreatedKey key = create("deploy bot", Role::kEditor);
  EXPECT_EQ(key.info.name, "deploy bot");
  EXPECT_EQ(key.info.role, Role::kEditor);
  EXPECT_EQ(key.info.createdAt, clock_.now());
  EXPECT_EQ(key.token.reveal().rfind("phk_" + key.info.id + "_", 0), 0u);

  Result<Principal> who = keys_->authenticate(key.token.reveal());
  ASSERT_TRUE(who.ok()) << who.error().toString();
  EXPECT_EQ(who->keyId, key.info.id);
  EXPECT_EQ(who->keyName, "deploy bot");
  EXPECT_EQ(who->role, Role::kEditor);

  CreatedKey other = create("shipper", Role::kIngest);
  EXPECT_NE(other.info.id, key.info.id);
  EXPECT_EQ(keys_->authenticate(other.token.reveal())->role, Role::kIngest);
}

TEST_F(ApiKeysTest, StoredRowHoldsNoPlaintext) {
  CreatedKey key = create("ci", Role::kAdmin);
  const std::string& token = key.token.reveal();
  std::string secret = token.substr(token.rfind('_') + 1);
  ASSERT_EQ(secret.size(), 64u);
  std::string rawSecret;  // the secret's bytes, in case a column held them undecoded
  for (size_t i = 0; i < secret.size(); i += 2)
    rawSecret.push_back(static_cast<char>(std::stoi(secret.substr(i, 2), nullptr, 16)));

  auto rows = store_->query("SELECT * FROM api_keys");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const store::Row& row = rows->at(0);
  for (size_t i = 0; i < row.size(); ++i) {
    std::string cell;
    if (const auto* text = std::get_if<std::string>(&row.at(i))) cell = *text;
    if (const auto* blob = std::get_if<store::Blob>(&row.at(i))) cell = blob->bytes;
    EXPECT_EQ(cell.find(secret), std::string::npos) << "column " << i;
    EXPECT_EQ(cell.find(secret.substr(0, 16)), std::string::npos) << "column " << i;
    EXPECT_EQ(cell.find(rawSecret.substr(0, 8)), std::string::npos) << "column " << i;
    EXPECT_EQ(cell.find(token), std::string::npos) << "column " << i;
  }
  auto salts = store_->query("SELECT salt, hash FROM api_keys");
  EXPECT_NE(salts->at(0).blob(0).size(), 16u);  // sealed, not the salt itself
  EXPECT_EQ(salts->at(0).blob(1).size(), 32u);
}

TEST_F(ApiKeysTest, SaltIsStoredSealedWithTheSecretsKey) {
  CreatedKey key = create("ci", Role::kAdmin);
  StoredSalt stored = storedSalt(key.info.id);
  EXPECT_TRUE(stored.sealed);
  EXPECT_NE(stored.salt.size(), token::kSaltBytes);
  auto header = crypto::envelope::readHeader(stored.salt);
  ASSERT_TRUE(header.ok()) << header.error().toString();
  EXPECT_EQ(header->purpose, "secrets");
  EXPECT_EQ(header->keyId, keyring_->current(crypto::Purpose::kSecrets)->id);

  // It opens to the salt the stored hash was made with, and only as a secret.
  Result<std::string> salt = keyring_->open(crypto::Purpose::kSecrets, stored.salt);
  ASSERT_TRUE(salt.ok()) << salt.error().toString();
  EXPECT_EQ(salt->size(), token::kSaltBytes);
  EXPECT_EQ(stored.salt.find(*salt), std::string::npos);
  EXPECT_TRUE(token::sameHash(token::hash(key.token.reveal(), *salt), stored.hash));
  EXPECT_FALSE(keyring_->open(crypto::Purpose::kBackups, stored.salt).ok());

  restart();
  Result<Principal> who = keys_->authenticate(key.token.reveal());
  ASSERT_TRUE(who.ok()) << who.error().toString();
  EXPECT_EQ(who->keyId, key.info.id);
  EXPECT_EQ(storedSalt(key.info.id).salt, stored.salt);  // a restart does not reseal
}

TEST_F(ApiKeysTest, LegacyClearSaltIsSealedAtOpenOnce) {
  // A database as the release before sealed salts left it: auth migration 1 only, and a row
  // written as that release's create() did.
  auto legacyStore = pharos::testing::openTestStore(dir_.file("legacy.db"));
  ASSERT_TRUE(legacyStore.ok());
  store::Store& store = **legacyStore;
  store::MigrationSet v1{"auth", {migrations().migrations.at(0)}};
  ASSERT_TRUE(store.migrate(v1).ok());
  std::string token = tokenWith("7egacyk3y000", 'a');
  std::string clearSalt = token::newSalt();
  std::string hash = token::hash(token, clearSalt);
  ASSERT_TRUE(store
                  .execute("INSERT INTO api_keys (id, name, role, salt, hash, created_at_ms) "
                           "VALUES ($1, $2, $3, $4, $5, $6)",
                           {std::string("7egacyk3y000"), std::string("old"), std::string("editor"),
                            store::Blob{clearSalt}, store::Blob{hash}, int64_t{1000}})
                  .ok());

  crypto::KeyringPtr keyring = openKeyring(store, crypto::MasterKey::generate().value());
  ASSERT_TRUE(keyring);
  auto keys = openApiKeys(store, clock_, *keyring);
  ASSERT_TRUE(keys.ok()) << keys.error().toString();
  EXPECT_EQ(*store.schemaVersion("auth"), 2);

  Result<Principal> who = (*keys)->authenticate(token);
  ASSERT_TRUE(who.ok()) << who.error().toString();
  EXPECT_EQ(who->role, Role::kEditor);
  EXPECT_FALSE((*keys)->authenticate(tokenWith("7egacyk3y000", 'b')).ok());

  auto rows = store.query("SELECT salt, salt_sealed, hash FROM api_keys");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  std::string sealed = rows->at(0).blob(0);
  EXPECT_EQ(rows->at(0).integer(1), 1);
  EXPECT_EQ(sealed.find(clearSalt), std::string::npos);
  EXPECT_EQ(rows->at(0).blob(2), hash);  // the hash is kept: the key did not change
  EXPECT_EQ(*keyring->open(crypto::Purpose::kSecrets, sealed), clearSalt);

  // Opening again seals nothing twice: the sealed salt is not taken for a clear one.
  keys->reset();
  auto again = openApiKeys(store, clock_, *keyring);
  ASSERT_TRUE(again.ok()) << again.error().toString();
  EXPECT_EQ(store.query("SELECT salt FROM api_keys")->at(0).blob(0), sealed);
  EXPECT_TRUE((*again)->authenticate(token).ok());
}

TEST_F(ApiKeysTest, SaltSealedUnderAnotherKeyringFailsOpenNamingTheKey) {
  CreatedKey key = create("ci", Role::kAdmin);
  CreatedKey fine = create("other", Role::kViewer);
  // The same salt, sealed by another installation's keyring (another master key).
  auto otherStore = pharos::testing::openTestStore(dir_.file("other.db"));
  ASSERT_TRUE(otherStore.ok());
  crypto::KeyringPtr other = openKeyring(**otherStore, crypto::MasterKey::generate().value());
  ASSERT_TRUE(other);
  std::string salt = *keyring_->open(crypto::Purpose::kSecrets, storedSalt(key.info.id).salt);
  std::string foreign = *other->seal(crypto::Purpose::kSecrets, salt);
  ASSERT_TRUE(store_
                  ->execute("UPDATE api_keys SET salt = $2 WHERE id = $1",
                            {key.info.id, store::Blob{foreign}})
                  .ok());

  // Already-open ApiKeys: the caller gets the one answer, the other key still works.
  EXPECT_EQ(keys_->authenticate(key.token.reveal()).error().code, ErrorCode::kUnauthenticated);
  EXPECT_TRUE(keys_->authenticate(fine.token.reveal()).ok());

  keys_.reset();
  auto reopened = openApiKeys(*store_, clock_, *keyring_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(reopened.error().toString().find(key.info.id), std::string::npos)
      << reopened.error().toString();
  EXPECT_EQ(reopened.error().toString().find(fine.info.id), std::string::npos);

  // A damaged envelope is kDataLoss too, not taken for a clear salt and sealed.
  std::string damaged = storedSalt(fine.info.id).salt;
  damaged.back() ^= 1;
  ASSERT_TRUE(store_
                  ->execute("UPDATE api_keys SET salt = $2 WHERE id = $1",
                            {key.info.id, store::Blob{damaged}})
                  .ok());
  auto again = openApiKeys(*store_, clock_, *keyring_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(again.error().toString().find(key.info.id), std::string::npos);
  EXPECT_EQ(storedSalt(key.info.id).salt, damaged);
}

TEST_F(ApiKeysTest, WithoutTheKeyringOnlyListAndRevokeWork) {
  CreatedKey key = create("ci", Role::kAdmin);
  std::string sealed = storedSalt(key.info.id).salt;
  auto bare = openApiKeysWithoutKeyring(*store_, clock_);
  ASSERT_TRUE(bare.ok()) << bare.error().toString();
  ApiKeys& keys = **bare;
  ASSERT_EQ(keys.list()->size(), 1u);
  EXPECT_EQ(keys.create("x", Role::kViewer).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(keys.authenticate(key.token.reveal()).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(keys.ensureBootstrapKey(Secret(tokenWith("b00t5trapk3y", '7'))).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(*keys.activeKeyCount(), 1u);
  ASSERT_TRUE(keys.revoke(key.info.id).ok());
  EXPECT_EQ(*keys.activeKeyCount(), 0u);
  EXPECT_FALSE(keys_->authenticate(key.token.reveal()).ok());
  EXPECT_EQ(storedSalt(key.info.id).salt, sealed);
}

TEST_F(ApiKeysTest, KeysStillAuthenticateAfterTheSecretsKeyIsRotated) {
  CreatedKey before = create("before", Role::kViewer);
  std::string firstKeyId = keyring_->current(crypto::Purpose::kSecrets)->id;
  auto rotated = keyring_->rotateData(crypto::Purpose::kSecrets);
  ASSERT_TRUE(rotated.ok()) << rotated.error().toString();
  ASSERT_NE(rotated->id, firstKeyId);
  CreatedKey after = create("after", Role::kEditor);
  EXPECT_EQ(crypto::envelope::readHeader(storedSalt(before.info.id).salt)->keyId, firstKeyId);
  EXPECT_EQ(crypto::envelope::readHeader(storedSalt(after.info.id).salt)->keyId, rotated->id);

  EXPECT_EQ(keys_->authenticate(before.token.reveal())->role, Role::kViewer);
  EXPECT_EQ(keys_->authenticate(after.token.reveal())->role, Role::kEditor);
  restart();
  EXPECT_EQ(keys_->authenticate(before.token.reveal())->role, Role::kViewer);
  EXPECT_EQ(keys_->authenticate(after.token.reveal())->role, Role::kEditor);
}

TEST_F(ApiKeysTest, EveryFailureLooksTheSame) {
  CreatedKey key = create("k", Role::kViewer);
  CreatedKey revoked = create("r", Role::kViewer);
  ASSERT_TRUE(keys_->revoke(revoked.info.id).ok());

  std::string wrongSecret = tokenWith(key.info.id, '0');
  std::string unknownId = tokenWith("0123456789ab", '0');
  std::vector<std::string> bad = {wrongSecret,
                                  unknownId,
                                  "",
                                  "phk_",
                                  "Bearer " + key.token.reveal(),
                                  key.token.reveal() + "0",
                                  key.token.reveal().substr(0, 80),
                                  revoked.token.reveal()};
  std::optional<std::string> firstMessage;
  for (const std::string& t : bad) {
    Result<Principal> who = keys_->authenticate(t);
    ASSERT_FALSE(who.ok()) << "accepted: case " << (&t - bad.data());
    EXPECT_EQ(who.error().code, ErrorCode::kUnauthenticated);
    if (!firstMessage) firstMessage = who.error().toString();
    EXPECT_EQ(who.error().toString(), *firstMessage);
    EXPECT_EQ(who.error().toString().find(key.info.id), std::string::npos);
  }
  EXPECT_TRUE(keys_->authenticate(key.token.reveal()).ok());
}

TEST_F(ApiKeysTest, RevokeIsPermanentAndIdempotent) {
  CreatedKey key = create("k", Role::kAdmin);
  ASSERT_TRUE(keys_->authenticate(key.token.reveal()).ok());
  EXPECT_EQ(*keys_->activeKeyCount(), 1u);
  ASSERT_TRUE(keys_->revoke(key.info.id).ok());
  WallTime revokedAt = clock_.now();
  clock_.advance(5s);
  EXPECT_TRUE(keys_->revoke(key.info.id).ok());
  EXPECT_FALSE(keys_->authenticate(key.token.reveal()).ok());
  EXPECT_EQ(*keys_->activeKeyCount(), 0u);

  auto listed = keys_->list();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).revokedAt, revokedAt);  // the second revoke kept the first time

  Status missing = keys_->revoke("nosuchkey000");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(ApiKeysTest, ListShowsKeysInCreationOrder) {
  CreatedKey a = create("a", Role::kViewer);
  clock_.advance(1s);
  CreatedKey b = create("b", Role::kIngest);
  auto listed = keys_->list();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->at(0).id, a.info.id);
  EXPECT_EQ(listed->at(0).name, "a");
  EXPECT_EQ(listed->at(1).id, b.info.id);
  EXPECT_EQ(listed->at(1).role, Role::kIngest);
  EXPECT_EQ(listed->at(1).createdAt, b.info.createdAt);
  EXPECT_FALSE(listed->at(1).lastUsedAt);
  EXPECT_FALSE(listed->at(1).revokedAt);
}

TEST_F(ApiKeysTest, RejectsBadNames) {
  EXPECT_EQ(keys_->create("", Role::kViewer).error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(keys_->create(std::string(101, 'x'), Role::kViewer).ok());
  EXPECT_FALSE(keys_->create("line\nbreak", Role::kViewer).ok());
  EXPECT_EQ(*keys_->activeKeyCount(), 0u);
}

TEST_F(ApiKeysTest, LastUseIsWrittenAtMostOnceAMinute) {
  CreatedKey key = create("busy", Role::kIngest);
  EXPECT_FALSE(lastUsedMs(key.info.id));
  int64_t first = toUnixMillis(clock_.now());
  ASSERT_TRUE(keys_->authenticate(key.token.reveal()).ok());
  EXPECT_EQ(lastUsedMs(key.info.id), first);

  clock_.advance(30s);
  ASSERT_TRUE(keys_->authenticate(key.token.reveal()).ok());
  clock_.advance(29s);
  ASSERT_TRUE(keys_->authenticate(key.token.reveal()).ok());
  EXPECT_EQ(lastUsedMs(key.info.id), first);  // within the minute: no write

  clock_.advance(1s);  // a minute after the last write
  ASSERT_TRUE(keys_->authenticate(key.token.reveal()).ok());
  EXPECT_EQ(lastUsedMs(key.info.id), toUnixMillis(clock_.now()));
  EXPECT_EQ(keys_->list()->at(0).lastUsedAt, clock_.now());
}

TEST_F(ApiKeysTest, LastUseThrottleIsPerKey) {
  CreatedKey a = create("a", Role::kViewer);
  CreatedKey b = create("b", Role::kViewer);
  ASSERT_TRUE(keys_->authenticate(a.token.reveal()).ok());
  clock_.advance(10s);
  ASSERT_TRUE(keys_->authenticate(b.token.reveal()).ok());
  EXPECT_EQ(lastUsedMs(b.info.id), toUnixMillis(clock_.now()));
}

TEST_F(ApiKeysTest, BootstrapKeyIsStoredOnceAsAdmin) {
  Secret boot(tokenWith("b00t5trapk3y", '7'));
  ASSERT_TRUE(keys_->ensureBootstrapKey(boot).ok());
  clock_.advance(1s);
  ASSERT_TRUE(keys_->ensureBootstrapKey(boot).ok());  // idempotent
  auto listed = keys_->list();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).id, "b00t5trapk3y");
  EXPECT_EQ(listed->at(0).name, "bootstrap");
  EXPECT_EQ(listed->at(0).role, Role::kAdmin);

  Result<Principal> who = keys_->authenticate(boot.reveal());
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->role, Role::kAdmin);

  StoredSalt stored = storedSalt("b00t5trapk3y");
  EXPECT_TRUE(stored.sealed);
  Result<std::string> salt = keyring_->open(crypto::Purpose::kSecrets, stored.salt);
  ASSERT_TRUE(salt.ok()) << salt.error().toString();
  EXPECT_TRUE(token::sameHash(token::hash(boot.reveal(), *salt), stored.hash));

  // After a restart, with the secrets key rotated in between, it is recognised, not stored
  // again, and still refuses another secret under its id.
  ASSERT_TRUE(keyring_->rotateData(crypto::Purpose::kSecrets).ok());
  restart();
  EXPECT_TRUE(keys_->ensureBootstrapKey(boot).ok());
  EXPECT_EQ(*keys_->activeKeyCount(), 1u);
  EXPECT_EQ(storedSalt("b00t5trapk3y").salt, stored.salt);
  EXPECT_EQ(keys_->ensureBootstrapKey(Secret(tokenWith("b00t5trapk3y", '8'))).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(keys_->authenticate(boot.reveal()).ok());
}

TEST_F(ApiKeysTest, BootstrapKeyWithAConflictingSecretIsRefused) {
  ASSERT_TRUE(keys_->ensureBootstrapKey(Secret(tokenWith("b00t5trapk3y", '7'))).ok());
  std::string other = tokenWith("b00t5trapk3y", '8');
  Status conflict = keys_->ensureBootstrapKey(Secret(other));
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(conflict.error().toString().find(std::string(64, '8')), std::string::npos);
  EXPECT_FALSE(keys_->authenticate(other).ok());
}

TEST_F(ApiKeysTest, MalformedBootstrapKeyIsRefusedWithoutEchoingIt) {
  for (std::string bad : {std::string("hunter2-very-secret"), tokenWith("b00t5trapk3y", 'z'),
                          tokenWith("short", '1')}) {
    Status s = keys_->ensureBootstrapKey(Secret(bad));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.error().toString().find(bad), std::string::npos) << s.error().toString();
    EXPECT_EQ(s.error().toString().find("hunter2"), std::string::npos);
  }
  EXPECT_EQ(*keys_->activeKeyCount(), 0u);
}

TEST_F(ApiKeysTest, RevokedBootstrapKeyStaysRevoked) {
  Secret boot(tokenWith("b00t5trapk3y", '7'));
  ASSERT_TRUE(keys_->ensureBootstrapKey(boot).ok());
  ASSERT_TRUE(keys_->revoke("b00t5trapk3y").ok());
  EXPECT_TRUE(keys_->ensureBootstrapKey(boot).ok());
  EXPECT_FALSE(keys_->authenticate(boot.reveal()).ok());
}

TEST_F(ApiKeysTest, ExistingNonAdminKeyCannotBecomeTheBootstrapKey) {
  CreatedKey viewer = create("v", Role::kViewer);
  Status s = keys_->ensureBootstrapKey(viewer.token);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(keys_->authenticate(viewer.token.reveal())->role, Role::kViewer);
}

}  // namespace
}  // namespace pharos::auth
