#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "crypto/master_key.h"
#include "fakes/temp_dir.h"

namespace pharos::crypto {
namespace {

constexpr std::string_view kHex =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// Concatenation without std::string's operator+, which GCC 12 at -O2 flags with a false
// -Warray-bounds.
std::string concat(std::string_view a, std::string_view b) {
  std::string s;
  s.reserve(a.size() + b.size());
  s.append(a);
  s.append(b);
  return s;
}

void writeFile(const std::string& path, std::string_view text, mode_t mode) {
  std::ofstream(path, std::ios::binary) << text;
  ASSERT_EQ(chmod(path.c_str(), mode), 0);
}

TEST(MasterKeyTest, FileWithMode0600IsAccepted) {
  testing::TempDir dir;
  std::string path = dir.file("master.key");
  writeFile(path, concat(kHex, "\n"), 0600);
  Result<MasterKey> key = MasterKey::fromFile(path);
  ASSERT_TRUE(key.ok()) << key.error().toString();
  EXPECT_EQ(key->toText().reveal(), kHex);
  EXPECT_EQ(key->id().size(), 16u);
}

TEST(MasterKeyTest, ReadOnlyFile0400IsAccepted) {
  testing::TempDir dir;
  std::string path = dir.file("master.key");
  writeFile(path, kHex, 0400);
  EXPECT_TRUE(MasterKey::fromFile(path).ok());
}

TEST(MasterKeyTest, FileReadableByOthersIsRefusedWithTheFix) {
  testing::TempDir dir;
  std::string path = dir.file("master.key");
  for (mode_t mode : {0644, 0640, 0604, 0660, 0601}) {
    writeFile(path, kHex, mode);
    Result<MasterKey> key = MasterKey::fromFile(path);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_EQ(key.error().code, ErrorCode::kPermissionDenied);
    char modeText[8];
    std::snprintf(modeText, sizeof modeText, "%04o", static_cast<unsigned>(mode));
    EXPECT_NE(key.error().message.find(modeText), std::string::npos) << key.error().message;
    EXPECT_NE(key.error().message.find("chmod 600 " + path), std::string::npos)
        << key.error().message;
    EXPECT_EQ(key.error().toString().find(kHex), std::string::npos);
  }
}

TEST(MasterKeyTest, SameKeySameIdDifferentKeyDifferentId) {
  auto a = MasterKey::fromEnvironmentValue(Secret(std::string(kHex)));
  auto b = MasterKey::fromEnvironmentValue(Secret(concat(kHex, "\r\n")));
  auto c = MasterKey::generate();
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->id(), b->id());
  EXPECT_NE(a->id(), c->id());
  // The id is a hash, not a piece of the key.
  EXPECT_EQ(std::string(kHex).find(a->id()), std::string::npos);
}

TEST(MasterKeyTest, MalformedTextIsRefusedWithoutEchoingIt) {
  std::string upper(kHex);
  for (char& ch : upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(MasterKey::fromEnvironmentValue(Secret(upper)).ok());

  std::string badDigit(kHex);
  badDigit[10] = 'g';
  for (const std::string& text : {std::string(), std::string(kHex.substr(2)), concat(kHex, "00"),
                                  concat(kHex, "\n\n"), concat(" ", kHex), badDigit}) {
    Result<MasterKey> key = MasterKey::fromEnvironmentValue(Secret(text));
    ASSERT_FALSE(key.ok()) << text;
    EXPECT_EQ(key.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(key.error().context, "PHAROS_MASTER_KEY");
    if (text.size() > 16) {
      EXPECT_EQ(key.error().toString().find(text.substr(0, 16)), std::string::npos);
    }
  }
}

TEST(MasterKeyTest, GeneratedFileIs0600ReadsBackAndIsNeverOverwritten) {
  testing::TempDir dir;
  std::string path = dir.file("master.key");
  Result<MasterKey> made = generateMasterKeyFile(path);
  ASSERT_TRUE(made.ok()) << made.error().toString();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<MasterKey> read = MasterKey::fromFile(path);
  ASSERT_TRUE(read.ok()) << read.error().toString();
  EXPECT_EQ(read->id(), made->id());

  Result<MasterKey> again = generateMasterKeyFile(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  Result<MasterKey> still = MasterKey::fromFile(path);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->id(), made->id());
}

TEST(MasterKeyTest, MissingFileAndSymlinkAreRefused) {
  testing::TempDir dir;
  EXPECT_EQ(MasterKey::fromFile(dir.file("absent.key")).error().code, ErrorCode::kNotFound);
  std::string target = dir.file("real.key");
  writeFile(target, kHex, 0600);
  std::string link = dir.file("link.key");
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  EXPECT_FALSE(MasterKey::fromFile(link).ok());
}

}  // namespace
}  // namespace pharos::crypto
