// `pharos keys` as an operator uses it: create, list, revoke against a data directory.
#include <gtest/gtest.h>

#include <regex>

#include "fakes/temp_dir.h"
#include "process.h"

namespace pharos::testing {
namespace {

std::vector<std::string> keys(const TempDir& dir, std::vector<std::string> args) {
  std::vector<std::string> argv{PHAROS_BINARY, "keys"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--data", dir.path().string()});
  return argv;
}

// The line of `keys list` that starts with `id`.
std::string lineOf(const std::string& listing, const std::string& id) {
  size_t at = listing.find("\n" + id + " ");
  if (at == std::string::npos) return {};
  size_t end = listing.find('\n', at + 1);
  return listing.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
}

TEST(KeysCliTest, CreateListRevoke) {
  TempDir dir;
  auto [code, out] = run(keys(dir, {"create", "--role", "editor", "--name", "deploy-bot"}));
  ASSERT_EQ(code, 0) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("phk_([0-9a-z]{12})_([0-9a-f]{64})"))) << out;
  std::string id = m[1], secret = m[2];
  EXPECT_NE(out.find("not be shown again"), std::string::npos) << out;
  EXPECT_NE(out.find("id    " + id), std::string::npos) << out;
  EXPECT_NE(out.find("name  deploy-bot"), std::string::npos) << out;
  EXPECT_NE(out.find("role  editor"), std::string::npos) << out;

  auto [listCode, listed] = run(keys(dir, {"list"}));
  ASSERT_EQ(listCode, 0) << listed;
  EXPECT_NE(listed.find("LAST USED"), std::string::npos) << listed;
  std::string line = lineOf(listed, id);
  ASSERT_FALSE(line.empty()) << listed;
  EXPECT_NE(line.find("deploy-bot"), std::string::npos) << line;
  EXPECT_NE(line.find("editor"), std::string::npos) << line;
  EXPECT_EQ(line.substr(line.size() - 1), "-") << line;  // not revoked
  EXPECT_EQ(listed.find(secret), std::string::npos) << listed;
  EXPECT_EQ(listed.find("phk_"), std::string::npos) << listed;

  auto [revokeCode, revoked] = run(keys(dir, {"revoke", id}));
  ASSERT_EQ(revokeCode, 0) << revoked;
  EXPECT_NE(revoked.find("revoked API key " + id), std::string::npos) << revoked;

  auto [again, listedAgain] = run(keys(dir, {"list"}));
  ASSERT_EQ(again, 0) << listedAgain;
  line = lineOf(listedAgain, id);
  // The last column now holds the revocation time instead of "-".
  EXPECT_TRUE(std::regex_search(line, std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$)"))) << line;

  auto [missingCode, missing] = run(keys(dir, {"revoke", "nosuchkey000"}));
  EXPECT_EQ(missingCode, 1) << missing;
  EXPECT_NE(missing.find("no API key with id 'nosuchkey000'"), std::string::npos) << missing;
}

TEST(KeysCliTest, BadRoleFailsClearlyAndCreatesNothing) {
  TempDir dir;
  auto [code, out] = run(keys(dir, {"create", "--role", "superuser", "--name", "x"}));
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("unknown role 'superuser'"), std::string::npos) << out;
  EXPECT_NE(out.find("viewer, ingest, editor, admin"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "pharos.db"));

  auto [listCode, listed] = run(keys(dir, {"list"}));
  EXPECT_EQ(listCode, 0) << listed;
  EXPECT_NE(listed.find("no API keys"), std::string::npos) << listed;
}

TEST(KeysCliTest, HelpShowsTheCommonOptions) {
  for (const char* sub : {"create", "list", "revoke"}) {
    auto [code, out] = run({PHAROS_BINARY, "keys", sub, "--help"});
    EXPECT_EQ(code, 0) << sub;
    for (const char* opt : {"--config", "--env", "--data"})
      EXPECT_NE(out.find(opt), std::string::npos) << sub << ": " << out;
  }
}

}  // namespace
}  // namespace pharos::testing
