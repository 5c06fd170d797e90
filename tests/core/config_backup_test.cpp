// The `crypto:` and `backup:` sections: defaults, every field, and errors with positions.
#include <gtest/gtest.h>

#include "core/config/loader.h"

namespace pharos::config {
namespace {

LoadOutcome load(std::string_view yaml) {
  LoadOptions options;
  options.lookupEnv = [](const std::string&) -> std::optional<std::string> { return {}; };
  return loadConfigString(yaml, "pharos.yaml", options);
}

std::string allErrors(const LoadOutcome& out) {
  std::string all;
  for (const auto& d : out.diagnostics)
    all += d.toString() + "\n";
  return all;
}

TEST(ConfigBackupTest, DefaultsAreTheSameInEveryEnvironment) {
  for (Environment env : {Environment::kDev, Environment::kStaging, Environment::kProd}) {
    Config c = defaultsFor(env);
    EXPECT_TRUE(c.crypto.masterKeyFile.empty());
    EXPECT_EQ(c.backup.retentionCount, 30);
    EXPECT_EQ(c.backup.retentionAge, Millis(30LL * 86'400'000));
    EXPECT_EQ(c.backup.partSize, int64_t{64} << 20);
    EXPECT_TRUE(c.backup.secondTarget.empty());
  }
  // Scheduled backups are on by default where a server holds data that matters.
  EXPECT_EQ(defaultsFor(Environment::kDev).backup.schedule, "");
  EXPECT_EQ(defaultsFor(Environment::kStaging).backup.schedule, "@daily");
  EXPECT_EQ(defaultsFor(Environment::kProd).backup.schedule, "@daily");
}

TEST(ConfigBackupTest, ScheduleIsCronOrOff) {
  LoadOutcome out = load("env: prod\nbackup:\n  schedule: '30 2 * * *'\n  second_target: /mnt/b\n");
  EXPECT_EQ(out.config.backup.schedule, "30 2 * * *");
  EXPECT_EQ(out.config.backup.secondTarget, "/mnt/b");
  LoadOutcome off = load("env: prod\nbackup:\n  schedule: off\n");
  EXPECT_EQ(off.config.backup.schedule, "");
  LoadOutcome bad = load("backup:\n  schedule: '0 25 * * *'\n");
  ASSERT_EQ(bad.diagnostics.size(), 1u) << allErrors(bad);
  std::string text = bad.diagnostics[0].toString();
  EXPECT_EQ(text.rfind("pharos.yaml:2:13: backup.schedule: ", 0), 0u) << text;
  EXPECT_NE(text.find("hour"), std::string::npos) << text;
  EXPECT_NE(text.find("\"off\""), std::string::npos) << text;
}

TEST(ConfigBackupTest, ReadsEveryField) {
  LoadOutcome out = load(R"(
crypto:
  master_key_file: /etc/pharos/master.key
backup:
  retention_count: 7
  retention_age: 14d
  part_size: 8MiB
)");
  ASSERT_TRUE(out.ok()) << allErrors(out);
  EXPECT_EQ(out.config.crypto.masterKeyFile, "/etc/pharos/master.key");
  EXPECT_EQ(out.config.backup.retentionCount, 7);
  EXPECT_EQ(out.config.backup.retentionAge, Millis(14LL * 86'400'000));
  EXPECT_EQ(out.config.backup.partSize, int64_t{8} << 20);
}

TEST(ConfigBackupTest, ArchiveEncryptionIsOnInProdOnly) {
  EXPECT_FALSE(defaultsFor(Environment::kDev).crypto.encryptArchive);
  EXPECT_FALSE(defaultsFor(Environment::kStaging).crypto.encryptArchive);
  EXPECT_TRUE(defaultsFor(Environment::kProd).crypto.encryptArchive);

  LoadOutcome on = load("crypto:\n  encrypt_archive: true\n");
  ASSERT_TRUE(on.ok()) << allErrors(on);
  EXPECT_TRUE(on.config.crypto.encryptArchive);
  LoadOutcome off = load("env: prod\ncrypto:\n  encrypt_archive: false\n");
  EXPECT_FALSE(off.config.crypto.encryptArchive);
  LoadOutcome bad = load("crypto:\n  encrypt_archive: maybe\n");
  ASSERT_EQ(bad.diagnostics.size(), 1u) << allErrors(bad);
  EXPECT_EQ(bad.diagnostics[0].line, 2);
}

TEST(ConfigBackupTest, PartSizeTakesPlainBytes) {
  LoadOutcome out = load("backup:\n  part_size: 1048576\n");
  ASSERT_TRUE(out.ok()) << allErrors(out);
  EXPECT_EQ(out.config.backup.partSize, 1 << 20);
}

TEST(ConfigBackupTest, UnknownKeysHavePositionAndSuggestion) {
  LoadOutcome out = load("crypto:\n  master_keyfile: k\nbackup:\n  retention_cuont: 3\n");
  ASSERT_EQ(out.diagnostics.size(), 2u) << allErrors(out);
  EXPECT_EQ(out.diagnostics[0].toString(),
            "pharos.yaml:2:3: unknown key 'master_keyfile' in crypto (did you mean "
            "'master_key_file'?)");
  EXPECT_EQ(out.diagnostics[1].toString(),
            "pharos.yaml:4:3: unknown key 'retention_cuont' in backup (did you mean "
            "'retention_count'?)");
}

TEST(ConfigBackupTest, ReportsBadValuesWithPositions) {
  LoadOutcome out = load(R"(backup:
  retention_count: 0
  retention_age: 1m
  part_size: 100
)");
  ASSERT_EQ(out.diagnostics.size(), 3u) << allErrors(out);
  EXPECT_EQ(out.diagnostics[0].line, 2);
  EXPECT_NE(out.diagnostics[0].toString().find("backup.retention_count: 0 is out of range"),
            std::string::npos)
      << allErrors(out);
  EXPECT_EQ(out.diagnostics[1].line, 3);
  EXPECT_NE(out.diagnostics[1].toString().find("backup.retention_age"), std::string::npos);
  EXPECT_EQ(out.diagnostics[2].line, 4);
  EXPECT_NE(out.diagnostics[2].toString().find("backup.part_size: 100 is out of range"),
            std::string::npos)
      << allErrors(out);
}

}  // namespace
}  // namespace pharos::config
