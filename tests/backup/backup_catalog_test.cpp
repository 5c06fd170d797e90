#include "backup/backup_catalog.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "backup/digest.h"
#include "backup_test_util.h"

namespace pharos::backup::testing {
namespace {

constexpr Millis kDay{24 * 3600 * 1000};

class CatalogTest : public BackupTest {
 protected:
  // A backup of several parts, with a database and incompressible bytes.
  Manifest multiPartBackup() {
    populate();
    writeFile(dataDir / "metrics-wal" / "big.wal", noise(40000, 3));
    BackupOptions options;
    options.partBytes = 8192;
    auto manifest = backup(options);
    if (!manifest.ok()) ADD_FAILURE() << manifest.error().toString();
    EXPECT_GE(manifest->parts.size(), 4u);
    return std::move(manifest).value();
  }

  void expectRefused(BackupCatalog& catalog, const std::string& id, const std::string& what) {
    auto report = catalog.verify(id);
    ASSERT_FALSE(report.ok()) << what;
    EXPECT_EQ(report.error().code, ErrorCode::kDataLoss)
        << what << ": " << report.error().toString();
    const fs::path target = tmp.path() / "target";
    Status restored = catalog.restore(id, target);
    ASSERT_FALSE(restored.ok()) << what;
    EXPECT_TRUE(fs::is_empty(target)) << what << ": a refused restore leaves the target empty";
  }
};

TEST_F(CatalogTest, ListShowsCompleteBackupsNewestFirst) {
  populate();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto m = backup();
    ASSERT_TRUE(m.ok()) << m.error().toString();
    ids.push_back(m->id);
    clock.advance(Millis(1000));
  }
  // Parts without a manifest: a backup that crashed, or one still being written.
  ASSERT_TRUE(objects->put(partKey("01HZZZZZZZZZZZZZZZZZZZZZZZ", 1), "partial").ok());
  BackupCatalog catalog(*objects, *keyring);
  auto listed = catalog.list();
  ASSERT_TRUE(listed.ok()) << listed.error().toString();
  std::vector<std::string> got;
  for (const Manifest& m : *listed)
    got.push_back(m.id);
  std::reverse(ids.begin(), ids.end());
  EXPECT_EQ(got, ids);
  auto missing = catalog.verify("01HZZZZZZZZZZZZZZZZZZZZZZZ");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(CatalogTest, VerifyChecksEveryPartAndFile) {
  Manifest m = multiPartBackup();
  BackupCatalog catalog(*objects, *keyring);
  auto report = catalog.verify(m.id);
  ASSERT_TRUE(report.ok()) << report.error().toString();
  EXPECT_EQ(report->partsChecked, m.parts.size());
  EXPECT_EQ(report->filesChecked, m.files.size());
  EXPECT_EQ(report->bytesChecked, m.rawBytes);
}

TEST_F(CatalogTest, FlippedByteInAnyPartIsFoundAndRestoreRefuses) {
  Manifest m = multiPartBackup();
  BackupCatalog catalog(*objects, *keyring);
  for (const ManifestPart& part : m.parts) {
    auto original = objects->get(part.key);
    ASSERT_TRUE(original.ok());
    for (size_t at : {size_t{0}, original->size() / 2, original->size() - 1}) {
      std::string damaged = *original;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
      ASSERT_TRUE(objects->put(part.key, damaged).ok());
      expectRefused(catalog, m.id, part.key + " byte " + std::to_string(at));
    }
    ASSERT_TRUE(objects->put(part.key, *original).ok());
  }
  ASSERT_TRUE(catalog.verify(m.id).ok());
}

TEST_F(CatalogTest, FlippedByteOnDiskIsFoundByTheObjectStore) {
  Manifest m = multiPartBackup();
  const fs::path file = dataDir / "objects" / m.parts[1].key;
  std::string bytes = readFile(file);
  bytes[bytes.size() - 100] = static_cast<char>(bytes[bytes.size() - 100] ^ 1);
  writeFile(file, bytes);
  BackupCatalog catalog(*objects, *keyring);
  expectRefused(catalog, m.id, "on-disk flip");
}

// With the manifest rewritten to match a tampered part, the seal itself must catch it.
TEST_F(CatalogTest, TamperedPartWithMatchingManifestFailsAuthentication) {
  Manifest m = multiPartBackup();
  auto part = objects->get(m.parts[2].key);
  ASSERT_TRUE(part.ok());
  std::string damaged = *part;
  damaged[damaged.size() / 3] = static_cast<char>(damaged[damaged.size() / 3] ^ 0x01);
  ASSERT_TRUE(objects->put(m.parts[2].key, damaged).ok());
  m.parts[2].blake2b = blake2bHex(damaged);
  ASSERT_TRUE(objects->put(manifestKey(m.id), encodeManifest(m)).ok());
  BackupCatalog catalog(*objects, *keyring);
  auto report = catalog.verify(m.id);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(report.error().message.find("authentication failed"), std::string::npos)
      << report.error().toString();
}

TEST_F(CatalogTest, FlippedByteAnywhereInTheManifestIsFound) {
  populate();
  auto made = backup();
  ASSERT_TRUE(made.ok());
  const std::string key = manifestKey(made->id);
  auto original = objects->get(key);
  ASSERT_TRUE(original.ok());
  BackupCatalog catalog(*objects, *keyring);
  for (size_t at = 0; at < original->size(); ++at) {
    std::string damaged = *original;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
    ASSERT_TRUE(objects->put(key, damaged).ok());
    auto report = catalog.verify(made->id);
    ASSERT_FALSE(report.ok()) << "byte " << at;
    EXPECT_EQ(report.error().code, ErrorCode::kDataLoss) << "byte " << at;
  }
  const fs::path target = tmp.path() / "target";
  EXPECT_FALSE(catalog.restore(made->id, target).ok());
  EXPECT_FALSE(fs::exists(target));
  auto listed = catalog.list();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

TEST_F(CatalogTest, WrongMasterKeyGivesTheCryptoError) {
  populate();
  auto made = backup();
  ASSERT_TRUE(made.ok());
  auto other = crypto::MasterKey::generate();
  ASSERT_TRUE(other.ok());
  keyring.reset();
  auto wrong = crypto::Keyring::open(*keyStore, std::move(other).value(), clock);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(wrong.error().message.find("master key does not match"), std::string::npos)
      << wrong.error().toString();

  // A keyring of another installation has no key for this backup.
  auto otherStore = store::SqliteStore::open(tmp.file("other-keys.db"));
  ASSERT_TRUE(otherStore.ok());
  auto otherMaster = crypto::MasterKey::generate();
  ASSERT_TRUE(otherMaster.ok());
  auto otherRing = crypto::Keyring::open(**otherStore, std::move(otherMaster).value(), clock);
  ASSERT_TRUE(otherRing.ok());
  BackupCatalog catalog(*objects, **otherRing);
  auto report = catalog.verify(made->id);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().context.find(made->id), std::string::npos) << report.error().toString();
  EXPECT_FALSE(catalog.restore(made->id, tmp.path() / "target").ok());

  // The right key still opens it.
  auto right = crypto::MasterKey::fromEnvironmentValue(Secret(masterText));
  ASSERT_TRUE(right.ok());
  auto ring = crypto::Keyring::open(*keyStore, std::move(right).value(), clock);
  ASSERT_TRUE(ring.ok()) << ring.error().toString();
  BackupCatalog good(*objects, **ring);
  EXPECT_TRUE(good.verify(made->id).ok());
}

// Disaster recovery: the data directory (and its keyring) is gone; what is left is a copy of
// the backups and the master key.
TEST_F(CatalogTest, RestoresFromACopyWithTheMasterKeyAlone) {
  Manifest m = multiPartBackup();
  ASSERT_TRUE(m.dataKey.has_value());
  EXPECT_EQ(m.dataKey->id, m.keyId);
  std::map<std::string, std::vector<std::string>> before;
  {
    TestDb db(dataDir / "pharos.db");
    before = db.dump();
  }
  const fs::path copyDir = tmp.path() / "second";
  fs::copy(dataDir / "objects", copyDir, fs::copy_options::recursive);
  keyring.reset();
  keyStore.reset();
  fs::remove_all(dataDir);
  fs::remove(tmp.path() / "keys.db");

  auto copy = objects::LocalObjectStore::open(copyDir, clock);
  ASSERT_TRUE(copy.ok());
  auto master = crypto::MasterKey::fromEnvironmentValue(Secret(masterText));
  ASSERT_TRUE(master.ok());
  BackupCatalog catalog(**copy, *master);
  auto report = catalog.verify(m.id);
  ASSERT_TRUE(report.ok()) << report.error().toString();
  EXPECT_EQ(report->filesChecked, m.files.size());
  const fs::path target = tmp.path() / "restored";
  Status restored = catalog.restore(m.id, target);
  ASSERT_TRUE(restored.ok()) << restored.error().toString();
  TestDb db(target / "pharos.db");
  EXPECT_EQ(db.dump(), before);

  // Another master key gets a clear answer naming both keys, never garbage.
  auto other = crypto::MasterKey::generate();
  ASSERT_TRUE(other.ok());
  BackupCatalog wrong(**copy, *other);
  auto refused = wrong.verify(m.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find(m.dataKey->masterKeyId), std::string::npos)
      << refused.error().toString();
  EXPECT_NE(refused.error().message.find(other->id()), std::string::npos);
}

TEST_F(CatalogTest, AnotherKeyringWithTheSameMasterKeyOpensTheCarriedKey) {
  populate();
  auto made = backup();
  ASSERT_TRUE(made.ok()) << made.error().toString();
  auto freshStore = store::SqliteStore::open(tmp.file("fresh-keys.db"));
  ASSERT_TRUE(freshStore.ok());
  auto master = crypto::MasterKey::fromEnvironmentValue(Secret(masterText));
  ASSERT_TRUE(master.ok());
  auto fresh = crypto::Keyring::open(**freshStore, std::move(master).value(), clock);
  ASSERT_TRUE(fresh.ok()) << fresh.error().toString();
  BackupCatalog catalog(*objects, **fresh);
  EXPECT_TRUE(catalog.verify(made->id).ok());
}

TEST_F(CatalogTest, AfterMasterRotationTheKeyringStillOpensOldBackups) {
  populate();
  auto made = backup();
  ASSERT_TRUE(made.ok());
  auto next = crypto::MasterKey::generate();
  ASSERT_TRUE(next.ok());
  std::string nextText = next->toText().reveal();
  ASSERT_TRUE(keyring->rotateMaster(std::move(next).value()).ok());
  BackupCatalog withKeyring(*objects, *keyring);
  EXPECT_TRUE(withKeyring.verify(made->id).ok());

  // The manifest's copy is wrapped by the old master key: the new one alone says so.
  auto nextAgain = crypto::MasterKey::fromEnvironmentValue(Secret(nextText));
  ASSERT_TRUE(nextAgain.ok());
  BackupCatalog newKeyOnly(*objects, *nextAgain);
  auto refused = newKeyOnly.verify(made->id);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("rotated"), std::string::npos)
      << refused.error().toString();
  auto old = crypto::MasterKey::fromEnvironmentValue(Secret(masterText));
  ASSERT_TRUE(old.ok());
  BackupCatalog oldKeyOnly(*objects, *old);
  EXPECT_TRUE(oldKeyOnly.verify(made->id).ok());
  // Backups made after the rotation carry the key wrapped by the new master key.
  auto after = backup();
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(newKeyOnly.verify(after->id).ok());
}

TEST_F(CatalogTest, ListNeedsNoKey) {
  populate();
  auto made = backup();
  ASSERT_TRUE(made.ok());
  BackupCatalog catalog(*objects);
  auto listed = catalog.list();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  auto refused = catalog.verify(made->id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(CatalogTest, VerifyErrorsNameTheBackupOnce) {
  Manifest m = multiPartBackup();
  std::string part = *objects->get(m.parts[1].key);
  part[part.size() / 2] ^= 1;
  ASSERT_TRUE(objects->put(m.parts[1].key, part).ok());
  BackupCatalog catalog(*objects, *keyring);
  auto report = catalog.verify(m.id);
  ASSERT_FALSE(report.ok());
  const std::string text = report.error().toString();
  const std::string name = "backup " + m.id;
  auto first = text.find(name);
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find(name, first + 1), std::string::npos) << text;
}

TEST_F(CatalogTest, FormatOneManifestsWithoutACarriedKeyStillRead) {
  populate();
  auto made = backup();
  ASSERT_TRUE(made.ok());
  Manifest old = *made;
  old.format = 1;
  old.dataKey.reset();
  ASSERT_TRUE(objects->put(manifestKey(old.id), encodeManifest(old)).ok());
  auto decoded = decodeManifest(*objects->get(manifestKey(old.id)));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  EXPECT_FALSE(decoded->dataKey.has_value());
  BackupCatalog catalog(*objects, *keyring);
  EXPECT_TRUE(catalog.verify(old.id).ok());
  auto master = crypto::MasterKey::fromEnvironmentValue(Secret(masterText));
  ASSERT_TRUE(master.ok());
  BackupCatalog masterOnly(*objects, *master);
  auto refused = masterOnly.verify(old.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("format 1"), std::string::npos)
      << refused.error().toString();
}

TEST_F(CatalogTest, RestoreRefusesANonEmptyTargetUnlessForced) {
  populate();
  auto made = backup();
  ASSERT_TRUE(made.ok());
  const fs::path target = tmp.path() / "target";
  writeFile(target / "keep.txt", "mine");
  writeFile(target / "pharos.db", "old");
  BackupCatalog catalog(*objects, *keyring);
  Status refused = catalog.restore(made->id, target);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(readFile(target / "pharos.db"), "old");

  Status forced = catalog.restore(made->id, target, {true, {}});
  ASSERT_TRUE(forced.ok()) << forced.error().toString();
  EXPECT_EQ(readFile(target / "keep.txt"), "mine");
  TestDb copy(target / "pharos.db");
  EXPECT_EQ(copy.scalar("SELECT count(*) FROM items"), 500);
  for (const auto& entry : fs::directory_iterator(target)) {
    EXPECT_EQ(entry.path().filename().string().rfind(".pharos-restore-", 0), std::string::npos);
  }
}

TEST_F(CatalogTest, RestoreRefusesNewerSchemas) {
  populate();
  BackupOptions options;
  options.schemaVersions = {{"auth", 3}, {"bus", 1}};
  auto made = backup(options);
  ASSERT_TRUE(made.ok());
  BackupCatalog catalog(*objects, *keyring);
  for (const std::map<std::string, int>& binary :
       std::vector<std::map<std::string, int>>{{{"auth", 2}, {"bus", 1}}, {{"bus", 1}}}) {
    Status refused = catalog.restore(made->id, tmp.path() / "t1", {false, binary});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(refused.error().message.find("auth"), std::string::npos);
  }
  EXPECT_TRUE(
      catalog.restore(made->id, tmp.path() / "t2", {false, {{"auth", 3}, {"bus", 2}}}).ok());
}

TEST_F(CatalogTest, RetentionOverSixtyDailyBackups) {
  {
    TestDb db(dataDir / "pharos.db");
    db.exec("CREATE TABLE t(x)");
  }
  BackupCatalog catalog(*objects, *keyring);
  std::vector<std::string> ids;
  std::vector<std::string> deleted;
  for (int day = 0; day < 60; ++day) {
    {
      TestDb db(dataDir / "pharos.db");
      db.exec("INSERT INTO t VALUES (" + std::to_string(day) + ")");
    }
    auto made = backup();
    ASSERT_TRUE(made.ok()) << made.error().toString();
    ids.push_back(made->id);
    auto gone = catalog.applyRetention(14, std::nullopt, clock.now());
    ASSERT_TRUE(gone.ok()) << gone.error().toString();
    deleted.insert(deleted.end(), gone->begin(), gone->end());
    clock.advance(kDay);
  }
  // Each day deleted exactly the one that fell beyond 14, oldest first.
  EXPECT_EQ(deleted, std::vector<std::string>(ids.begin(), ids.begin() + 46));
  // A backup in progress (no manifest yet) is never touched.
  ASSERT_TRUE(objects->put(partKey("01A00000000000000000000000", 1), "in progress").ok());

  auto kept = [&] {
    std::vector<std::string> out;
    auto listed = catalog.list();
    EXPECT_TRUE(listed.ok());
    for (const Manifest& m : *listed)
      out.insert(out.begin(), m.id);
    return out;
  };
  EXPECT_EQ(kept(), std::vector<std::string>(ids.begin() + 46, ids.end()));

  // Now (the morning after day 59) backups are 1..14 days old: keep those at most 5 days old.
  auto aged = catalog.applyRetention(std::nullopt, Millis(5 * kDay), clock.now());
  ASSERT_TRUE(aged.ok());
  EXPECT_EQ(*aged, std::vector<std::string>(ids.begin() + 46, ids.begin() + 55));
  EXPECT_EQ(kept(), std::vector<std::string>(ids.begin() + 55, ids.end()));

  // Both limits: beyond 3 or older than 5 days.
  auto both = catalog.applyRetention(3, Millis(5 * kDay), clock.now());
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(kept(), std::vector<std::string>(ids.begin() + 57, ids.end()));

  // Everything is too old a year later, and yet the newest stays.
  clock.advance(365 * kDay);
  auto all = catalog.applyRetention(0, Millis(0), clock.now());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(kept(), std::vector<std::string>{ids.back()});
  EXPECT_TRUE(objects->stat(partKey("01A00000000000000000000000", 1)).ok());
  EXPECT_TRUE(catalog.verify(ids.back()).ok());
  auto leftovers = objects->list("backups/" + ids.front());
  ASSERT_TRUE(leftovers.ok());
  EXPECT_TRUE(leftovers->empty());
}

}  // namespace
}  // namespace pharos::backup::testing
