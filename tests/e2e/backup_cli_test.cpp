// `pharos keys init-master|rotate-master|rotate-data|data-list` and `pharos backup
// create|list|verify|restore` as an operator runs them: the real binary on a real data
// directory, its backups in DATA/objects/backups.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "fakes/temp_dir.h"
#include "process.h"

namespace pharos::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> pharos(std::vector<std::string> args) {
  args.insert(args.begin(), PHAROS_BINARY);
  return args;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A config naming `keyFile` as the master key, with small parts so a backup has several.
std::string configWithKey(const TempDir& dir, const std::string& name, const std::string& keyFile) {
  std::string path = dir.file(name);
  writeFile(path, "crypto:\n  master_key_file: " + keyFile +
                      "\nbackup:\n  retention_count: 5\n  part_size: 64KiB\n");
  return path;
}

std::string makeMasterKey(const std::string& path) {
  auto [code, out] = run(pharos({"keys", "init-master", path}));
  EXPECT_EQ(code, 0) << out;
  return out;
}

// A data directory with one API key in its store and a file large enough for several parts.
// The key is made with `config`'s master key: its salt is sealed with the keyring, which is
// then wrapped by that key (without one, dev would make DATA/master.key and wrap it by that).
std::string makeDataDir(const TempDir& dir, const std::string& config) {
  std::string data = dir.file("data");
  auto [code, out] = run(pharos(
      {"keys", "create", "--role", "admin", "--name", "ops", "--config", config, "--data", data}));
  EXPECT_EQ(code, 0) << out;
  std::smatch m;
  EXPECT_TRUE(std::regex_search(out, m, std::regex("id    ([0-9a-z]{12})"))) << out;
  std::string blob;
  // Incompressible (xorshift), so the stored backup spans several 64 KiB parts.
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < 300'000; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    blob.push_back(static_cast<char>(x & 0xff));
  }
  writeFile(fs::path(data) / "blob.bin", blob);
  return m[1];
}

std::string backupIdIn(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("backup ([0-9A-Z]{26}) created"))) return {};
  return m[1];
}

// A data directory, a master key, a config naming it, and one backup taken of it.
struct BackedUp {
  std::string key, data, config, id;
};

BackedUp backedUp(const TempDir& dir) {
  BackedUp b{dir.file("master.key"), dir.file("data"), "", ""};
  makeMasterKey(b.key);
  b.config = configWithKey(dir, "pharos.yaml", b.key);
  makeDataDir(dir, b.config);
  auto [code, out] = run(pharos({"backup", "create", "--config", b.config, "--data", b.data}));
  EXPECT_EQ(code, 0) << out;
  b.id = backupIdIn(out);
  EXPECT_FALSE(b.id.empty()) << out;
  return b;
}

TEST(BackupCliTest, InitMasterMakesAPrivateFileAndNeverOverwrites) {
  TempDir dir;
  std::string key = dir.file("master.key");
  std::string out = makeMasterKey(key);
  EXPECT_NE(out.find("mode 0600"), std::string::npos) << out;
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string first = readFile(key);
  EXPECT_TRUE(std::regex_match(first, std::regex("[0-9a-f]{64}\n?"))) << first;

  auto [again, refused] = run(pharos({"keys", "init-master", key}));
  EXPECT_EQ(again, 1) << refused;
  EXPECT_NE(refused.find("already exists"), std::string::npos) << refused;
  EXPECT_EQ(readFile(key), first);
}

TEST(BackupCliTest, AWideKeyFileIsRefusedWithTheFix) {
  TempDir dir;
  std::string key = dir.file("master.key");
  makeMasterKey(key);
  std::string config = configWithKey(dir, "pharos.yaml", key);
  makeDataDir(dir, config);
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  auto [code, out] =
      run(pharos({"backup", "create", "--config", config, "--data", dir.file("data")}));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("chmod 600"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir.path() / "data" / "objects" / "backups"));
}

TEST(BackupCliTest, NoMasterKeyNamesBothSources) {
  TempDir dir;
  std::string key = dir.file("master.key");
  makeMasterKey(key);
  makeDataDir(dir, configWithKey(dir, "pharos.yaml", key));
  auto [code, out] =
      run(pharos({"backup", "verify", "01J00000000000000000000000", "--data", dir.file("data")}));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("crypto.master_key_file"), std::string::npos) << out;
  EXPECT_NE(out.find("PHAROS_MASTER_KEY"), std::string::npos) << out;
}

TEST(BackupCliTest, CreateListVerifyRestoreKeepsTheApiKeys) {
  TempDir dir;
  std::string key = dir.file("master.key");
  makeMasterKey(key);
  std::string config = configWithKey(dir, "pharos.yaml", key);
  std::string apiKeyId = makeDataDir(dir, config);
  std::string data = dir.file("data");

  auto [code, out] = run(pharos({"backup", "create", "--config", config, "--data", data}));
  ASSERT_EQ(code, 0) << out;
  std::string id = backupIdIn(out);
  ASSERT_FALSE(id.empty()) << out;
  // Not a terminal: plain progress lines, the last one at 100%.
  EXPECT_NE(out.find("backup: 100%"), std::string::npos) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("stored in [2-9][0-9]* part\\(s\\)"))) << out;

  auto [listCode, listed] = run(pharos({"backup", "list", "--config", config, "--data", data}));
  ASSERT_EQ(listCode, 0) << listed;
  EXPECT_NE(listed.find("\n" + id + " "), std::string::npos) << listed;

  auto [verifyCode, verified] =
      run(pharos({"backup", "verify", id, "--config", config, "--data", data}));
  ASSERT_EQ(verifyCode, 0) << verified;
  EXPECT_NE(verified.find("backup " + id + " ok"), std::string::npos) << verified;

  std::string restored = dir.file("restored");
  auto [restoreCode, restoreOut] = run(
      pharos({"backup", "restore", id, "--target", restored, "--config", config, "--data", data}));
  ASSERT_EQ(restoreCode, 0) << restoreOut;
  EXPECT_EQ(readFile(fs::path(restored) / "blob.bin"), readFile(fs::path(data) / "blob.bin"));
  EXPECT_TRUE(fs::exists(fs::path(restored) / "config" / "pharos.yaml"));

  // The restored store is a working one with the same API keys (listing needs no master key).
  auto [keysCode, keys] = run(pharos({"keys", "list", "--data", restored}));
  ASSERT_EQ(keysCode, 0) << keys;
  EXPECT_NE(keys.find("\n" + apiKeyId + " "), std::string::npos) << keys;
  EXPECT_NE(keys.find("ops"), std::string::npos) << keys;

  // Restoring over it again is refused without --force, and allowed with it.
  auto [againCode, again] = run(
      pharos({"backup", "restore", id, "--target", restored, "--config", config, "--data", data}));
  EXPECT_EQ(againCode, 1) << again;
  EXPECT_NE(again.find("not empty"), std::string::npos) << again;
  EXPECT_NE(again.find("--force"), std::string::npos) << again;
  auto [forceCode, forced] = run(pharos({"backup", "restore", id, "--target", restored, "--force",
                                         "--config", config, "--data", data}));
  EXPECT_EQ(forceCode, 0) << forced;
}

// The data directory is lost; a copy of its backups (the second target) and the master key
// are all that is left.
TEST(BackupCliTest, RestoresFromACopyWithTheMasterKeyAlone) {
  TempDir dir;
  auto [key, data, config, id] = backedUp(dir);
  ASSERT_FALSE(id.empty());
  std::string blob = readFile(fs::path(data) / "blob.bin");
  std::string copy = dir.file("copy");
  fs::copy(fs::path(data) / "objects", copy, fs::copy_options::recursive);
  fs::remove_all(data);

  // Listing reads only the manifests: no key needed.
  auto [listCode, listed] = run(pharos({"backup", "list", "--from", copy, "--data", data}));
  ASSERT_EQ(listCode, 0) << listed;
  EXPECT_NE(listed.find("\n" + id + " "), std::string::npos) << listed;

  std::string restored = dir.file("restored");
  auto [restoreCode, restoreOut] = run(pharos({"backup", "restore", id, "--from", copy, "--target",
                                               restored, "--config", config, "--data", data}));
  ASSERT_EQ(restoreCode, 0) << restoreOut;
  EXPECT_EQ(readFile(fs::path(restored) / "blob.bin"), blob);
  EXPECT_FALSE(fs::exists(data)) << "restoring from a copy must not create the lost directory";

  auto [missingCode, missing] =
      run(pharos({"backup", "list", "--from", dir.file("nowhere"), "--data", data}));
  EXPECT_EQ(missingCode, 1) << missing;
  EXPECT_NE(missing.find("--from"), std::string::npos) << missing;
}

TEST(BackupCliTest, AFlippedByteInAPartFailsVerify) {
  TempDir dir;
  auto [key, data, config, id] = backedUp(dir);
  ASSERT_FALSE(id.empty());

  fs::path part = fs::path(data) / "objects" / "backups" / id / "part-00002";
  ASSERT_TRUE(fs::exists(part)) << part;
  std::string bytes = readFile(part);
  ASSERT_GT(bytes.size(), 1000u);
  bytes[bytes.size() / 2] ^= 0x01;
  writeFile(part, bytes);

  auto [verifyCode, verified] =
      run(pharos({"backup", "verify", id, "--config", config, "--data", data}));
  EXPECT_EQ(verifyCode, 1) << verified;
  EXPECT_NE(verified.find("backup " + id + " FAILED"), std::string::npos) << verified;
  EXPECT_NE(verified.find("part-00002"), std::string::npos) << verified;

  // A damaged backup restores nothing.
  std::string restored = dir.file("restored");
  auto [restoreCode, restoreOut] = run(
      pharos({"backup", "restore", id, "--target", restored, "--config", config, "--data", data}));
  EXPECT_EQ(restoreCode, 1) << restoreOut;
  EXPECT_FALSE(fs::exists(fs::path(restored) / "pharos.db"));
}

TEST(BackupCliTest, RotateMasterThenOnlyTheNewKeyOpensTheBackups) {
  TempDir dir;
  std::string oldKey = dir.file("old.key"), newKey = dir.file("new.key");
  makeMasterKey(oldKey);
  makeMasterKey(newKey);
  std::string oldConfig = configWithKey(dir, "old.yaml", oldKey);
  std::string newConfig = configWithKey(dir, "new.yaml", newKey);
  makeDataDir(dir, oldConfig);
  std::string data = dir.file("data");

  auto [code, out] = run(pharos({"backup", "create", "--config", oldConfig, "--data", data}));
  ASSERT_EQ(code, 0) << out;
  std::string id = backupIdIn(out);
  ASSERT_FALSE(id.empty()) << out;

  auto [rotateCode, rotated] = run(pharos(
      {"keys", "rotate-master", "--new-key-file", newKey, "--config", oldConfig, "--data", data}));
  ASSERT_EQ(rotateCode, 0) << rotated;
  EXPECT_NE(rotated.find("crypto.master_key_file: " + fs::absolute(newKey).string()),
            std::string::npos)
      << rotated;

  auto [newCode, newOut] =
      run(pharos({"backup", "verify", id, "--config", newConfig, "--data", data}));
  EXPECT_EQ(newCode, 0) << newOut;
  auto [oldCode, oldOut] =
      run(pharos({"backup", "verify", id, "--config", oldConfig, "--data", data}));
  EXPECT_EQ(oldCode, 1) << oldOut;
  EXPECT_NE(oldOut.find("master key does not match"), std::string::npos) << oldOut;

  // Without a key file in the config, PHAROS_MASTER_KEY is the fallback.
  std::string newText = readFile(newKey);
  while (!newText.empty() && newText.back() == '\n')
    newText.pop_back();
  auto [envCode, envOut] =
      run(pharos({"backup", "verify", id, "--data", data}), {"PHAROS_MASTER_KEY=" + newText});
  EXPECT_EQ(envCode, 0) << envOut;
}

TEST(BackupCliTest, RotateDataStartsANewCurrentKey) {
  TempDir dir;
  std::string key = dir.file("master.key");
  makeMasterKey(key);
  std::string config = configWithKey(dir, "pharos.yaml", key);
  makeDataDir(dir, config);
  std::string data = dir.file("data");
  auto [code, out] = run(pharos({"backup", "create", "--config", config, "--data", data}));
  ASSERT_EQ(code, 0) << out;
  std::string id = backupIdIn(out);

  auto [rotateCode, rotated] =
      run(pharos({"keys", "rotate-data", "backups", "--config", config, "--data", data}));
  ASSERT_EQ(rotateCode, 0) << rotated;
  EXPECT_NE(rotated.find("generation 2"), std::string::npos) << rotated;

  auto [listCode, listed] = run(pharos({"keys", "data-list", "--config", config, "--data", data}));
  ASSERT_EQ(listCode, 0) << listed;
  EXPECT_TRUE(std::regex_search(listed, std::regex(R"(backups +1 +\S+ \S+ +no)"))) << listed;
  EXPECT_TRUE(std::regex_search(listed, std::regex(R"(backups +2 +\S+ \S+ +yes)"))) << listed;

  // The backup sealed with the old data key still verifies.
  auto [verifyCode, verified] =
      run(pharos({"backup", "verify", id, "--config", config, "--data", data}));
  EXPECT_EQ(verifyCode, 0) << verified;

  auto [badCode, bad] =
      run(pharos({"keys", "rotate-data", "passwords", "--config", config, "--data", data}));
  EXPECT_NE(badCode, 0) << bad;
  EXPECT_NE(bad.find("secrets"), std::string::npos) << bad;
}

TEST(BackupCliTest, RotationsRefuseWhileTheDataDirectoryIsLocked) {
  TempDir dir;
  std::string oldKey = dir.file("old.key"), newKey = dir.file("new.key");
  makeMasterKey(oldKey);
  makeMasterKey(newKey);
  std::string config = configWithKey(dir, "pharos.yaml", oldKey);
  makeDataDir(dir, config);
  std::string data = dir.file("data");
  // Holds the lock as a running server does (DataDirLock: flock on DATA/LOCK).
  int fd = ::open((fs::path(data) / "LOCK").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  auto [code, out] = run(pharos(
      {"keys", "rotate-master", "--new-key-file", newKey, "--config", config, "--data", data}));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("stop the server first"), std::string::npos) << out;
  auto [dataCode, dataOut] =
      run(pharos({"keys", "rotate-data", "secrets", "--config", config, "--data", data}));
  EXPECT_EQ(dataCode, 1) << dataOut;
  // A backup runs beside the server: it does not need the lock.
  auto [backupCode, backupOut] =
      run(pharos({"backup", "create", "--config", config, "--data", data}));
  EXPECT_EQ(backupCode, 0) << backupOut;
  ::close(fd);
  // The old key still opens the keyring: nothing was rotated.
  auto [listCode, listed] = run(pharos({"keys", "data-list", "--config", config, "--data", data}));
  EXPECT_EQ(listCode, 0) << listed;
}

}  // namespace
}  // namespace pharos::testing
