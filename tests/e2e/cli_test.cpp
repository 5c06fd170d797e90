// The command line as a user meets it: exit codes and what is printed.
#include <gtest/gtest.h>

#include <fstream>

#include "fakes/temp_dir.h"
#include "process.h"

namespace pharos::testing {
namespace {

TEST(CliTest, VersionPrintsVersionCommitAndBuildType) {
  auto [code, out] = run({PHAROS_BINARY, "version"});
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out.rfind("pharos ", 0), 0u) << out;
  EXPECT_NE(out.find("commit "), std::string::npos) << out;
  EXPECT_NE(out.find(" build)"), std::string::npos) << out;
}

TEST(CliTest, ConfigCheckReportsEveryProblemWithPosition) {
  TempDir dir;
  std::string file = dir.file("bad.yaml");
  std::ofstream(file) << "server:\n  listn: 0.0.0.0:80\nbus:\n  max_receives: 0\n";
  auto [code, out] = run({PHAROS_BINARY, "config", "check", file});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find(file + ":2:3: unknown key 'listn' in server (did you mean 'listen'?)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(file + ":4:17: bus.max_receives: 0 is out of range [1, 1000]"),
            std::string::npos)
      << out;
}

TEST(CliTest, ConfigCheckSummarisesAGoodFile) {
  auto [code, out] = run(
      {PHAROS_BINARY, "config", "check", std::string(PHAROS_SOURCE_DIR) + "/examples/pharos.yaml"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find(": ok"), std::string::npos) << out;
  EXPECT_NE(out.find("env        dev"), std::string::npos) << out;
}

TEST(CliTest, SecretsNeverReachTheOutput) {
  TempDir dir;
  std::string file = dir.file("secret.yaml");
  std::ofstream(file) << "auth:\n  bootstrap_key: ${BOOT}\nserver:\n  listen: ${BOOT}\n";
  auto [code, out] = run({PHAROS_BINARY, "config", "check", file}, {"BOOT=sup3r-s3cret-t0ken"});
  EXPECT_EQ(code, 1);  // the listen address is invalid
  EXPECT_EQ(out.find("sup3r-s3cret-t0ken"), std::string::npos) << out;
}

TEST(CliTest, EnvironmentVariableSelectsTheEnvironment) {
  TempDir dir;
  std::string file = dir.file("empty.yaml");
  std::ofstream(file) << "";
  auto [code, out] = run({PHAROS_BINARY, "config", "check", file}, {"PHAROS_ENV=prod"});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("prod requires TLS"), std::string::npos) << out;
  auto [code2, out2] =
      run({PHAROS_BINARY, "config", "check", file, "--env", "dev"}, {"PHAROS_ENV=prod"});
  EXPECT_EQ(code2, 0) << out2;
}

TEST(CliTest, HelpAndUsageErrors) {
  for (const char* cmd : {"serve", "version"}) {
    auto [code, out] = run({PHAROS_BINARY, cmd, "--help"});
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find("--config"), std::string::npos) << out;
    EXPECT_NE(out.find("--env"), std::string::npos) << out;
    EXPECT_NE(out.find("--data"), std::string::npos) << out;
  }
  auto [serveCode, serveHelp] = run({PHAROS_BINARY, "serve", "--help"});
  EXPECT_NE(serveHelp.find("--listen"), std::string::npos);
  EXPECT_NE(serveHelp.find("--syslog"), std::string::npos);
  EXPECT_NE(run({PHAROS_BINARY, "serve", "--bogus"}).first, 0);
  EXPECT_NE(run({PHAROS_BINARY}).first, 0);
}

}  // namespace
}  // namespace pharos::testing
