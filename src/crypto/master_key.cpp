#include "crypto/master_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "core/file_io.h"

namespace pharos::crypto {
namespace {

constexpr size_t kTextDigits = 2 * kKeyBytes;
// Enough for the 64 digits and a newline; anything longer is refused without reading it all.
constexpr size_t kMaxFileBytes = 256;

std::string keyIdOf(KeyView key) {
  std::array<unsigned char, crypto_generichash_BYTES> digest{};
  crypto_generichash(digest.data(), digest.size(), key.data(), key.size(), nullptr, 0);
  char hex[2 * 8 + 1];
  sodium_bin2hex(hex, sizeof hex, digest.data(), 8);
  return std::string(hex, 16);
}

std::string octalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Wipes a std::string that held key text before it is freed.
struct WipeOnExit {
  std::string& text;
  ~WipeOnExit() { sodium_memzero(text.data(), text.size()); }
};

}  // namespace

MasterKey::MasterKey(KeyBytes bytes) : bytes_(std::move(bytes)), id_(keyIdOf(bytes_.view())) {}

Result<MasterKey> MasterKey::parseText(std::string_view text, std::string_view source) {
  if (text.ends_with("\r\n")) {
    text.remove_suffix(2);
  } else if (text.ends_with('\n')) {
    text.remove_suffix(1);
  }
  // The message says what is wrong with the shape, never which characters were there.
  auto invalid = [&](std::string what) {
    return makeError(ErrorCode::kInvalidArgument,
                     "invalid master key: " + what +
                         "; expected exactly 64 hexadecimal digits and an optional newline",
                     std::string(source));
  };
  if (text.size() != kTextDigits) {
    return invalid("found " + std::to_string(text.size()) + " characters");
  }
  std::array<unsigned char, kKeyBytes> raw{};
  size_t decoded = 0;
  const char* end = nullptr;
  int rc =
      sodium_hex2bin(raw.data(), raw.size(), text.data(), text.size(), nullptr, &decoded, &end);
  bool complete = rc == 0 && decoded == kKeyBytes && end == text.data() + text.size();
  if (!complete) {
    sodium_memzero(raw.data(), raw.size());
    return invalid("a character is not a hexadecimal digit");
  }
  Result<KeyBytes> bytes = KeyBytes::copyOf(raw);
  sodium_memzero(raw.data(), raw.size());
  if (!bytes.ok()) return std::move(bytes).error();
  return MasterKey(std::move(bytes).value());
}

Result<MasterKey> MasterKey::fromFile(const std::string& path) {
  PHAROS_TRY(initSodium());
  // O_NOFOLLOW: the key is the file named, not whatever a symlink there points to.
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor fd,
                          openFile(path.c_str(), O_RDONLY | O_NOFOLLOW, 0, "master key file"));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return ioError(errno, "stat " + path, "master key file");
  if (!S_ISREG(st.st_mode)) {
    return makeError(ErrorCode::kInvalidArgument, "master key file is not a regular file", path);
  }
  if ((st.st_mode & 077) != 0) {
    return makeError(ErrorCode::kPermissionDenied,
                     "master key file " + path + " has mode " + octalMode(st.st_mode) +
                         ", which lets group or others access it; run `chmod 600 " + path +
                         "` (0600 or stricter is required)",
                     path);
  }
  std::string text(kMaxFileBytes + 1, '\0');
  WipeOnExit wipe{text};
  PHAROS_ASSIGN_OR_RETURN(size_t n, readAt(fd.get(), text.data(), text.size(), 0, path));
  if (n > kMaxFileBytes) {
    return makeError(ErrorCode::kInvalidArgument,
                     "invalid master key: the file is larger than a key; expected exactly 64 "
                     "hexadecimal digits and an optional newline",
                     path);
  }
  return parseText(std::string_view(text.data(), n), path);
}

Result<MasterKey> MasterKey::fromEnvironmentValue(const Secret& value) {
  PHAROS_TRY(initSodium());
  return parseText(value.reveal(), "PHAROS_MASTER_KEY");
}

Result<MasterKey> MasterKey::generate() {
  PHAROS_ASSIGN_OR_RETURN(KeyBytes bytes, KeyBytes::random());
  return MasterKey(std::move(bytes));
}

Secret MasterKey::toText() const {
  std::string hex(kTextDigits + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), view().data(), view().size());
  hex.resize(kTextDigits);
  return Secret(std::move(hex));
}

Result<MasterKey> generateMasterKeyFile(const std::string& path) {
  PHAROS_ASSIGN_OR_RETURN(MasterKey key, MasterKey::generate());
  FileDescriptor fd(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    if (errno == EEXIST) {
      return makeError(ErrorCode::kAlreadyExists,
                       "master key file " + path + " already exists; it is never overwritten",
                       path);
    }
    return ioError(errno, "create " + path, "master key file");
  }
  // A file that does not hold the whole key must not stay: the next attempt would find it
  // and refuse to overwrite it, and reading it would fail.
  auto writeKey = [&]() -> Status {
    // The umask can only clear bits, but be explicit: the file must be 0600 whatever it is.
    if (fchmod(fd.get(), 0600) != 0) return ioError(errno, "chmod " + path, "master key file");
    std::string text = key.toText().reveal() + "\n";
    WipeOnExit wipe{text};
    PHAROS_TRY(writeAll(fd.get(), {text}, path));
    PHAROS_TRY(syncData(fd.get(), path));
    return fd.close(path);
  };
  if (Status written = writeKey(); !written.ok()) {
    ::unlink(path.c_str());
    return std::move(written).error();
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  PHAROS_TRY(syncDirectory(dir.empty() ? "." : dir.c_str(), path));
  return key;
}

}  // namespace pharos::crypto
