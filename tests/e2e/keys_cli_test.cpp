// `pharos keys` as an operator uses it: create, list, revoke against a data directory.
#include <gtest/gtest.h>

#include <regex>

#include "fakes/http_client.h"
#include "fakes/temp_dir.h"
#include "pharos_server.h"
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

  // The key was made offline, its salt sealed with the keyring under the dev master key that
  // `create` made as the server would (DATA/master.key): the server opens it and accepts it.
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "master.key"));
  Server server(dir.path().string());
  ASSERT_NE(server.port(), 0) << server.process().output();
  EXPECT_TRUE(server.adminKey().empty()) << "a key exists: no admin key is made";
  std::string auth = "Authorization: Bearer " + std::string(m[0]) + "\r\n";
  auto accepted = httpGet(server.port(), "/api/v1/checks", auth);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200) << accepted->body;
  std::string wrong = "phk_" + id + "_" + std::string(64, '0');
  auto refused =
      httpGet(server.port(), "/api/v1/checks", "Authorization: Bearer " + wrong + "\r\n");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);

  // Revoked offline while the server runs: it stops authenticating at once.
  auto [revokeCode, revoked] = run(keys(dir, {"revoke", id}));
  ASSERT_EQ(revokeCode, 0) << revoked;
  EXPECT_NE(revoked.find("revoked API key " + id), std::string::npos) << revoked;
  auto afterRevoke = httpGet(server.port(), "/api/v1/checks", auth);
  ASSERT_TRUE(afterRevoke);
  EXPECT_EQ(afterRevoke->status, 401);

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

TEST(KeysCliTest, CreateInStagingNeedsTheMasterKeyAsTheServerDoes) {
  TempDir dir;
  auto [code, out] =
      run(keys(dir, {"create", "--role", "admin", "--name", "ops", "--env", "staging"}));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("staging needs a master key"), std::string::npos) << out;
  EXPECT_NE(out.find("PHAROS_MASTER_KEY"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "pharos.db"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "master.key"));  // only dev makes one

  auto [withKey, made] =
      run(keys(dir, {"create", "--role", "admin", "--name", "ops", "--env", "staging"}),
          {"PHAROS_MASTER_KEY=" + std::string(64, '7')});
  EXPECT_EQ(withKey, 0) << made;
  // Listing needs no master key.
  auto [listCode, listed] = run(keys(dir, {"list", "--env", "staging"}));
  EXPECT_EQ(listCode, 0) << listed;
  EXPECT_NE(listed.find(" ops "), std::string::npos) << listed;
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
