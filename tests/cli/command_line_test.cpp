#include "cli/command_line.h"

#include <gtest/gtest.h>

#include <vector>

namespace pharos::cli {
namespace {

ParseOutcome parse(std::vector<const char*> args) {
  args.insert(args.begin(), "pharos");
  return parseCommandLine(static_cast<int>(args.size()), args.data());
}

TEST(CommandLineTest, ServeTakesCommonAndServeFlags) {
  ParseOutcome out = parse({"serve", "--config", "p.yaml", "--env", "staging", "--data", "/d",
                            "--listen", "127.0.0.1:1", "--syslog", "127.0.0.1:2"});
  ASSERT_TRUE(out.invocation);
  const Invocation& inv = *out.invocation;
  EXPECT_EQ(inv.command, Command::kServe);
  EXPECT_EQ(inv.configFile, "p.yaml");
  EXPECT_EQ(inv.load.env, config::Environment::kStaging);
  EXPECT_EQ(inv.load.dataDir, "/d");
  EXPECT_EQ(inv.load.listen, "127.0.0.1:1");
  EXPECT_EQ(inv.load.syslogListen, "127.0.0.1:2");
}

TEST(CommandLineTest, ServeAloneNeedsNothing) {
  ParseOutcome out = parse({"serve"});
  ASSERT_TRUE(out.invocation);
  EXPECT_FALSE(out.invocation->configFile);
  EXPECT_FALSE(out.invocation->load.env);
}

TEST(CommandLineTest, ConfigCheckTakesAFile) {
  ParseOutcome out = parse({"config", "check", "x.yaml", "--env", "prod"});
  ASSERT_TRUE(out.invocation);
  EXPECT_EQ(out.invocation->command, Command::kConfigCheck);
  EXPECT_EQ(out.invocation->configFile, "x.yaml");
  EXPECT_EQ(out.invocation->load.env, config::Environment::kProd);
  EXPECT_FALSE(parse({"config", "check"}).invocation);
}

TEST(CommandLineTest, RejectsUnknownThings) {
  EXPECT_NE(parse({"serve", "--env", "moon"}).exitCode, 0);
  EXPECT_NE(parse({"serve", "--bogus"}).exitCode, 0);
  EXPECT_NE(parse({"fly"}).exitCode, 0);
  EXPECT_NE(parse({"version", "--listen", "x:1"}).exitCode, 0);  // --listen is serve's only
  EXPECT_NE(parse({}).exitCode, 0);
}

TEST(CommandLineTest, KeysCreateTakesRoleNameAndCommonFlags) {
  ParseOutcome out = parse({"keys", "create", "--role", "editor", "--name", "deploy bot", "--data",
                            "/d", "--env", "staging", "--config", "p.yaml"});
  ASSERT_TRUE(out.invocation);
  const Invocation& inv = *out.invocation;
  EXPECT_EQ(inv.command, Command::kKeysCreate);
  EXPECT_EQ(inv.keyRole, "editor");
  EXPECT_EQ(inv.keyName, "deploy bot");
  EXPECT_EQ(inv.load.dataDir, "/d");
  EXPECT_EQ(inv.load.env, config::Environment::kStaging);
  EXPECT_EQ(inv.configFile, "p.yaml");
}

TEST(CommandLineTest, KeysCreateNeedsAKnownRoleAndAName) {
  for (const char* role : {"viewer", "ingest", "editor", "admin"}) {
    EXPECT_TRUE(parse({"keys", "create", "--role", role, "--name", "n"}).invocation) << role;
  }
  ParseOutcome bad = parse({"keys", "create", "--role", "root", "--name", "n"});
  EXPECT_FALSE(bad.invocation);
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(parse({"keys", "create", "--role", "Admin", "--name", "n"}).exitCode, 0);
  EXPECT_NE(parse({"keys", "create", "--name", "n"}).exitCode, 0);
  EXPECT_NE(parse({"keys", "create", "--role", "admin"}).exitCode, 0);
}

TEST(CommandLineTest, KeysListAndRevoke) {
  ParseOutcome list = parse({"keys", "list", "--data", "/d"});
  ASSERT_TRUE(list.invocation);
  EXPECT_EQ(list.invocation->command, Command::kKeysList);
  EXPECT_EQ(list.invocation->load.dataDir, "/d");

  ParseOutcome revoke = parse({"keys", "revoke", "abc123def456", "--env", "prod"});
  ASSERT_TRUE(revoke.invocation);
  EXPECT_EQ(revoke.invocation->command, Command::kKeysRevoke);
  EXPECT_EQ(revoke.invocation->keyId, "abc123def456");
  EXPECT_EQ(revoke.invocation->load.env, config::Environment::kProd);

  EXPECT_NE(parse({"keys", "revoke"}).exitCode, 0);  // the id is required
  EXPECT_NE(parse({"keys"}).exitCode, 0);
  EXPECT_NE(parse({"keys", "rotate"}).exitCode, 0);
  EXPECT_NE(parse({"keys", "list", "--role", "admin"}).exitCode, 0);  // create's only
}

TEST(CommandLineTest, LogsArchiveCatTakesObjectsInOrderAndAFormat) {
  ParseOutcome out = parse(
      {"logs", "archive", "cat", "b.pla", "a.zst.sealed", "--format", "json", "--data", "/d"});
  ASSERT_TRUE(out.invocation);
  const Invocation& inv = *out.invocation;
  EXPECT_EQ(inv.command, Command::kLogsArchiveCat);
  EXPECT_EQ(inv.archiveObjects, (std::vector<std::string>{"b.pla", "a.zst.sealed"}));
  EXPECT_EQ(inv.archiveFormat, "json");
  EXPECT_EQ(inv.load.dataDir, "/d");
  EXPECT_EQ(parse({"logs", "archive", "cat", "x.pla"}).invocation->archiveFormat, "raw");

  EXPECT_NE(parse({"logs", "archive", "cat"}).exitCode, 0);  // an object is required
  EXPECT_NE(parse({"logs", "archive", "cat", "x.pla", "--format", "csv"}).exitCode, 0);
  EXPECT_NE(parse({"logs", "archive"}).exitCode, 0);
}

TEST(CommandLineTest, HelpExitsZero) {
  ParseOutcome out = parse({"serve", "--help"});
  EXPECT_FALSE(out.invocation);
  EXPECT_EQ(out.exitCode, 0);
}

}  // namespace
}  // namespace pharos::cli
